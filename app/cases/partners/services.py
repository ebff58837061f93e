"""The municipality's partners: the lookup "kind -> this municipality's partner(s)", the
defaults a new municipality gets, the tenant admin's changes and the binding of provider
workers' accounts. Services flush, never commit."""

from __future__ import annotations

import logging
import uuid

from flask_babel import lazy_gettext as _
from sqlalchemy import select
from werkzeug.exceptions import NotFound

from app.auth.api import User
from app.cases.errors import CaseError
from app.cases.models import DEFAULT_CARE_DIRECTOR
from app.cases.partners.models import Partner, PartnerKind, PartnerStaff
from app.core.actions import check_version, create_once
from app.core.audit import report_refused_access
from app.core.permissions import Role
from app.extensions import db

security_log = logging.getLogger("nazorg.security")

# What a new municipality starts with (the admin renames, adds and switches them off).
# The care director is the plan's Regizorg BV; the others name the function, to be
# replaced by the municipality's own organisations.
DEFAULT_PARTNERS: tuple[dict, ...] = (
    {
        "kind": PartnerKind.CARE_DIRECTOR,
        "name": DEFAULT_CARE_DIRECTOR,
        "takes_trajectories": True,
        "takes_referrals": True,
    },
    {"kind": PartnerKind.DEBT_HELP, "name": "Schuldhulpverlening"},
    {"kind": PartnerKind.ADDICTION_CARE, "name": "Verslavingszorg"},
    {"kind": PartnerKind.SUPPORTED_HOUSING, "name": "Beschermd en begeleid wonen"},
    {"kind": PartnerKind.PROBATION, "name": "Reclassering"},
    {"kind": PartnerKind.INCOME, "name": "Team werk en inkomen"},
    {"kind": PartnerKind.HEALTH_INSURER, "name": "Zorgverzekeraar", "takes_referrals": False},
    {"kind": PartnerKind.MENTAL_HEALTH_CARE, "name": "GGZ"},
    {"kind": PartnerKind.HOUSING_CORPORATION, "name": "Woningcorporatie"},
)

PARTNER_FIELDS = (
    "name",
    "kind",
    "contact_name",
    "email",
    "phone",
    "address",
    "takes_referrals",
    "takes_trajectories",
    "active",
)


def install_default_partners() -> list[Partner]:
    """The default partners, once: a municipality that has any partner gets none."""
    if db.session.scalar(select(Partner.id).limit(1)) is not None:
        return []
    rows = [
        Partner(
            kind=spec["kind"].value,
            name=spec["name"],
            takes_referrals=spec.get("takes_referrals", True),
            takes_trajectories=spec.get("takes_trajectories", False),
            active=True,
        )
        for spec in DEFAULT_PARTNERS
    ]
    db.session.add_all(rows)
    db.session.flush()
    return rows


def partners(*, include_inactive: bool = True) -> list[Partner]:
    query = select(Partner).order_by(Partner.kind, Partner.name)
    if not include_inactive:
        query = query.where(Partner.active.is_(True))
    return list(db.session.scalars(query))


def partners_of_kind(
    kind: str, *, referrals: bool | None = None, trajectories: bool | None = None
) -> list[Partner]:
    """This municipality's active partner(s) of ``kind`` (the lookup the plan and the
    referrals use), by name; ``referrals``/``trajectories`` narrow to those that take them."""
    query = select(Partner).where(Partner.kind == PartnerKind(kind).value, Partner.active.is_(True))
    if referrals is not None:
        query = query.where(Partner.takes_referrals.is_(referrals))
    if trajectories is not None:
        query = query.where(Partner.takes_trajectories.is_(trajectories))
    return list(db.session.scalars(query.order_by(Partner.name)))


def partners_by_kind() -> dict[str, list[Partner]]:
    """Every kind with this municipality's active partners of it (empty list: none yet)."""
    found: dict[str, list[Partner]] = {kind.value: [] for kind in PartnerKind}
    for partner in partners(include_inactive=False):
        found[partner.kind].append(partner)
    return found


def care_director() -> Partner | None:
    """The care director of the hand-over: the first active care-director partner that takes
    trajectories (by name), or None (the hand-over then names the setting's care director)."""
    found = partners_of_kind(PartnerKind.CARE_DIRECTOR, trajectories=True)
    return found[0] if found else None


def access_partner(user, partner_id: uuid.UUID) -> Partner:
    """The partner of the session's municipality; 404 alike for foreign and missing."""
    row = db.session.scalars(select(Partner).where(Partner.id == partner_id)).one_or_none()
    if row is None:
        report_refused_access(user, "partner", str(partner_id))
        raise NotFound()
    return row


def referral_partner(partner_id: uuid.UUID) -> Partner:
    """An active partner that takes referrals, or a refusal naming the field."""
    row = db.session.scalars(select(Partner).where(Partner.id == partner_id)).one_or_none()
    if row is None or not row.active or not row.takes_referrals:
        raise CaseError(_("Choose a partner that takes referrals."), field="partner")
    return row


def _check(values: dict) -> None:
    if not (values.get("name") or "").strip():
        raise CaseError(_("Give the partner's name."), field="name")
    PartnerKind(values["kind"])


def add_partner(values: dict, submission_key: uuid.UUID | None = None) -> Partner:
    def build() -> Partner:
        _check(values)
        return Partner(**{name: values.get(name) for name in PARTNER_FIELDS})

    row, _created = create_once(Partner, submission_key, build)
    db.session.flush()
    return row


def save_partner(partner: Partner, values: dict, expected_version: int | None) -> Partner:
    check_version(partner, expected_version)
    _check(values)
    for name in PARTNER_FIELDS:
        setattr(partner, name, values.get(name))
    db.session.flush()
    return partner


# --- provider workers bound to a partner ----------------------------------------------------


def staff_of(partner: Partner) -> list[tuple[PartnerStaff, User]]:
    return list(
        db.session.execute(
            select(PartnerStaff, User)
            .join(
                User, (User.id == PartnerStaff.user_id) & (User.tenant_id == PartnerStaff.tenant_id)
            )
            .where(PartnerStaff.partner_id == partner.id)
            .order_by(User.display_name)
        )
    )


def unbound_provider_workers() -> list[User]:
    """The municipality's provider-worker accounts not yet bound to a partner."""
    bound = select(PartnerStaff.user_id)
    return list(
        db.session.scalars(
            select(User)
            .where(User.role == Role.PROVIDER_WORKER.value, User.id.not_in(bound))
            .order_by(User.display_name)
        )
    )


def bind_staff(partner: Partner, user_id: uuid.UUID, actor) -> PartnerStaff:
    """Bind a provider worker's account to ``partner`` (an account works for one partner)."""
    user = db.session.scalars(select(User).where(User.id == user_id)).one_or_none()
    if user is None or user.role != Role.PROVIDER_WORKER.value:
        raise CaseError(_("Choose an account with the role provider worker."), field="user_id")
    if not partner.takes_trajectories:
        raise CaseError(
            _("Only a partner that takes trajectories has provider workers."), field="user_id"
        )
    existing = db.session.scalars(
        select(PartnerStaff).where(PartnerStaff.user_id == user.id)
    ).one_or_none()
    if existing is not None:
        if existing.partner_id == partner.id:
            return existing
        raise CaseError(_("This account already works for another partner."), field="user_id")
    row = PartnerStaff(partner_id=partner.id, user_id=user.id, bound_by=_name(actor))
    db.session.add(row)
    db.session.flush()
    security_log.info("provider worker %s bound to partner %s", user.id, partner.id)
    return row


def unbind_staff(partner: Partner, user_id: uuid.UUID) -> None:
    row = db.session.scalars(
        select(PartnerStaff).where(
            PartnerStaff.user_id == user_id, PartnerStaff.partner_id == partner.id
        )
    ).one_or_none()
    if row is not None:
        db.session.delete(row)
        db.session.flush()
        security_log.info("provider worker %s unbound from partner %s", user_id, partner.id)


def partner_of_worker(user) -> Partner | None:
    """The active partner a provider worker's account is bound to, or None."""
    return db.session.scalars(
        select(Partner)
        .join(
            PartnerStaff,
            (PartnerStaff.partner_id == Partner.id) & (PartnerStaff.tenant_id == Partner.tenant_id),
        )
        .where(PartnerStaff.user_id == user.id, Partner.active.is_(True))
    ).one_or_none()


def _name(actor) -> str:
    return actor if isinstance(actor, str) else actor.display_name
