"""Retention: every record kind has a destruction date; a daily job destroys what is due.

Rules (periods per municipality in ``RetentionPolicy``):
- ``closed_case``: a closed file, with everything that hangs on it, ``closed_case_years``
  after closing; the client goes with their last file. Queued jobs and notices that
  name the case go too, in the database and in Redis.
- ``detention_notice``: the received intake documents (notices of detention start and
  end) ``detention_notice_months`` after release.
- ``access_log`` / ``security_log``: entries older than their period. The portal role may
  not delete log rows; on PostgreSQL a SECURITY DEFINER function does it, for the
  current tenant only and never for the last year.
- ``job_arguments``: the arguments of background jobs (they can hold mail addresses and
  one-time links) once a job is finished: done, or failed after every try. Period
  ``OUTBOX_KEEP_DAYS`` (config, default 30 days) after the job was done, or after it was
  created for a failed one (its tries end minutes later); see
  ``app.jobs.outbox.purge_arguments``. Until then a failed job can be run again.

- ``transfer_tombstone``: a case handed to another municipality leaves a timeline row
  in the sender (the tombstone: where it went, when, by whom) that also names the client
  and the reason. ``TOMBSTONE_NAME_MONTHS`` (12) after the transfer the name and the
  reason are removed; the row stays, as a record of the transfer without personal data.

Each destruction is written to the destruction list without personal data. The sweep
is idempotent: run twice, it destroys nothing the second time.
"""

from __future__ import annotations

import logging
import uuid
from datetime import UTC, date, datetime

from dateutil.relativedelta import relativedelta
from sqlalchemy import Text, cast, delete, func, or_, select, text, update

from app.audit.models import AccessLogEntry, DestructionRecord, RetentionPolicy
from app.audit.records import dependents
from app.auth.models import SecurityEvent
from app.cases.models import Case, CasePhase, Client, PhaseChange
from app.extensions import db

log = logging.getLogger("nazorg.retention")
# Long enough for the sender to answer questions about a case it handed on.
TOMBSTONE_NAME_MONTHS = 12


def current_policy() -> RetentionPolicy:
    policy = db.session.scalars(select(RetentionPolicy)).one_or_none()
    if policy is None:
        policy = RetentionPolicy(
            closed_case_years=10,
            detention_notice_months=6,
            access_log_years=5,
            security_log_years=5,
        )
        db.session.add(policy)
        db.session.flush()
    return policy


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
            due = closed_on + relativedelta(years=policy.closed_case_years)
        if case.destroy_on != due:
            case.destroy_on = due


def _delete_tree(root: type, root_ids, counts: dict[str, int]) -> None:
    for cls, ids in reversed(dependents(root, root_ids)):
        removed = db.session.execute(delete(cls).where(cls.id.in_(ids))).rowcount
        if removed:
            counts[cls.__tablename__] = counts.get(cls.__tablename__, 0) + removed


def destroy_case(case: Case, rule: str, due_on: date | None) -> DestructionRecord:
    counts: dict[str, int] = {}
    case_id, client_id = case.id, case.client_id
    db.session.execute(
        update(Case).where(Case.previous_case_id == case_id).values(previous_case_id=None)
    )
    counts.update(_forget_copies(case_id))
    _delete_tree(Case, [case_id], counts)
    db.session.execute(delete(Case).where(Case.id == case_id))
    counts["cases"] = 1
    remaining = db.session.scalar(
        select(func.count()).select_from(Case).where(Case.client_id == client_id)
    )
    if not remaining:
        counts.update(_forget_copies(client_id))
        _delete_tree(Client, [client_id], counts)
        db.session.execute(delete(Client).where(Client.id == client_id))
        counts["clients"] = 1
    record = DestructionRecord(
        rule=rule, record_type="case", record_id=str(case_id), due_on=due_on, counts=counts
    )
    db.session.add(record)
    return record


def _forget_copies(record_id: uuid.UUID) -> dict[str, int]:
    """Queued jobs and notices that name the record: the outbox rows, their Redis copies."""
    from app.jobs.models import OutboxJob
    from app.notifications.models import Notification

    counts = {}
    job_ids = db.session.scalars(
        select(OutboxJob.id).where(cast(OutboxJob.arguments, Text).contains(str(record_id)))
    ).all()
    if job_ids:
        _delete_from_redis(job_ids)
        db.session.execute(delete(OutboxJob).where(OutboxJob.id.in_(job_ids)))
        counts["job_outbox"] = len(job_ids)
    notices = db.session.execute(
        delete(Notification).where(
            Notification.link.contains(str(record_id))
            | Notification.dedupe_key.contains(str(record_id))
        )
    ).rowcount
    if notices:
        counts["notifications"] = notices
    return counts


def _delete_from_redis(job_ids) -> None:
    from app.jobs import queue

    if not queue.redis_url():
        return
    for job_id in job_ids:
        try:
            job = queue.fetch_job(job_id)
            if job is not None:
                job.delete()
        except Exception:  # noqa: BLE001 - Redis away: the outbox row goes anyway, rq expires it
            log.warning("could not remove job %s from Redis", job_id)


def _listed(
    rule: str, record_type: str, today: date, table: str, removed: int
) -> DestructionRecord | None:
    """The destruction-list line for ``removed`` rows of ``table``, or None if there were none."""
    if not removed:
        return None
    record = DestructionRecord(
        rule=rule, record_type=record_type, due_on=today, counts={table: removed}
    )
    db.session.add(record)
    return record


def destroy_due_cases(today: date) -> list[DestructionRecord]:
    due = db.session.scalars(
        select(Case).where(Case.destroy_on.is_not(None), Case.destroy_on <= today)
    ).all()
    return [destroy_case(case, "closed_case", case.destroy_on) for case in due]


def destroy_detention_notices(policy: RetentionPolicy, today: date) -> DestructionRecord | None:
    from app.cases.intake.models import IntakeMessage

    cutoff = today - relativedelta(months=policy.detention_notice_months)
    released = select(Case.id).where(
        Case.actual_release.is_not(None), Case.actual_release <= cutoff
    )
    removed = db.session.execute(
        delete(IntakeMessage).where(IntakeMessage.case_id.in_(released))
    ).rowcount
    return _listed("detention_notice", "intake_message", today, "intake_messages", removed)


def purge_logs(policy: RetentionPolicy, today: date) -> list[DestructionRecord]:
    records = []
    for rule, years, model, column, function in (
        (
            "access_log",
            policy.access_log_years,
            AccessLogEntry,
            AccessLogEntry.occurred_at,
            "purge_access_log",
        ),
        (
            "security_log",
            policy.security_log_years,
            SecurityEvent,
            SecurityEvent.occurred_at,
            "purge_security_events",
        ),
    ):
        cutoff = datetime.combine(today - relativedelta(years=years), datetime.min.time(), UTC)
        if db.session.get_bind().dialect.name == "postgresql":
            removed = db.session.execute(
                text(f"SELECT {function}(:cutoff)"),
                {"cutoff": cutoff},  # noqa: S608 - fixed names
            ).scalar()
        else:
            removed = db.session.execute(delete(model).where(column < cutoff)).rowcount
        record = _listed(rule, model.__tablename__, today, model.__tablename__, removed)
        records += [record] if record else []
    return records


def anonymise_transfer_tombstones(today: date) -> DestructionRecord | None:
    from app.cases.timeline import EventKind, TimelineEntry

    cutoff = datetime.combine(
        today - relativedelta(months=TOMBSTONE_NAME_MONTHS), datetime.min.time(), UTC
    )
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
    return _listed("transfer_tombstone", "case_event", today, "case_events", cleared)


def purge_job_arguments(today: date) -> DestructionRecord | None:
    from app.jobs.outbox import purge_arguments

    cleared = purge_arguments(datetime.combine(today, datetime.min.time(), UTC))
    return _listed("job_arguments", "job_outbox", today, "job_outbox", cleared)


def sweep(today: date) -> list[DestructionRecord]:
    """Everything due today in the current tenant; the caller commits."""
    policy = current_policy()
    refresh_destruction_dates(policy)
    db.session.flush()
    records = destroy_due_cases(today)
    notice = destroy_detention_notices(policy, today)
    records += [notice] if notice else []
    records += purge_logs(policy, today)
    arguments = purge_job_arguments(today)
    records += [arguments] if arguments else []
    tombstones = anonymise_transfer_tombstones(today)
    records += [tombstones] if tombstones else []
    return records


def destruction_list(limit: int = 500) -> list[DestructionRecord]:
    return list(
        db.session.scalars(
            select(DestructionRecord).order_by(DestructionRecord.destroyed_at.desc()).limit(limit)
        )
    )
