"""The circle coordinator's overview: circles with phase and next meeting, minutes overdue,
hours per volunteer per month, open signals; and the coordinator's handling of a signal.

Minutes are overdue when a circle's next meeting (the last logged one plus its phase's
interval, ``portal.next_meeting``) lies more than 48 hours in the past and nothing was
logged since: the minutes should have reached the coordinator by then. Hours count a
meeting's duration for the volunteer who logged it and for each member of the inner
circle ticked as present.
"""

from __future__ import annotations

import logging
import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select
from werkzeug.exceptions import NotFound

from app.core.db import utcnow
from app.extensions import db
from app.volunteers import circles, portal
from app.volunteers.models import (
    Circle,
    CircleMember,
    CirclePhase,
    CircleSignal,
    Meeting,
    Volunteer,
)

security_log = logging.getLogger("nazorg.security")
MINUTES_DUE = timedelta(hours=48)
HOURS_MONTHS = 6


@dataclass(frozen=True)
class CircleRow:
    circle: Circle
    core_member: str | None
    next_meeting: date | None
    next_review: date | None
    overdue: bool


def circle_rows(today: date) -> list[CircleRow]:
    rows = []
    for circle in db.session.scalars(
        select(Circle).where(Circle.phase != CirclePhase.CLOSED.value).order_by(Circle.created_at)
    ):
        upcoming = portal.next_meeting(circle)
        rows.append(
            CircleRow(
                circle=circle,
                core_member=circle.referral.first_name if circle.referral else None,
                next_meeting=upcoming,
                next_review=circles.next_review_due(circle, today),
                overdue=upcoming is not None and upcoming + MINUTES_DUE < today,
            )
        )
    return rows


def hours_per_volunteer(today: date) -> tuple[list[str], list[tuple[str, list[float]]]]:
    """(months as "YYYY-MM", oldest first; per volunteer their name and hours per month)."""
    first = date(today.year, today.month, 1)
    months = []
    for _n in range(HOURS_MONTHS):
        months.insert(0, first.strftime("%Y-%m"))
        first = (first - timedelta(days=1)).replace(day=1)
    since = date.fromisoformat(months[0] + "-01")
    members: dict[uuid.UUID, dict[str, uuid.UUID]] = defaultdict(dict)
    names: dict[uuid.UUID, str] = {}
    for member, volunteer in db.session.execute(
        select(CircleMember, Volunteer).join(
            Volunteer,
            (Volunteer.id == CircleMember.volunteer_id)
            & (Volunteer.tenant_id == CircleMember.tenant_id),
        )
    ):
        members[member.circle_id][volunteer.first_name] = volunteer.id
        names[volunteer.id] = f"{volunteer.first_name} {volunteer.last_name}"
    hours: dict[uuid.UUID, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for meeting in db.session.scalars(select(Meeting).where(Meeting.held_on >= since)):
        month = meeting.held_on.strftime("%Y-%m")
        who = {meeting.volunteer_id}
        who |= {
            members[meeting.circle_id][name]
            for name in meeting.present
            if name in members[meeting.circle_id]
        }
        for volunteer_id in who:
            hours[volunteer_id][month] += meeting.duration_minutes / 60
    rows = sorted(
        (names.get(vid, "?"), [round(per_month.get(m, 0.0), 1) for m in months])
        for vid, per_month in hours.items()
    )
    return months, rows


@dataclass(frozen=True)
class SignalRow:
    signal: CircleSignal
    circle: Circle
    core_member: str | None
    volunteer: str


def open_signals() -> list[SignalRow]:
    rows = []
    for signal, circle, volunteer in db.session.execute(
        select(CircleSignal, Circle, Volunteer)
        .join(
            Circle,
            (Circle.id == CircleSignal.circle_id) & (Circle.tenant_id == CircleSignal.tenant_id),
        )
        .join(
            Volunteer,
            (Volunteer.id == CircleSignal.volunteer_id)
            & (Volunteer.tenant_id == CircleSignal.tenant_id),
        )
        .where(CircleSignal.handled_at.is_(None))
        .order_by(CircleSignal.created_at.desc())
    ):
        rows.append(
            SignalRow(
                signal=signal,
                circle=circle,
                core_member=circle.referral.first_name if circle.referral else None,
                volunteer=volunteer.first_name,
            )
        )
    return rows


def access_signal(signal_id: uuid.UUID) -> CircleSignal:
    signal = db.session.scalars(
        select(CircleSignal).where(CircleSignal.id == signal_id)
    ).one_or_none()
    if signal is None:
        security_log.warning("circle signal %s not found", signal_id)
        raise NotFound()
    return signal


def handle_signal(signal: CircleSignal, actor, forward: bool, enqueue_report) -> CircleSignal:
    """The coordinator dealt with the signal; ``forward``: it goes to the referring case
    worker (the coordinator decides what leaves the circle), through ``enqueue_report``."""
    if signal.handled_at is not None:
        return signal
    signal.handled_at = utcnow()
    signal.handled_by = getattr(actor, "display_name", str(actor))
    circle = circles.access_circle(signal.circle_id)
    if forward and circle.referral_id is not None:
        signal.forwarded_at = signal.handled_at
        enqueue_report(
            referral_id=str(circle.referral_id),
            kind="signal",
            key=f"signal-forwarded:{signal.id}",
            context={"level": signal.level, "forwarded": True, "body": signal.body},
        )
    db.session.flush()
    return signal
