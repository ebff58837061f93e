"""The failed jobs of one municipality, for its administrator, and running one again.

With Redis, a job has failed when either says so, and it is listed once:
- rq: the job is in a ``FailedJobRegistry`` (its tries used up, or its worker died with
  none left). The registry holds every tenant's jobs; only those whose outbox row the
  tenant-bound session can read are shown, so a municipality never sees another's.
- the outbox: the row is not done and has used all its tries. rq forgets a failed job
  after its failure TTL (30 days) or when Redis is flushed, while the row stays and the
  sweep no longer hands it over; without this the job would vanish from the list
  unfinished.
Without Redis (inline jobs), a failed job is an outbox row that is not done and has an
error. Running a job again works from the outbox row alone: the rq job, if there is
one, is removed and the row is handed over afresh. A job that failed for good keeps
its arguments for ``OUTBOX_KEEP_DAYS`` (``app.jobs.outbox.purge_arguments``); after that
it stays listed but can no longer run again.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

import redis
from rq.registry import FailedJobRegistry
from sqlalchemy import or_, select
from werkzeug.exceptions import NotFound

from app.core.audit import report_refused_access
from app.extensions import db
from app.jobs import queue as queues
from app.jobs.labels import job_label
from app.jobs.models import OutboxJob
from app.jobs.outbox import arguments_expired, max_attempts, remember_for_hand_over


class QueueUnavailable(RuntimeError):
    """Redis cannot be reached; the list or the action has to wait."""


class ArgumentsPurged(RuntimeError):
    """The job is past its keeping period: its arguments are gone, it cannot run again."""


@dataclass(frozen=True)
class FailedJob:
    id: uuid.UUID
    name: str
    queue: str
    error: str
    attempts: int
    created_at: datetime
    failed_at: datetime | None
    can_run_again: bool = True


def _failed_ids() -> dict[str, object]:
    """rq job id -> rq job, for every failed job in every queue (all tenants)."""
    connection = queues.connection()
    found: dict[str, object] = {}
    try:
        for q in queues.all_queues(connection):
            registry = FailedJobRegistry(queue=q, serializer=q.serializer)
            for job_id in registry.get_job_ids():
                found[job_id] = q
    except redis.RedisError as exc:
        raise QueueUnavailable() from exc
    return found


def _as_uuid(value: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(value)
    except ValueError:
        return None


def failed_jobs() -> list[FailedJob]:
    if queues.embedded():
        rows = db.session.scalars(
            select(OutboxJob)
            .where(OutboxJob.done_at.is_(None), OutboxJob.last_error.is_not(None))
            .order_by(OutboxJob.created_at.desc())
        ).all()
        return [_describe(row, None) for row in rows]
    ids = [i for i in map(_as_uuid, _failed_ids()) if i is not None]
    out_of_tries = OutboxJob.attempts >= max_attempts()
    # One condition, one query: a job both rq and the outbox call failed is one row.
    failed = or_(OutboxJob.id.in_(ids), out_of_tries) if ids else out_of_tries
    rows = db.session.scalars(
        select(OutboxJob)
        .where(OutboxJob.done_at.is_(None), failed)
        .order_by(OutboxJob.created_at.desc())
    ).all()
    return [_describe(row, queues.fetch_job(row.id)) for row in rows]


def _describe(row: OutboxJob, job) -> FailedJob:
    error = row.last_error
    failed_at = None
    if job is not None:
        failed_at = job.ended_at
        result = job.latest_result()
        if not error and result is not None and result.exc_string:
            error = result.exc_string.strip().splitlines()[-1]
    return FailedJob(
        id=row.id,
        name=job_label(row.function, row.arguments),
        queue=row.queue,
        error=error or "",
        attempts=row.attempts,
        created_at=row.created_at,
        failed_at=failed_at,
        can_run_again=not arguments_expired(row),
    )


def access_failed_job(user, outbox_id: uuid.UUID) -> OutboxJob:
    """The tenant's failed job ``outbox_id``; 404 alike for another tenant's, done or missing."""
    row = db.session.get(OutboxJob, (user.tenant_id, outbox_id))
    failed = row is not None and row.done_at is None
    if failed and not queues.embedded():
        failed = row.attempts >= max_attempts() or str(outbox_id) in _failed_ids()
    elif failed:
        failed = row.last_error is not None
    if not failed:
        report_refused_access(user, "failed_job", str(outbox_id))
        raise NotFound()
    return row


def run_again(user, outbox_id: uuid.UUID) -> OutboxJob:
    """Give a failed job a fresh set of tries; it is handed over after the commit."""
    row = access_failed_job(user, outbox_id)
    if arguments_expired(row):
        raise ArgumentsPurged()
    if not queues.embedded():
        job = queues.fetch_job(row.id)
        try:
            if job is not None:
                job.delete()
        except redis.RedisError as exc:
            raise QueueUnavailable() from exc
    row.attempts = 0
    db.session.flush()
    remember_for_hand_over(db.session(), (row.tenant_id, row.id, row.queue, row.function))
    return row
