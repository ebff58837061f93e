"""The rq worker of the portal: JSON serializer, the portal's queues, the outbox sweep.

Started with ``flask --app wsgi jobs worker`` (see README). Its timings are chosen so
that nothing waits longer than a minute after a failure (rq's defaults take 7 minutes):

- A running job's heartbeat is renewed every ``JOB_HEARTBEAT_SECONDS`` and expires
  ``HEARTBEAT_GRACE_SECONDS`` later, so the job of a killed worker counts as abandoned
  at most 20 s after the kill (rq adds 60 s).
- An idle worker wakes every ``IDLE_WAKE_SECONDS`` (rq blocks for 405 s) and runs its
  maintenance every ``MAINTENANCE_SECONDS``, also while a long job runs (rq only between
  jobs). Maintenance requeues abandoned jobs at once: waiting for the retry backoff would
  need the dead worker's scheduler lock, which rq frees only a minute later.
- After Redis comes back a worker reconnects within ``RECONNECT_WAIT_SECONDS`` (rq backs
  off up to 60 s) and its maintenance hands over the outbox rows that waited.
"""

from __future__ import annotations

import logging
import time

import redis
from flask import current_app
from rq import Queue, Worker
from rq.exceptions import AbandonedJobError
from rq.job import Job
from rq.serializers import JSONSerializer

from app.jobs import queue as queues
from app.jobs.outbox import sweep

log = logging.getLogger("nazorg.jobs")

JOB_HEARTBEAT_SECONDS = 5
HEARTBEAT_GRACE_SECONDS = 15
IDLE_WAKE_SECONDS = 10
MAINTENANCE_SECONDS = 10
RECONNECT_WAIT_SECONDS = 2


class PortalJob(Job):
    """A job that, abandoned by a dead worker, is tried again at once.

    The retry backoff is for jobs that failed; a job whose worker died did not fail
    and waits for nothing. rq retries abandoned jobs through ``retry``, right after the
    exception handlers have seen the ``AbandonedJobError`` (``mark_abandoned``)."""

    abandoned = False

    def retry(self, queue: Queue, pipeline) -> None:
        if not self.abandoned:
            super().retry(queue, pipeline)
            return
        self.retries_left = self.retries_left - 1
        # rq's own retry without an interval does exactly this.
        queue._enqueue_job(self, pipeline=pipeline, at_front=True)
        log.info("abandoned job %s queued again, %s tries left", self.id, self.retries_left)


def mark_abandoned(job: Job, exc_type, exc_value, traceback) -> bool:
    if exc_type is AbandonedJobError or isinstance(exc_value, AbandonedJobError):
        job.abandoned = True
    return True


class PortalWorker(Worker):
    job_class = PortalJob
    max_connection_wait_time = float(RECONNECT_WAIT_SECONDS)

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("maintenance_interval", MAINTENANCE_SECONDS)
        kwargs.setdefault("job_monitoring_interval", JOB_HEARTBEAT_SECONDS)
        # rq blocks on the queues for worker_ttl - 15 seconds between maintenance runs.
        kwargs.setdefault("worker_ttl", IDLE_WAKE_SECONDS + 15)
        kwargs.setdefault("job_class", PortalJob)
        super().__init__(*args, **kwargs)
        self.push_exc_handler(mark_abandoned)

    def get_heartbeat_ttl(self, job: Job, working_time: float = 0.0) -> int:
        interval = self.job_monitoring_interval
        if job.timeout and job.timeout > 0:
            interval = max(1, min(job.timeout - working_time, interval))
        return int(interval) + HEARTBEAT_GRACE_SECONDS

    def run_maintenance_tasks(self):
        try:
            super().run_maintenance_tasks()
        except redis.RedisError as exc:
            # Not marked as run: the next loop tries again, once Redis answers.
            log.warning("maintenance skipped: redis unavailable (%s)", type(exc).__name__)
            return
        sweep_outbox()

    # rq quits when Redis is away anywhere but while it waits for a job; the portal's
    # worker waits for Redis instead, so that it is there to drain the outbox after.
    def check_for_suspension(self, burst: bool) -> None:
        while True:
            try:
                return super().check_for_suspension(burst)
            except (redis.ConnectionError, redis.TimeoutError) as exc:
                if self._stop_requested:
                    return None
                log.warning("redis unavailable, waiting (%s)", type(exc).__name__)
                time.sleep(RECONNECT_WAIT_SECONDS)

    def heartbeat(self, timeout=None, pipeline=None):
        if pipeline is not None:
            return super().heartbeat(timeout, pipeline=pipeline)
        try:
            return super().heartbeat(timeout)
        except (redis.ConnectionError, redis.TimeoutError) as exc:
            # The next Redis call (waiting for a job) meets the same error and retries.
            log.warning("heartbeat skipped: redis unavailable (%s)", type(exc).__name__)
            return None

    def maintain_heartbeats(self, job, execution):
        super().maintain_heartbeats(job, execution)
        # While this worker runs a long job, another's abandoned job must not wait for it.
        if self.should_run_maintenance_tasks:
            self.run_maintenance_tasks()


def sweep_outbox() -> None:
    try:
        handed = sweep()
    except Exception:  # noqa: BLE001 - maintenance must not stop the worker
        log.exception("outbox sweep failed")
        return
    if handed:
        log.info("outbox sweep handed over %d job(s)", handed)


def worker_connection() -> redis.Redis:
    """A connection of the worker's own: rq raises its socket timeout to block on the
    queues, which must not reach the short-timeout connection jobs enqueue with."""
    return redis.Redis.from_url(queues.redis_url())


def make_worker(queue_names: list[str] | None = None, worker_class=PortalWorker, **kwargs):
    connection = worker_connection()
    names = queue_names or list(queues.QUEUE_NAMES)
    unknown = sorted(set(names) - set(queues.QUEUE_NAMES))
    if unknown:
        raise ValueError(f"unknown queue(s) {unknown}; choose from {queues.QUEUE_NAMES}")
    job_class = getattr(worker_class, "job_class", Job)
    return worker_class(
        [
            Queue(name, connection=connection, serializer=JSONSerializer, job_class=job_class)
            for name in names
        ],
        connection=connection,
        serializer=JSONSerializer,
        **kwargs,
    )


def portal_base_url() -> str:
    return current_app.config["PORTAL_BASE_URL"].rstrip("/")
