"""The aftercare file's retention rules, run by the privacy retention
(``app.audit.retention``, registered in ``app.cases.init_app``):

- ``closed_case``: a closed file, with everything that hangs on it, ``closed_case_years``
  after closing; the client goes with their last file. Queued jobs and notices that
  name the case go too (``case_destroyed``: whoever keeps a copy forgets it).
- ``detention_notice``: the received intake documents ``detention_notice_months`` after
  release.
- ``transfer_tombstone``: ``TOMBSTONE_NAME_MONTHS`` after a transfer the name and the
  reason are removed from the sender's tombstone; the row stays.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import delete, func, or_, select, update

from app.audit.models import DestructionRecord
from app.audit.retention import RetentionPolicy, delete_tree, forget_copies, listed
from app.cases.intake.models import IntakeMessage
from app.cases.models import Case, CasePhase, Client, PhaseChange
from app.cases.timeline import EventKind, TimelineEntry
from app.core.dates import add_months, add_years
from app.extensions import db

# Long enough for the sender to answer questions about a case it handed on.
TOMBSTONE_NAME_MONTHS = 12


def refresh_destruction_dates(policy: RetentionPolicy) -> None:
    """A closed case is due ``closed_case_years`` after its last closing; others are not due.

    One query for the whole municipality: the closing dates come from the phase history,
    and only closed cases or cases that still carry a date are read.
    """
    closed = (
        select(PhaseChange.case_id, func.max(PhaseChange.changed_at).label("closed_at"))
        .where(PhaseChange.to_phase == CasePhase.CLOSED.value)
        .group_by(PhaseChange.case_id)
        .subquery()
    )
    rows = db.session.execute(
        select(Case, closed.c.closed_at)
        .outerjoin(closed, closed.c.case_id == Case.id)
        .where(or_(Case.phase == CasePhase.CLOSED.value, Case.destroy_on.is_not(None)))
    ).all()
    for case, closed_at in rows:
        due = None
        if case.phase == CasePhase.CLOSED.value and closed_at is not None:
            closed_on = closed_at.date() if isinstance(closed_at, datetime) else closed_at
            due = add_years(closed_on, policy.closed_case_years)
        if case.destroy_on != due:
            case.destroy_on = due


def destroy_case(case: Case, rule: str, due_on: date | None) -> DestructionRecord:
    counts: dict[str, int] = {}
    case_id, client_id = case.id, case.client_id
    db.session.execute(
        update(Case).where(Case.previous_case_id == case_id).values(previous_case_id=None)
    )
    counts.update(forget_copies(case_id))
    delete_tree(Case, [case_id], counts)
    db.session.execute(delete(Case).where(Case.id == case_id))
    counts["cases"] = 1
    remaining = db.session.scalar(
        select(func.count()).select_from(Case).where(Case.client_id == client_id)
    )
    if not remaining:
        counts.update(forget_copies(client_id))
        delete_tree(Client, [client_id], counts)
        db.session.execute(delete(Client).where(Client.id == client_id))
        counts["clients"] = 1
    record = DestructionRecord(
        rule=rule, record_type="case", record_id=str(case_id), due_on=due_on, counts=counts
    )
    db.session.add(record)
    return record


def destroy_due_cases(today: date) -> list[DestructionRecord]:
    due = db.session.scalars(
        select(Case).where(Case.destroy_on.is_not(None), Case.destroy_on <= today)
    ).all()
    return [destroy_case(case, "closed_case", case.destroy_on) for case in due]


def destroy_detention_notices(policy: RetentionPolicy, today: date) -> DestructionRecord | None:
    cutoff = add_months(today, -policy.detention_notice_months)
    released = select(Case.id).where(
        Case.actual_release.is_not(None), Case.actual_release <= cutoff
    )
    removed = db.session.execute(
        delete(IntakeMessage).where(IntakeMessage.case_id.in_(released))
    ).rowcount
    return listed("detention_notice", "intake_message", today, "intake_messages", removed)


def anonymise_transfer_tombstones(today: date) -> DestructionRecord | None:
    cutoff = datetime.combine(add_months(today, -TOMBSTONE_NAME_MONTHS), datetime.min.time(), UTC)
    tombstones = db.session.scalars(
        select(TimelineEntry).where(
            TimelineEntry.kind == EventKind.TRANSFER_OUT.value, TimelineEntry.at < cutoff
        )
    ).all()
    cleared = 0
    for entry in tombstones:
        if entry.detail.get("client") or entry.detail.get("reason"):
            entry.detail = {**entry.detail, "client": None, "reason": None}
            cleared += 1
    return listed("transfer_tombstone", "case_event", today, "case_events", cleared)


def closed_cases(policy: RetentionPolicy, today: date) -> list[DestructionRecord]:
    refresh_destruction_dates(policy)
    db.session.flush()
    return destroy_due_cases(today)


def detention_notices(policy: RetentionPolicy, today: date) -> DestructionRecord | None:
    return destroy_detention_notices(policy, today)


def transfer_tombstones(policy: RetentionPolicy, today: date) -> DestructionRecord | None:
    return anonymise_transfer_tombstones(today)
