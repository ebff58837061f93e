"""Circles: a core member (a referred client), an inner circle of three to five active
volunteers with a valid certificate of conduct, an outer circle of professionals, the
coordinator, the covenant, and the phases with their meeting frequency."""

from __future__ import annotations

import logging
import uuid
from datetime import date

from flask_babel import lazy_gettext as _
from sqlalchemy import select
from werkzeug.exceptions import NotFound

from app.core.actions import check_version
from app.core.dates import add_months
from app.extensions import db
from app.notifications.services import notify
from app.volunteers import services
from app.volunteers.models import (
    Circle,
    CircleMember,
    CirclePhase,
    CircleReview,
    OuterMember,
    ProgrammeReferral,
    ReferralStatus,
    ReviewKind,
    Volunteer,
    VolunteerStatus,
)
from app.volunteers.services import VolunteerRefused

security_log = logging.getLogger("nazorg.security")
INNER_MIN, INNER_MAX = 3, 5
# Weekly at first, then every two weeks, then monthly (../shared/DOMAIN.md, Circles).
FREQUENCY_DAYS = {
    CirclePhase.FORMING: 7,
    CirclePhase.INTENSIVE: 7,
    CirclePhase.REGULAR: 14,
    CirclePhase.TAPERING: 28,
    CirclePhase.CLOSING: 28,
    CirclePhase.CLOSED: None,
}
PHASE_LABELS = {
    CirclePhase.FORMING: _("Forming"),
    CirclePhase.INTENSIVE: _("Intensive"),
    CirclePhase.REGULAR: _("Regular"),
    CirclePhase.TAPERING: _("Tapering off"),
    CirclePhase.CLOSING: _("Closing"),
    CirclePhase.CLOSED: _("Closed"),
}
CONSENT_WITHDRAWN = "consent_withdrawn"


def access_referral(referral_id: uuid.UUID) -> ProgrammeReferral:
    referral = db.session.scalars(
        select(ProgrammeReferral).where(ProgrammeReferral.id == referral_id)
    ).one_or_none()
    if referral is None:
        security_log.warning("programme referral %s not found", referral_id)
        raise NotFound()
    return referral


def access_circle(circle_id: uuid.UUID) -> Circle:
    circle = db.session.scalars(select(Circle).where(Circle.id == circle_id)).one_or_none()
    if circle is None:
        security_log.warning("circle %s not found", circle_id)
        raise NotFound()
    return circle


def form_circle(referral: ProgrammeReferral, coordinator) -> Circle:
    """A new circle (phase ``vorming``) around the referred client."""
    open_circle = db.session.scalars(
        select(Circle).where(
            Circle.referral_id == referral.id, Circle.phase != CirclePhase.CLOSED.value
        )
    ).first()
    if open_circle is not None:
        return open_circle
    circle = Circle(
        id=uuid.uuid4(),
        referral_id=referral.id,
        coordinator_id=getattr(coordinator, "id", None),
        coordinator_name=getattr(coordinator, "display_name", str(coordinator)),
    )
    db.session.add(circle)
    referral.status = ReferralStatus.IN_CIRCLE.value
    db.session.flush()
    return circle


def inner_circle(circle: Circle) -> list[CircleMember]:
    return [member for member in circle.members if member.left_on is None]


def add_volunteer(circle: Circle, volunteer: Volunteer, today: date) -> CircleMember:
    if circle.phase == CirclePhase.CLOSED.value:
        raise VolunteerRefused(_("This circle is closed."))
    if not services.vog_valid(volunteer, today):
        raise VolunteerRefused(
            _(
                "%(name)s has no valid certificate of conduct (VOG) and cannot join a circle.",
                name=volunteer.first_name,
            ),
            field="volunteer_id",
        )
    if volunteer.status != VolunteerStatus.ACTIVE.value:
        raise VolunteerRefused(
            _("Only an active volunteer can join a circle."), field="volunteer_id"
        )
    current = inner_circle(circle)
    if any(member.volunteer_id == volunteer.id for member in current):
        raise VolunteerRefused(_("This volunteer is in the circle already."), field="volunteer_id")
    if len(current) >= INNER_MAX:
        raise VolunteerRefused(
            _("An inner circle has at most %(n)s volunteers.", n=INNER_MAX), field="volunteer_id"
        )
    member = CircleMember(volunteer_id=volunteer.id, joined_on=today)
    circle.members.append(member)
    db.session.flush()
    if volunteer.user_id is not None:
        # The invitation: the volunteer accepts (or declines) it in the portal.
        notify(
            volunteer.user_id,
            kind="circle_invitation",
            dedupe_key=f"circle-invitation:{circle.id}:{volunteer.id}:{member.id}",
            template="volunteers/circle_invitation",
            context={"first_name": volunteer.first_name, "link": f"/mentor/circles/{circle.id}"},
            link=f"/mentor/circles/{circle.id}",
        )
    return member


def remove_volunteer(circle: Circle, volunteer_id: uuid.UUID, today: date) -> None:
    for member in inner_circle(circle):
        if member.volunteer_id == volunteer_id:
            member.left_on = today
    db.session.flush()


def add_professional(circle: Circle, name: str, organisation: str, role: str) -> OuterMember:
    member = OuterMember(name=name.strip(), organisation=organisation.strip(), role=role.strip())
    circle.professionals.append(member)
    db.session.flush()
    return member


def change_phase(
    circle: Circle,
    phase: str,
    *,
    covenant_signed_on: date | None = None,
    version: int | None = None,
) -> Circle:
    check_version(circle, version)
    try:
        target = CirclePhase(phase)
    except ValueError:
        raise VolunteerRefused(_("Choose a phase from the list."), field="phase") from None
    if covenant_signed_on is not None:
        circle.covenant_signed_on = covenant_signed_on
    if target not in (CirclePhase.FORMING, CirclePhase.CLOSED):
        if len(inner_circle(circle)) < INNER_MIN:
            raise VolunteerRefused(
                _("A circle starts with at least %(n)s volunteers.", n=INNER_MIN), field="phase"
            )
        if circle.covenant_signed_on is None:
            raise VolunteerRefused(
                _("A circle starts once every member has signed the covenant."),
                field="covenant_signed_on",
            )
    circle.phase = target.value
    db.session.flush()
    return circle


def close_for_withdrawn_consent(referral: ProgrammeReferral) -> None:
    """The referral ends: its circles close with that reason and let go of the client."""
    for circle in db.session.scalars(select(Circle).where(Circle.referral_id == referral.id)):
        circle.phase = CirclePhase.CLOSED.value
        circle.closed_reason = CONSENT_WITHDRAWN
        circle.referral_id = None
    db.session.flush()


def answer_invitation(member: CircleMember, accept: bool, today: date) -> CircleMember:
    """The volunteer accepts the invitation to the circle, or declines it (and leaves)."""
    if member.accepted_on is not None or member.left_on is not None:
        return member
    if accept:
        member.accepted_on = today
    else:
        member.left_on = today
    db.session.flush()
    return member


def add_review(circle: Circle, kind: str, held_on: date, summary: str, author) -> CircleReview:
    """A quarterly review; the closing evaluation also closes the circle (from
    ``afsluiting``, or ``afbouw`` when the circle ends early)."""
    if circle.phase == CirclePhase.CLOSED.value:
        raise VolunteerRefused(_("This circle is closed."))
    if kind == ReviewKind.CLOSING.value:
        if circle.phase not in (CirclePhase.TAPERING.value, CirclePhase.CLOSING.value):
            raise VolunteerRefused(
                _("The closing evaluation comes in the phase tapering off or closing."),
                field="summary",
            )
        circle.phase = CirclePhase.CLOSED.value
        circle.closed_reason = "completed"
    review = CircleReview(
        circle_id=circle.id,
        kind=ReviewKind(kind).value,
        held_on=held_on,
        summary=summary.strip(),
        author_name=getattr(author, "display_name", str(author)),
    )
    db.session.add(review)
    db.session.flush()
    return review


def reviews(circle: Circle) -> list[CircleReview]:
    return list(
        db.session.scalars(
            select(CircleReview)
            .where(CircleReview.circle_id == circle.id)
            .order_by(CircleReview.held_on.desc())
        )
    )


def next_review_due(circle: Circle, today: date) -> date | None:
    """Every quarter from the covenant (or the circle's start), after the last review."""
    if circle.phase == CirclePhase.CLOSED.value:
        return None
    done = [r.held_on for r in reviews(circle) if r.kind == ReviewKind.QUARTERLY.value]
    start = max(done) if done else (circle.covenant_signed_on or circle.created_at.date())
    return add_months(start, 3)


def circles() -> list[Circle]:
    return list(db.session.scalars(select(Circle).order_by(Circle.created_at.desc())))


def active_volunteers(today: date) -> list[Volunteer]:
    """Volunteers who may be added to a circle today."""
    return [
        volunteer
        for volunteer in db.session.scalars(
            select(Volunteer)
            .where(Volunteer.status == VolunteerStatus.ACTIVE.value)
            .order_by(Volunteer.first_name)
        )
        if services.vog_valid(volunteer, today)
    ]
