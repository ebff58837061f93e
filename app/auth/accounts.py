"""What a tenant admin does with the accounts and the identity provider of their municipality."""

from __future__ import annotations

import uuid
from collections.abc import Callable

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from werkzeug.exceptions import NotFound

from app.auth import local
from app.auth.events import Event, record_security_event
from app.auth.mail import send_account_link
from app.auth.models import IdentityProvider, SecurityEvent, User
from app.auth.oidc import loopback_http_allowed, secret_variable_allowed, secret_variable_prefix
from app.auth.sessions import end_all_sessions
from app.auth.urls import issuer_problem
from app.core.actions import Conflict, Refused
from app.core.audit import report_refused_access
from app.core.permissions import CENTRE_ONLY_ROLES, Role
from app.extensions import db
from app.tenants.api import Tenant


class SettingsRejected(Refused):
    """A setting or a role the rules refuse (422 on the action path)."""


class LastAdminRefused(Conflict):
    """The change would leave the municipality without an active tenant admin: it conflicts
    with the other admins' state (409 on the action path; the rollback frees their rows)."""

    def __init__(self) -> None:
        super().__init__(
            _l(
                "After this change the municipality would have no active administrator."
                " First make someone else administrator."
            )
        )


ISSUER_PROBLEMS = {
    "scheme": _l("The issuer must be an https address."),
    "malformed": _l("The issuer is not a valid address. Write it as https://host/path."),
    "host": _l("The issuer must name a host, as in https://login.example.nl."),
    "userinfo": _l(
        "The issuer may not contain a name or password before an @: the part after the @"
        " would be the host."
    ),
    "fragment": _l("The issuer may not contain a ? or a # part."),
    "query": _l("The issuer may not contain a ? or a # part."),
}


def access_user(actor: User, user_id: uuid.UUID) -> User:
    user = db.session.scalars(select(User).where(User.id == user_id)).one_or_none()
    if user is None:
        report_refused_access(actor, "user", str(user_id))
        raise NotFound()
    return user


def list_users() -> list[User]:
    return list(db.session.scalars(select(User).order_by(User.role, User.display_name)))


def change_role(actor: User, user: User, role_name: str) -> None:
    try:
        role = Role(role_name)
    except ValueError:
        raise SettingsRejected(_l("Unknown role.")) from None
    tenant = db.session.get(Tenant, user.tenant_id)
    if role in CENTRE_ONLY_ROLES and not tenant.is_centre:
        raise SettingsRejected(_l("Only the centre municipality has a regional coordinator."))
    if role.value == user.role:
        return
    if role is not Role.TENANT_ADMIN:
        keep_an_active_admin(user)
    previous, user.role = user.role, role.value
    record_security_event(
        user.tenant_id,
        Event.ROLE_CHANGED,
        f"{previous}->{role.value}",
        user_id=user.id,
        account=user.subject,
        detail=f"by {actor.id}",
    )


def deactivate(actor: User, user: User) -> None:
    keep_an_active_admin(user)
    user.active = False
    ended = end_all_sessions(user, "deactivated")
    record_security_event(
        user.tenant_id,
        Event.ACCOUNT_DEACTIVATED,
        "success",
        user_id=user.id,
        account=user.subject,
        detail=f"by {actor.id}; {ended} sessions ended",
    )


def keep_an_active_admin(user: User) -> None:
    """Refuse to demote or deactivate the tenant's last active admin.

    Locks the rows of every active admin of the tenant (the tenant scope adds the
    tenant) until the transaction ends, in one order, so that two admins demoting each
    other at once are judged one after the other: the second sees the first's change
    (PostgreSQL re-reads a locked row that changed) and is refused. Called before the
    change is made, so that autoflush has not yet written it.
    """
    admins = db.session.scalars(
        select(User.id)
        .where(User.role == Role.TENANT_ADMIN.value, User.active.is_(True))
        .order_by(User.id)
        .with_for_update()
    ).all()
    if user.id in admins and len(admins) == 1:
        raise LastAdminRefused()


def reactivate(actor: User, user: User) -> None:
    user.active = True


def end_sessions(actor: User, user: User) -> int:
    ended = end_all_sessions(user, "ended_by_admin")
    record_security_event(
        user.tenant_id,
        Event.SESSION_ENDED,
        "ended_by_admin",
        user_id=user.id,
        account=user.subject,
        detail=f"by {actor.id}",
    )
    return ended


def invite(
    actor: User, display_name: str, email: str, role: Role, link_for: Callable[[str], str]
) -> User:
    """Invite a volunteer or provider worker: the account, its link and the mail, which
    joins the account's transaction (both or neither). ``link_for(token)`` is the path of
    the activation page."""
    try:
        user, token = local.invite(display_name, email, role)
    except ValueError:
        raise SettingsRejected(
            _l("This address already has an active account."), field="email"
        ) from None
    send_account_link(actor.tenant_id, user.email, "invitation", link_for(token), user.display_name)
    return user


def identity_provider() -> IdentityProvider | None:
    return db.session.scalars(select(IdentityProvider)).one_or_none()


def parse_role_mapping(text: str, *, is_centre: bool) -> dict[str, str]:
    """``value = role`` per line, in order of precedence."""
    mapping: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        value, sep, role_name = line.partition("=")
        value, role_name = value.strip(), role_name.strip()
        if not sep or not value or not role_name:
            raise SettingsRejected(_l("Line %(n)s: write it as value = role.", n=number))
        try:
            role = Role(role_name)
        except ValueError:
            raise SettingsRejected(
                _l("Line %(n)s: %(role)s is not a role.", n=number, role=role_name)
            ) from None
        if role in CENTRE_ONLY_ROLES and not is_centre:
            raise SettingsRejected(
                _l("Line %(n)s: only the centre municipality has a regional coordinator.", n=number)
            )
        mapping[value] = role.value
    if not mapping:
        raise SettingsRejected(_l("Map at least one value to a role."))
    return mapping


def save_identity_provider(actor: User, data: dict) -> IdentityProvider:
    tenant = db.session.get(Tenant, actor.tenant_id)
    mapping = parse_role_mapping(data["role_mapping"], is_centre=tenant.is_centre)
    issuer = data["issuer"].strip()
    problem = issuer_problem(issuer, loopback_http=loopback_http_allowed())
    if problem is not None:
        raise SettingsRejected(ISSUER_PROBLEMS.get(problem, ISSUER_PROBLEMS["scheme"]))
    secret_ref = data["client_secret_ref"].strip()
    if not secret_variable_allowed(secret_ref, tenant.slug):
        raise SettingsRejected(
            _l(
                "The client secret must be in an environment variable whose name starts"
                " with %(prefix)s.",
                prefix=secret_variable_prefix(tenant.slug),
            )
        )
    row = identity_provider()
    if row is None:
        row = IdentityProvider(config_version=0)
        db.session.add(row)
    row.issuer = issuer
    row.client_id = data["client_id"].strip()
    row.client_secret_ref = secret_ref
    row.scopes = data["scopes"].strip()
    row.roles_claim = data["roles_claim"].strip()
    row.role_mapping = mapping
    row.required_acr = (data.get("required_acr") or "").strip() or None
    row.enabled = bool(data.get("enabled"))
    row.config_version = (row.config_version or 0) + 1
    record_security_event(
        actor.tenant_id,
        Event.SETTINGS_CHANGED,
        "identity_provider",
        user_id=actor.id,
        detail=f"version {row.config_version}",
    )
    return row


def mapping_as_text(mapping: dict[str, str]) -> str:
    return "\n".join(f"{value} = {role}" for value, role in mapping.items())


def recent_security_events(limit: int = 200) -> list[SecurityEvent]:
    return list(
        db.session.scalars(
            select(SecurityEvent).order_by(SecurityEvent.occurred_at.desc()).limit(limit)
        )
    )
