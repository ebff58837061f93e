"""Enqueue safely: a job is an outbox row in the change's own transaction.

``enqueue(function, **arguments)`` adds the row to the current (tenant-bound)
session; nothing touches Redis before the commit. After the commit the rows are
handed to Redis (or, without a Redis URL, run inline). When Redis is away the
rows stay in the table and ``sweep()`` hands them over later; it runs from
``flask jobs sweep`` (cron) and from every worker's maintenance, every 10 s
(``app.jobs.worker``), so rows drain within a minute of Redis coming back.
"""

from __future__ import annotations

import contextlib
import json
import logging
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TypeVar

import redis
from flask import current_app
from redis.exceptions import LockError
from sqlalchemy import Text, cast, delete, event, or_, select, update
from sqlalchemy.orm import Session

from app.core.context import tenant_app_context
from app.core.db import utcnow
from app.core.tenancy import current_tenant_id
from app.core.tenants import tenant_ids as all_tenant_ids
from app.extensions import db
from app.jobs import queue as queues
from app.jobs.functions import MARKER, JobError, function_path, job, resolve
from app.jobs.models import OutboxJob
from app.jobs.runner import run_outbox_job

__all__ = ["JobError", "enqueue", "function_path", "job", "resolve"]

log = logging.getLogger("nazorg.jobs")
F = TypeVar("F", bound=Callable)
PENDING_KEY = "outbox_pending"
SWEEP_LOCK = "nazorg:outbox-sweep"
SWEEP_LOCK_SECONDS = 300


def max_attempts() -> int:
    return len(current_app.config["JOB_RETRY_INTERVALS"]) + 1


def enqueue(function: Callable, **arguments) -> OutboxJob:
    """Record a job in the current transaction; it is handed over after the commit."""
    queue_name = getattr(function, MARKER, None)
    if queue_name is None:
        raise JobError(f"{function_path(function)} is not marked with @job")
    try:
        json.dumps(arguments)
    except TypeError as exc:
        raise JobError("job arguments must be plain JSON values (ids as strings)") from exc
    tenant_id = current_tenant_id(db.session())
    if tenant_id is None:
        raise JobError("enqueue needs a session bound to a tenant")
    row = OutboxJob(
        id=uuid.uuid4(), function=function_path(function), queue=queue_name, arguments=arguments
    )
    db.session.add(row)
    remember_for_hand_over(db.session(), (tenant_id, row.id, queue_name, row.function))
    return row


def remember_for_hand_over(session: Session, entry: tuple[int, uuid.UUID, str, str]) -> None:
    """Keep ``entry`` for the hand-over after the commit, with the savepoint it was made in."""
    session.info.setdefault(PENDING_KEY, []).append((session.get_nested_transaction(), entry))


def _inside(transaction, savepoint) -> bool:
    while transaction is not None:
        if transaction is savepoint:
            return True
        transaction = transaction.parent
    return False


@event.listens_for(Session, "after_commit")
def _hand_over_after_commit(session: Session) -> None:
    # after_commit also fires when a SAVEPOINT is released: only the real commit counts.
    if session.get_nested_transaction() is not None:
        return
    pending = session.info.pop(PENDING_KEY, None)
    if pending:
        hand_over([entry for _savepoint, entry in pending])


@event.listens_for(Session, "after_soft_rollback")
def _forget_after_rollback(session: Session, previous_transaction) -> None:
    # The real rollback drops every job; a rolled-back SAVEPOINT only the jobs made inside it.
    if previous_transaction.parent is None:
        session.info.pop(PENDING_KEY, None)
    elif previous_transaction.nested and session.info.get(PENDING_KEY):
        session.info[PENDING_KEY] = [
            (savepoint, entry)
            for savepoint, entry in session.info[PENDING_KEY]
            if not _inside(savepoint, previous_transaction)
        ]


def hand_over(pending: list[tuple[int, uuid.UUID, str, str]]) -> int:
    """Push committed rows to Redis, or run them inline without Redis; never raises.

    Returns how many were handed over. The first Redis error stops the hand-over:
    the rest wait in the outbox for the sweep instead of each waiting for a timeout.
    """
    handed = 0
    for tenant_id, outbox_id, queue_name, function in pending:
        if queues.embedded():
            run_inline(tenant_id, outbox_id)
            handed += 1
            continue
        try:
            queues.push(tenant_id, outbox_id, queue_name, function)
        except redis.RedisError as exc:
            log.warning(
                "redis unavailable; %d job(s) wait in the outbox (%s)",
                len(pending) - handed,
                type(exc).__name__,
            )
            return handed
        handed += 1
    return handed


def run_inline(tenant_id: int, outbox_id: uuid.UUID) -> bool:
    """Run one outbox job now (embedded mode). A failure is logged and kept on the row."""
    try:
        run_outbox_job(tenant_id, str(outbox_id))
    except Exception:  # noqa: BLE001 - the change is saved; the failure stays on the row
        log.exception("inline job %s failed", outbox_id)
        return False
    return True


def tenant_ids() -> list[int]:
    """Every municipality's id, read in an app context of its own (no tenant bound)."""
    with current_app.app_context():
        return all_tenant_ids()


def sweep(grace_seconds: int | None = None) -> int:
    """Hand over every outbox row still waiting; returns how many were handed over.

    A row whose rq job exists (queued, running, scheduled for a retry or failed) is
    left alone; so is a row that used up its tries. Stops at the first Redis error.
    """
    if grace_seconds is None:
        grace_seconds = int(current_app.config["OUTBOX_SWEEP_GRACE_SECONDS"])
    if queues.embedded():
        return _sweep(grace_seconds)
    # Every worker sweeps in its maintenance: one at a time is enough.
    lock = queues.connection().lock(SWEEP_LOCK, timeout=SWEEP_LOCK_SECONDS, blocking=False)
    try:
        if not lock.acquire():
            return 0
    except redis.RedisError as exc:
        log.warning("sweep skipped: redis unavailable (%s)", type(exc).__name__)
        return 0
    try:
        return _sweep(grace_seconds)
    finally:
        # Expired meanwhile, or Redis went away: the lock's timeout frees it.
        with contextlib.suppress(redis.RedisError, LockError):
            lock.release()


def _sweep(grace_seconds: int) -> int:
    cutoff = utcnow() - timedelta(seconds=grace_seconds)
    handed = 0
    for tenant_id in tenant_ids():
        with tenant_app_context(tenant_id):
            rows = db.session.scalars(
                select(OutboxJob)
                .where(
                    OutboxJob.done_at.is_(None),
                    OutboxJob.created_at <= cutoff,
                    OutboxJob.attempts < max_attempts(),
                )
                .order_by(OutboxJob.created_at)
            ).all()
            waiting = [(tenant_id, row.id, row.queue, row.function) for row in rows]
            db.session.rollback()
            if queues.embedded():
                for _tenant, outbox_id, _queue, _function in waiting:
                    handed += run_inline(tenant_id, outbox_id)
                continue
            try:
                for _tenant, outbox_id, queue_name, function in waiting:
                    if queues.job_exists(outbox_id):
                        continue
                    queues.push(tenant_id, outbox_id, queue_name, function)
                    db.session.get(OutboxJob, (tenant_id, outbox_id)).enqueued_at = utcnow()
                    handed += 1
            except redis.RedisError as exc:
                db.session.commit()
                log.warning("sweep stopped: redis unavailable (%s)", type(exc).__name__)
                return handed
            db.session.commit()
    return handed


def keep_days() -> int:
    """How long a finished job keeps its row and arguments (``OUTBOX_KEEP_DAYS``, 30)."""
    return int(current_app.config["OUTBOX_KEEP_DAYS"])


def out_of_tries():
    """The SQL condition of a job that failed for good: not done, every try used."""
    return OutboxJob.done_at.is_(None) & (OutboxJob.attempts >= max_attempts())


def arguments_expired(row: OutboxJob, now: datetime | None = None) -> bool:
    """Whether a failed-for-good job is past its keeping period: its arguments are (or at
    the next sweep will be) gone, so it can no longer run again. See ``purge_arguments``."""
    cutoff = (now or utcnow()) - timedelta(days=keep_days())
    created = row.created_at
    return (
        row.done_at is None
        and row.attempts >= max_attempts()
        and created is not None
        and created < cutoff
    )


def purge_arguments(now: datetime) -> int:
    """Clear the arguments of finished jobs in the current tenant; returns how many rows.

    Arguments can hold mail addresses and one-time links. Rules, with the keeping period
    ``OUTBOX_KEEP_DAYS`` (default 30 days):
    - a done job: cleared when it is done (``app.jobs.runner``); this catches any row done
      more than the period ago that still holds some, and ``purge_done`` deletes the row.
    - a job that failed for good (not done, every try used): cleared once the period has
      passed since the job was created. The tries end minutes after creation (the retry
      waits), so this is at most the period after the final failure, never later; until
      then the administrator can run it again from *Mislukte taken*. The row itself stays,
      listed as failed and no longer runnable, so the failure is not lost.
    """
    cutoff = now - timedelta(days=keep_days())
    finished = or_(
        OutboxJob.done_at < cutoff,
        out_of_tries() & (OutboxJob.created_at < cutoff),
    )
    # json has no equality operator in PostgreSQL: compare the text; {} is what is written.
    holding = cast(OutboxJob.arguments, Text) != "{}"
    return db.session.execute(
        update(OutboxJob).where(finished, holding).values(arguments={}),
        execution_options={"synchronize_session": False},
    ).rowcount


def purge_done(older_than_days: int | None = None) -> int:
    """Delete finished outbox rows (their arguments) after the keeping period."""
    if older_than_days is None:
        older_than_days = keep_days()
    cutoff = utcnow() - timedelta(days=older_than_days)
    rows = db.session.scalars(
        select(OutboxJob).where(OutboxJob.done_at.is_not(None), OutboxJob.done_at < cutoff)
    ).all()
    for row in rows:
        db.session.delete(row)
    db.session.flush()
    return len(rows)


def forget_jobs_naming(record_id: uuid.UUID) -> dict[str, int]:
    """Remove the outbox rows whose arguments name ``record_id``, and their Redis copies
    (a destroyed file leaves no job behind that names it)."""
    job_ids = db.session.scalars(
        select(OutboxJob.id).where(cast(OutboxJob.arguments, Text).contains(str(record_id)))
    ).all()
    if not job_ids:
        return {}
    _delete_from_redis(job_ids)
    db.session.execute(delete(OutboxJob).where(OutboxJob.id.in_(job_ids)))
    return {"job_outbox": len(job_ids)}


def _delete_from_redis(job_ids) -> None:
    if not queues.redis_url():
        return
    for job_id in job_ids:
        try:
            job = queues.fetch_job(job_id)
            if job is not None:
                job.delete()
        except Exception:  # noqa: BLE001 - Redis away: the outbox row goes anyway, rq expires it
            log.warning("could not remove job %s from Redis", job_id)
