"""Redis and the rq queues, with short timeouts so that a request never hangs on Redis.

Only the tenant id and the outbox row id travel through Redis, serialised as JSON;
the rq job id is the outbox row id, so handing a row over twice finds the job
already there.
"""

from __future__ import annotations

import uuid

import redis
from flask import current_app
from rq import Queue, Retry
from rq.job import Job
from rq.serializers import JSONSerializer

QUEUE_NAMES = ("default", "mail", "reports")
RUNNER = "app.jobs.runner.run_outbox_job"

_connections: dict[tuple[str, float], redis.Redis] = {}


def redis_url() -> str | None:
    return current_app.config.get("REDIS_URL") or None


def embedded() -> bool:
    """Without a Redis URL jobs run inline (the one-command demo)."""
    return redis_url() is None


def connection() -> redis.Redis:
    url = redis_url()
    if url is None:
        raise RuntimeError("REDIS_URL is not set: jobs run inline")
    timeout = float(current_app.config["REDIS_TIMEOUT_SECONDS"])
    key = (url, timeout)
    if key not in _connections:
        _connections[key] = redis.Redis.from_url(
            url,
            socket_timeout=timeout,
            socket_connect_timeout=timeout,
            retry_on_timeout=False,
        )
    return _connections[key]


def queue(name: str, conn: redis.Redis | None = None) -> Queue:
    if name not in QUEUE_NAMES:
        raise ValueError(f"unknown queue {name!r}; choose one of {QUEUE_NAMES}")
    return Queue(name, connection=conn or connection(), serializer=JSONSerializer)


def all_queues(conn: redis.Redis | None = None) -> list[Queue]:
    return [queue(name, conn) for name in QUEUE_NAMES]


def retry_policy() -> Retry:
    intervals = list(current_app.config["JOB_RETRY_INTERVALS"])
    return Retry(max=len(intervals), interval=intervals or 0)


def job_exists(job_id: uuid.UUID | str) -> bool:
    return Job.exists(str(job_id), connection=connection())


def fetch_job(job_id: uuid.UUID | str) -> Job | None:
    try:
        return Job.fetch(str(job_id), connection=connection(), serializer=JSONSerializer)
    except Exception:  # noqa: BLE001 - NoSuchJobError or a payload we cannot read
        return None


def push(tenant_id: int, outbox_id: uuid.UUID, queue_name: str, description: str) -> Job:
    """Hand one outbox row to Redis. Raises ``redis.RedisError`` when Redis is away."""
    return queue(queue_name).enqueue(
        RUNNER,
        args=(tenant_id, str(outbox_id)),
        job_id=str(outbox_id),
        description=description,
        retry=retry_policy(),
        job_timeout=int(current_app.config["JOB_TIMEOUT_SECONDS"]),
        result_ttl=24 * 3600,
        failure_ttl=30 * 24 * 3600,
    )
