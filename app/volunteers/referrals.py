"""The referral of a client to the circle programme: the one mechanism by which a client's
data reaches the centre municipality's volunteer programme.

A case worker of any municipality refers a client whose recorded consent allows sharing
with the volunteer programme (``cases.api.shareable_domains`` with recipient
``volunteer_programme``: at least one life domain). Only what the case worker chooses
is carried: the first name and the municipality (each a choice), languages,
availability, needs in words and places to avoid. The copy is written in a session
bound to the centre municipality (``tenant_app_context``, as the transfer does), and the
crossing is logged on both sides: the case's timeline and a security event in the
sender, a security event in the centre. Withdrawing the consent (no domain left that may
go to the programme) deletes the copy, logged on both sides again.

Like the transfer this spans two tenants' transactions: the centre's copy is committed
inside the call; the sender's timeline entry is committed by the caller's ``act``. A
second call for the same case finds the copy and writes nothing twice.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from flask_babel import lazy_gettext as _
from sqlalchemy import select

from app.auth.api import User
from app.cases.api import (
    Case,
    EventKind,
    Recipient,
    latest_case_event,
    record_case_event,
    shareable_domains,
)
from app.core.context import tenant_app_context
from app.core.security_events import report_security_event
from app.core.tenancy import current_tenant_id
from app.extensions import db
from app.notifications.services import notify
from app.tenants.api import Tenant, all_tenants
from app.volunteers import circles
from app.volunteers.models import ProgrammeReferral
from app.volunteers.services import VolunteerRefused

log = logging.getLogger("nazorg.volunteers")


@dataclass(frozen=True)
class ReferralChoice:
    """What the case worker chose to carry to the programme."""

    first_name: bool
    municipality: bool
    languages: list[str]
    availability: list[str]
    needs: str
    places_to_avoid: str
    postcode_area: str | None = None
    offence_kinds: tuple[str, ...] = ()


def centre_tenant() -> Tenant | None:
    return next((tenant for tenant in all_tenants() if tenant.is_centre), None)


def may_refer(case: Case) -> bool:
    """Whether the client's recorded consent allows sharing with the volunteer programme."""
    return bool(shareable_domains([case.id], Recipient.VOLUNTEER_PROGRAMME)[case.id])


def carried_fields(choice: ReferralChoice) -> list[str]:
    fields = []
    if choice.first_name:
        fields.append("first_name")
    if choice.municipality:
        fields.append("municipality")
    if choice.languages:
        fields.append("languages")
    if choice.availability:
        fields.append("availability")
    if choice.needs.strip():
        fields.append("needs")
    if choice.places_to_avoid.strip():
        fields.append("places_to_avoid")
    if choice.postcode_area:
        fields.append("postcode_area")
    if choice.offence_kinds:
        fields.append("offence_kinds")
    return fields


def refer(case: Case, actor, choice: ReferralChoice) -> bool:
    """Refer ``case``'s client to the programme; True when a new copy was made."""
    if not may_refer(case):
        raise VolunteerRefused(
            _(
                "The client has not given consent for sharing with volunteers: record the "
                "consent first (volunteer programme)."
            )
        )
    carried = carried_fields(choice)
    if "first_name" not in carried:
        raise VolunteerRefused(
            _("The circle needs at least the client's first name."), field="first_name"
        )
    centre = centre_tenant()
    source_id = current_tenant_id(db.session)
    if centre is None or source_id is None:
        raise VolunteerRefused(_("The region has no volunteer programme."))
    source = db.session.get(Tenant, source_id)
    # Plain values only: inside the centre's context nothing of the sender's may load.
    values = {
        "source_tenant_id": source_id,
        "source_case_id": case.id,
        "referred_by_id": getattr(actor, "id", None),
        "referred_by_name": getattr(actor, "display_name", str(actor)),
        "first_name": case.client.given_name if choice.first_name else None,
        "municipality": source.name if choice.municipality else None,
        "languages": sorted(set(choice.languages)),
        "availability": sorted(set(choice.availability)),
        "needs": choice.needs.strip(),
        "places_to_avoid": choice.places_to_avoid.strip(),
        "postcode_area": choice.postcode_area or None,
        "offence_kinds": sorted(set(choice.offence_kinds)),
    }
    with tenant_app_context(centre.id):
        existing = _copy_of(source_id, case.id)
        if existing is None:
            db.session.add(ProgrammeReferral(**values))
            db.session.commit()
        created = existing is None
    if not created:
        return False
    report_security_event(
        "circle referral received",
        event="circle_referral_received",
        result="done",
        tenant_id=centre.id,
        user_id=None,
        detail=f"from {source.name}: {', '.join(carried)}",
        from_tenant=source_id,
    )
    report_security_event(
        "circle referral sent",
        event="circle_referral_sent",
        result="done",
        tenant_id=source_id,
        detail=f"case {case.id} to {centre.name}: {', '.join(carried)}",
        case=str(case.id),
        to_tenant=centre.id,
    )
    record_case_event(
        case.id, EventKind.CIRCLE_REFERRAL, actor, centre=centre.name, carried=carried
    )
    db.session.flush()
    return True


def _copy_of(source_tenant_id: int, case_id) -> ProgrammeReferral | None:
    return db.session.scalars(
        select(ProgrammeReferral).where(
            ProgrammeReferral.source_tenant_id == source_tenant_id,
            ProgrammeReferral.source_case_id == case_id,
        )
    ).one_or_none()


def referred(case: Case) -> bool:
    """Whether the programme holds a copy of this case's referral, read from the sender's
    own record of the crossing (its timeline: the referral, or its end, newest first).
    The case page asks this on every view: reading the centre would open a second session
    and connection per request (twenty saves at once then exhausted the pool)."""
    latest = latest_case_event(
        case.id, [EventKind.CIRCLE_REFERRAL.value, EventKind.CIRCLE_REFERRAL_ENDED.value]
    )
    return latest is not None and latest.kind == EventKind.CIRCLE_REFERRAL.value


def withdraw_if_consent_gone(case: Case, actor) -> bool:
    """After a consent recording: when nothing may go to the programme any more, delete
    the programme's copy and log it on both sides. True when a copy was removed."""
    if may_refer(case):
        return False
    centre = centre_tenant()
    source_id = current_tenant_id(db.session)
    if centre is None or source_id is None:
        return False
    with tenant_app_context(centre.id):
        copy = _copy_of(source_id, case.id)
        if copy is None:
            return False
        circles.close_for_withdrawn_consent(copy)
        db.session.delete(copy)
        db.session.commit()
    report_security_event(
        "circle referral removed: consent withdrawn",
        event="circle_referral_removed",
        result="done",
        tenant_id=centre.id,
        user_id=None,
        detail="consent withdrawn by the referring municipality",
        from_tenant=source_id,
    )
    report_security_event(
        "circle referral ended: consent withdrawn",
        event="circle_referral_ended",
        result="done",
        tenant_id=source_id,
        detail=f"case {case.id}: the programme's copy was removed",
        case=str(case.id),
    )
    record_case_event(case.id, EventKind.CIRCLE_REFERRAL_ENDED, actor)
    db.session.flush()
    return True


def waiting_list() -> list[ProgrammeReferral]:
    """The referred clients waiting for a circle, oldest first (the matching reads it)."""
    return list(
        db.session.scalars(
            select(ProgrammeReferral)
            .where(ProgrammeReferral.status == "waiting")
            .order_by(ProgrammeReferral.created_at)
        )
    )


# --- reports back to the referring case worker ---------------------------------------------------

REPORT_TEMPLATES = {
    "signal": "volunteers/referrer_signal",
    "progress": "volunteers/referrer_progress",
}


def report_to_referrer(referral: ProgrammeReferral, kind: str, key: str, context: dict) -> bool:
    """A notice for the case worker who made ``referral``, in their own municipality.

    Called in a session of the centre (the job that follows a signal or a phase change).
    Like the referral itself it crosses through one mechanism: a session bound to the
    receiver (``tenant_app_context``) writes the notice there and commits it; the crossing
    is logged on both sides. ``key`` makes it once only (a retried job writes nothing
    twice). ``context`` holds plain values meant for the case worker only. True when a
    notice was written."""
    if kind not in REPORT_TEMPLATES:
        raise ValueError(f"unknown report {kind!r}")
    centre_id = current_tenant_id(db.session)
    source_id = referral.source_tenant_id
    receiver = referral.referred_by_id
    values = {
        **context,
        "core_member": referral.first_name or "",
        "link": f"/cases/{referral.source_case_id}",
    }
    case_id = referral.source_case_id
    written = False
    with tenant_app_context(source_id):
        if receiver is not None and _active_user(receiver):
            written = (
                notify(
                    receiver,
                    kind=f"circle_{kind}",
                    dedupe_key=f"circle-report:{key}:{receiver}",
                    template=REPORT_TEMPLATES[kind],
                    context=values,
                    link=values["link"],
                )
                is not None
            )
            db.session.commit()
    if not written:
        log.info("circle report %s for case %s: no notice written", key, case_id)
        return False
    report_security_event(
        "circle report sent to the referring municipality",
        event="circle_report_sent",
        result="done",
        tenant_id=centre_id,
        user_id=None,
        detail=f"{kind} for a referral of tenant {source_id}",
        to_tenant=source_id,
    )
    report_security_event(
        "circle report received from the circle programme",
        event="circle_report_received",
        result="done",
        tenant_id=source_id,
        user_id=None,
        detail=f"{kind} on case {case_id}",
        case=str(case_id),
        from_tenant=centre_id,
    )
    return True


def _active_user(user_id) -> bool:
    user = db.session.scalars(select(User).where(User.id == user_id)).one_or_none()
    return user is not None and user.active


def access_referral_by_id(referral_id) -> ProgrammeReferral | None:
    return db.session.scalars(
        select(ProgrammeReferral).where(ProgrammeReferral.id == referral_id)
    ).one_or_none()
