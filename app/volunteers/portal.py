"""The mentor portal: what a volunteer sees of their own circles, and what they log.

A volunteer sees only the circles they are an active member of, checked on every
request (taken off a circle: no access at the next request); anything else is 404. Of
the core member they see the first name the referral carried, and of the others in the
circle their first names; never the file, the citizen number, the offence, health,
debts or address (the programme holds none of them)."""

from __future__ import annotations

import logging
import uuid
from datetime import date, timedelta

from flask_babel import lazy_gettext as _
from sqlalchemy import select
from werkzeug.exceptions import NotFound

from app.core.actions import create_once
from app.extensions import db
from app.jobs import enqueue
from app.notifications.services import notify
from app.volunteers import circles, jobs
from app.volunteers.jobs import coordinators
from app.volunteers.models import (
    Circle,
    CircleMember,
    CirclePhase,
    CircleSignal,
    Meeting,
    SignalLevel,
    Volunteer,
)
from app.volunteers.services import VolunteerRefused

security_log = logging.getLogger("nazorg.security")


def volunteer_of(user) -> Volunteer | None:
    return db.session.scalars(select(Volunteer).where(Volunteer.user_id == user.id)).one_or_none()


def my_circles(user) -> list[Circle]:
    volunteer = volunteer_of(user)
    if volunteer is None:
        return []
    return list(
        db.session.scalars(
            select(Circle)
            .join(
                CircleMember,
                (CircleMember.circle_id == Circle.id)
                & (CircleMember.tenant_id == Circle.tenant_id),
            )
            .where(
                CircleMember.volunteer_id == volunteer.id,
                CircleMember.left_on.is_(None),
                Circle.phase != CirclePhase.CLOSED.value,
            )
            .order_by(Circle.created_at)
        )
    )


def access_my_circle(user, circle_id: uuid.UUID) -> tuple[Circle, Volunteer]:
    """The circle if ``user`` is an active member of it today; 404 alike otherwise."""
    volunteer = volunteer_of(user)
    circle = next((c for c in my_circles(user) if c.id == circle_id), None)
    if volunteer is None or circle is None:
        security_log.warning("volunteer %s refused circle %s", user.id, circle_id)
        raise NotFound()
    return circle, volunteer


def my_membership(circle: Circle, volunteer: Volunteer) -> CircleMember:
    return next(m for m in circles.inner_circle(circle) if m.volunteer_id == volunteer.id)


def circle_view(circle: Circle, volunteer: Volunteer) -> dict:
    """Only what a member may see: first names, phase, frequency, their own logs."""
    return {
        "circle_id": circle.id,
        "invited": my_membership(circle, volunteer).accepted_on is None,
        "next_meeting": next_meeting(circle),
        "core_member": circle.referral.first_name if circle.referral else None,
        "phase": circle.phase,
        "every_days": circles.FREQUENCY_DAYS[CirclePhase(circle.phase)],
        "availability": circle.referral.availability if circle.referral else [],
        "others": [
            member.volunteer.first_name
            for member in circles.inner_circle(circle)
            if member.volunteer_id != volunteer.id
        ],
        "members": [member.volunteer.first_name for member in circles.inner_circle(circle)],
        "my_meetings": list(
            db.session.scalars(
                select(Meeting)
                .where(Meeting.circle_id == circle.id, Meeting.volunteer_id == volunteer.id)
                .order_by(Meeting.held_on.desc())
            )
        ),
        "my_signals": list(
            db.session.scalars(
                select(CircleSignal)
                .where(
                    CircleSignal.circle_id == circle.id,
                    CircleSignal.volunteer_id == volunteer.id,
                )
                .order_by(CircleSignal.created_at.desc())
            )
        ),
    }


def next_meeting(circle: Circle) -> date | None:
    """The last logged meeting plus the phase's interval (the first: a week after forming)."""
    every = circles.FREQUENCY_DAYS[CirclePhase(circle.phase)]
    if every is None:
        return None
    last = db.session.scalar(
        select(Meeting.held_on)
        .where(Meeting.circle_id == circle.id)
        .order_by(Meeting.held_on.desc())
        .limit(1)
    )
    start = last or circle.created_at.date()
    return start + timedelta(days=every)


def log_meeting(
    circle: Circle,
    volunteer: Volunteer,
    *,
    held_on: date,
    duration_minutes: int,
    present: list[str],
    minutes: str,
    today: date,
    submission_key: uuid.UUID | None = None,
) -> Meeting:
    def build() -> Meeting:
        if held_on > today:
            raise VolunteerRefused(
                _("A meeting cannot be logged before it took place."), field="held_on"
            )
        allowed = {member.volunteer.first_name for member in circles.inner_circle(circle)}
        if not set(present) <= allowed:
            # A name ticked on a page loaded before a member left, or sent by hand: the
            # log would otherwise say less than the volunteer ticked, without telling.
            raise VolunteerRefused(
                _("Tick only members of this circle; reload the page to see who they are."),
                field="present",
            )
        return Meeting(
            circle_id=circle.id,
            volunteer_id=volunteer.id,
            held_on=held_on,
            duration_minutes=duration_minutes,
            present=sorted(set(present)),
            minutes=minutes.strip(),
        )

    meeting, _new = create_once(Meeting, submission_key, build)
    db.session.flush()
    return meeting


def raise_signal(
    circle: Circle,
    volunteer: Volunteer,
    *,
    level: str,
    body: str,
    submission_key: uuid.UUID | None = None,
) -> CircleSignal:
    """Record a signal; an acute one reaches every circle coordinator at once: a notice
    in the portal and its mail through the job queue (both in this transaction)."""

    def build() -> CircleSignal:
        if not body.strip():
            raise VolunteerRefused(_("Describe what you noticed."), field="body")
        return CircleSignal(
            circle_id=circle.id,
            volunteer_id=volunteer.id,
            level=SignalLevel(level).value,
            body=body.strip(),
        )

    signal, created = create_once(CircleSignal, submission_key, build)
    db.session.flush()
    if created and signal.level == SignalLevel.ACUTE.value:
        if circle.referral_id is not None:
            # The referring case worker hears of it in their own municipality, after
            # this commit (a job; it crosses through the referral's one mechanism).
            enqueue(
                jobs.report_to_referrer,
                referral_id=str(circle.referral_id),
                kind="signal",
                key=f"signal:{signal.id}",
                context={"level": signal.level, "forwarded": False, "body": ""},
            )
        for coordinator in coordinators():
            notify(
                coordinator.id,
                kind="circle_signal_acute",
                dedupe_key=f"signal:{signal.id}:{coordinator.id}",
                template="volunteers/acute_signal",
                context={
                    "volunteer": volunteer.first_name,
                    "core_member": circle.referral.first_name if circle.referral else "",
                    "link": f"/mentor/coordinator/circles/{circle.id}",
                },
                link=f"/mentor/coordinator/circles/{circle.id}",
            )
    return signal
