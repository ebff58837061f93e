"""A municipality joins (``add_tenant``) and leaves (``remove_tenant``), by the CLI only.

Both run as the schema owner (``owner_database``), since the portal role may only read
``tenants``; the tenant's own rows are still written and deleted in a session bound to
that tenant, so row-level security holds for the owner too (it is forced).

Onboarding is one transaction: the municipality, its default task templates (retention
periods and file settings are the settings store's defaults until its admin saves others),
its identity-provider settings when given, and its first tenant admin: either a local
account invited by mail with the single-use link, or an account bound to the first
sign-in of a named subject from its identity provider. Running it again with the same
arguments changes nothing and says so; a slug or name that exists with other data is
refused.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from datetime import timedelta

from flask import current_app, url_for
from sqlalchemy import delete, func, select, text

from app.auth.api import (
    INVITE,
    LOCAL_ISSUER,
    IdentityProvider,
    User,
    identity_provider,
    issue_account_token,
    normalise_email,
    secret_variable_allowed,
    secret_variable_prefix,
    send_account_link,
)
from app.cases.api import install_default_partners, install_default_template
from app.core.db import utcnow
from app.core.permissions import Role
from app.core.tenancy import bind_tenant
from app.extensions import db
from app.lifecycle.catalogue import owner_database, tenant_tables
from app.lifecycle.models import TenantRemoval
from app.tenants.api import Tenant

security_log = logging.getLogger("nazorg.security")

# The Deventer region as data: created by the same path as any municipality.
REGION_DEFAULTS = (
    {"slug": "deventer", "name": "Deventer", "centre": True, "region": "deventer"},
    {"slug": "lochem", "name": "Lochem", "centre": False, "region": "deventer"},
    {"slug": "olst-wijhe", "name": "Olst-Wijhe", "centre": False, "region": "deventer"},
    {"slug": "raalte", "name": "Raalte", "centre": False, "region": "deventer"},
    {"slug": "zutphen", "name": "Zutphen", "centre": False, "region": "deventer"},
)
SLUG = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")  # it becomes part of URLs and variable names
STAFF_ROLES = (Role.CASE_WORKER, Role.TENANT_ADMIN, Role.PRIVACY_OFFICER)


class LifecycleRefused(Exception):
    """The command cannot do what was asked; the message says why (shown to the operator)."""


@dataclass(frozen=True)
class ProviderSpec:
    issuer: str
    client_id: str
    secret_env: str


@dataclass(frozen=True)
class TenantSpec:
    slug: str
    name: str
    centre: bool = False
    region: str | None = None  # the region's slug; see ``resolve_region``
    admin_email: str | None = None
    admin_name: str | None = None
    admin_subject: tuple[str, str] | None = None  # (issuer, subject)
    provider: ProviderSpec | None = None


@dataclass
class Outcome:
    tenant_id: int
    created: bool
    done: list[str] = field(default_factory=list)


# --- onboarding ---------------------------------------------------------------------------


def add_tenant(spec: TenantSpec) -> Outcome:
    _check_spec(spec)
    with owner_database():
        existing = _existing(spec)
        if existing is not None:
            return _unchanged_or_refuse(existing, spec)
        try:
            outcome = _create(spec)
            db.session.commit()
        except Exception:
            db.session.rollback()
            raise
    security_log.info(
        "tenant added",
        extra={"tenant": outcome.tenant_id, "slug": spec.slug, "result": "success"},
    )
    return outcome


def add_region_defaults(issuers: dict[str, str] | None = None) -> list[tuple[str, Outcome]]:
    """The five municipalities of the Deventer region, idempotently (the demo uses it).
    ``issuers``: per slug, the issuer of a local OpenID provider for single sign-on
    (client ``portal-<slug>``, its secret in ``OIDC_SECRET_<SLUG>``): the demo's providers
    (``scripts/demo``); a municipality without a provider gets it, once."""
    done = []
    for row in REGION_DEFAULTS:
        provider = None
        if issuers and row["slug"] in issuers:
            provider = demo_provider(row["slug"], issuers[row["slug"]])
        done.append((row["slug"], add_tenant(TenantSpec(**row, provider=provider))))
    return done


def demo_issuers(first_port: int) -> dict[str, str]:
    """The n-th municipality's provider on ``first_port + n`` (loopback)."""
    return {
        row["slug"]: f"http://127.0.0.1:{first_port + number}"
        for number, row in enumerate(REGION_DEFAULTS)
    }


def demo_provider(slug: str, issuer: str) -> ProviderSpec:
    return ProviderSpec(
        issuer=issuer, client_id=f"portal-{slug}", secret_env=secret_variable_prefix(slug)
    )


def _check_spec(spec: TenantSpec) -> None:
    if not SLUG.fullmatch(spec.slug or ""):
        raise LifecycleRefused(f"slug {spec.slug!r}: lower-case a-z, digits and single '-' only")
    if len(spec.slug) > 40 or not spec.name.strip() or len(spec.name) > 120:
        raise LifecycleRefused("slug up to 40 and name up to 120 characters, name not empty")
    if spec.region is not None and (not SLUG.fullmatch(spec.region) or len(spec.region) > 40):
        raise LifecycleRefused(
            f"region {spec.region!r}: lower-case a-z, digits and single '-' only"
        )
    if spec.admin_email and spec.admin_subject:
        raise LifecycleRefused("give --admin-email or --admin-subject, not both")
    if spec.provider and not secret_variable_allowed(spec.provider.secret_env, spec.slug):
        raise LifecycleRefused(
            f"--secret-env must be {secret_variable_prefix(spec.slug)} or start with it and '_'"
        )
    if spec.admin_subject and spec.provider and spec.admin_subject[0] != spec.provider.issuer:
        raise LifecycleRefused("the admin's issuer differs from the --issuer given")


def _existing(spec: TenantSpec) -> Tenant | None:
    rows = db.session.scalars(
        select(Tenant).where((Tenant.slug == spec.slug) | (Tenant.name == spec.name))
    ).all()
    if len(rows) > 1:
        raise LifecycleRefused(f"slug {spec.slug!r} and name {spec.name!r} belong to two tenants")
    return rows[0] if rows else None


def _unchanged_or_refuse(tenant: Tenant, spec: TenantSpec) -> Outcome:
    differences = []
    if tenant.slug != spec.slug or tenant.name != spec.name:
        differences.append(f"exists as {tenant.slug!r} / {tenant.name!r}")
    if tenant.is_centre != spec.centre:
        differences.append(f"is_centre is {tenant.is_centre}")
    if spec.region is not None and tenant.region != spec.region:
        differences.append(f"region is {tenant.region}")
    bind_tenant(db.session, tenant.id)
    first_provider = spec.provider is not None and identity_provider() is None
    differences += _settings_differences(spec, ignore_provider=first_provider)
    if differences:
        db.session.rollback()
        raise LifecycleRefused(f"{spec.slug}: " + "; ".join(differences))
    if first_provider:
        # A municipality without single sign-on gets it (the demo's providers): the one
        # change a second run may make, and only once.
        _save_provider(tenant, spec.provider)
        db.session.commit()
        return Outcome(
            tenant_id=tenant.id,
            created=False,
            done=[f"identity provider {spec.provider.issuer}"],
        )
    db.session.rollback()
    return Outcome(tenant_id=tenant.id, created=False)


def _settings_differences(spec: TenantSpec, *, ignore_provider: bool = False) -> list[str]:
    found = []
    admin = _admin_identity(spec)
    if admin is not None and not _has_admin(*admin):
        found.append(f"has no tenant admin {admin[1]!r}")
    if spec.provider and not ignore_provider:
        row = identity_provider()
        given = (spec.provider.issuer, spec.provider.client_id, spec.provider.secret_env)
        if row is None or (row.issuer, row.client_id, row.client_secret_ref) != given:
            found.append("its identity-provider settings differ")
    return found


def _admin_identity(spec: TenantSpec) -> tuple[str, str] | None:
    if spec.admin_email:
        return LOCAL_ISSUER, normalise_email(spec.admin_email)
    return spec.admin_subject


def _has_admin(issuer: str, subject: str) -> bool:
    return (
        db.session.scalar(
            select(User.id).where(
                User.issuer == issuer,
                User.subject == subject,
                User.role == Role.TENANT_ADMIN.value,
            )
        )
        is not None
    )


def lock_and_next_id() -> int:
    """The next tenant id; two onboardings at once must not pick the same one."""
    if db.engine.dialect.name == "postgresql":
        db.session.execute(text("LOCK TABLE tenants IN SHARE ROW EXCLUSIVE MODE"))
    return (db.session.scalar(select(func.max(Tenant.id))) or 0) + 1


def resolve_region(slug: str, centre: bool, region: str | None) -> str:
    """The region a new municipality joins: the one given; else a centre founds its own
    region (named by its slug); else the installation's only region. With several
    regions and none given, refuse rather than guess."""
    if region is not None:
        return region
    if centre:
        return slug
    regions = list(db.session.scalars(select(Tenant.region).distinct().limit(2)))
    if len(regions) == 1:
        return regions[0]
    raise LifecycleRefused(
        f"{slug}: give --region (the installation has {len(regions) or 'no'} regions)"
    )


def refuse_second_centre(region: str) -> None:
    """One centre per region: its regional read reaches the region's municipalities."""
    centre = db.session.scalar(
        select(Tenant.slug).where(Tenant.is_centre.is_(True), Tenant.region == region)
    )
    if centre is not None:
        raise LifecycleRefused(f"{centre} is already the centre of region {region}")


def _create(spec: TenantSpec) -> Outcome:
    next_id = lock_and_next_id()
    region = resolve_region(spec.slug, spec.centre, spec.region)
    if spec.centre:
        refuse_second_centre(region)
    tenant = Tenant(
        id=next_id, slug=spec.slug, name=spec.name, is_centre=spec.centre, region=region
    )
    db.session.add(tenant)
    db.session.flush()
    bind_tenant(db.session, tenant.id)
    outcome = Outcome(
        tenant_id=tenant.id,
        created=True,
        done=[f"tenant {spec.slug} ({tenant.id}) in region {region}"],
    )
    outcome.done += install_defaults()
    if spec.provider:
        _save_provider(tenant, spec.provider)
        outcome.done.append(f"identity provider {spec.provider.issuer}")
    if spec.admin_email:
        _invite_admin(tenant, spec)
        outcome.done.append(f"tenant admin invited: {spec.admin_email}")
    elif spec.admin_subject:
        _bind_admin(spec)
        outcome.done.append(f"tenant admin bound to {spec.admin_subject[1]}")
    return outcome


def install_defaults() -> list[str]:
    """The defaults the five get lazily, installed at once in the bound session."""
    templates = install_default_template()
    partners = install_default_partners()
    db.session.flush()
    # Retention periods and file settings need no rows: the settings store answers the
    # registered defaults (app.core.settings) until the tenant admin saves others.
    return [f"{len(templates)} task templates", f"{len(partners)} partners"]


def default_role_mapping(is_centre: bool) -> dict[str, str]:
    """Claim values equal to the portal's role names; the admin can change it in the portal."""
    roles = [*STAFF_ROLES, *([Role.REGIONAL_COORDINATOR] if is_centre else [])]
    return {role.value: role.value for role in roles}


def _save_provider(tenant: Tenant, provider: ProviderSpec) -> None:
    db.session.add(
        IdentityProvider(
            issuer=provider.issuer,
            client_id=provider.client_id,
            client_secret_ref=provider.secret_env,
            role_mapping=default_role_mapping(tenant.is_centre),
            config_version=1,
        )
    )


def _invite_admin(tenant: Tenant, spec: TenantSpec) -> None:
    """A local tenant admin with the same single-use invitation link volunteers get."""
    email = normalise_email(spec.admin_email)
    user = User(
        issuer=LOCAL_ISSUER,
        subject=email,
        email=email,
        display_name=spec.admin_name or email,
        role=Role.TENANT_ADMIN.value,
        active=False,
    )
    db.session.add(user)
    db.session.flush()
    token = issue_account_token(
        user, INVITE, timedelta(hours=current_app.config["INVITATION_HOURS"])
    )
    with current_app.test_request_context():
        link = url_for("local.activate", slug=tenant.slug, token=token)
    send_account_link(tenant.id, email, "invitation", link, user.display_name)


def _bind_admin(spec: TenantSpec) -> None:
    """The account the named subject's first sign-in finds (keyed by issuer and subject).
    The role then follows the provider's claims, as for every staff sign-in."""

    issuer, subject = spec.admin_subject
    db.session.add(
        User(
            issuer=issuer,
            subject=subject,
            display_name=spec.admin_name or subject,
            role=Role.TENANT_ADMIN.value,
            active=True,
        )
    )


# --- offboarding --------------------------------------------------------------------------


def remove_tenant(slug: str, export_checksum: str) -> TenantRemoval:
    """Every row of the municipality, in reverse foreign-key order, then the municipality;
    one transaction, with the platform's destruction record in the same commit."""
    with owner_database():
        tenant = db.session.scalars(select(Tenant).where(Tenant.slug == slug)).one_or_none()
        if tenant is None:
            raise LifecycleRefused(f"no municipality {slug!r}")
        others = db.session.scalar(
            select(func.count())
            .select_from(Tenant)
            .where(Tenant.id != tenant.id, Tenant.region == tenant.region)
        )
        if tenant.is_centre and others:
            raise LifecycleRefused(
                f"{slug} is the centre of a region with {others} other municipalities;"
                " make another municipality the centre first"
            )
        tenant_id, name = tenant.id, tenant.name
        bind_tenant(db.session, tenant_id)
        connection = db.session.connection()  # its transaction carries the tenant (RLS)
        counts = {}
        for table in reversed(tenant_tables()):
            result = connection.execute(delete(table).where(table.c.tenant_id == tenant_id))
            if result.rowcount:
                counts[table.name] = result.rowcount
        db.session.expunge(tenant)
        connection.execute(delete(Tenant.__table__).where(Tenant.__table__.c.id == tenant_id))
        record = TenantRemoval(
            former_tenant_id=tenant_id,
            slug=slug,
            name=name,
            removed_at=utcnow(),
            export_checksum=export_checksum,
            counts=counts,
        )
        db.session.add(record)
        db.session.commit()
        db.session.refresh(record)
        db.session.expunge(record)
    security_log.info(
        "tenant removed",
        extra={
            "tenant": tenant_id,
            "slug": slug,
            "rows": sum(counts.values()),
            "result": "success",
        },
    )
    return record
