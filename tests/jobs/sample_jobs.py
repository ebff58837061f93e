"""Jobs for the tests; importable by a worker process started in the project root."""

from __future__ import annotations

import os
import uuid

import redis
from flask import current_app
from sqlalchemy import func, select, text

from app.cases.models import Case, Client
from app.extensions import db
from app.jobs import job
from app.jobs import queue as queues

calls: list[tuple] = []


@job()
def record(tenant_id: int, key: str) -> None:
    calls.append((tenant_id, key))


@job()
def count_in_redis(tenant_id: int, key: str) -> None:
    queues.connection().incr(f"test:runs:{key}")


@job()
def flaky(tenant_id: int, key: str, failures: int) -> None:
    """Fails the first ``failures`` tries, then succeeds."""
    attempt = queues.connection().incr(f"test:attempts:{key}")
    if attempt <= failures:
        raise RuntimeError(f"transient failure {attempt}")
    queues.connection().incr(f"test:runs:{key}")


@job()
def broken_until_healed(tenant_id: int, key: str) -> None:
    """Fails until the test sets ``test:healed:<key>``."""
    connection = queues.connection()
    connection.incr(f"test:attempts:{key}")
    if not connection.get(f"test:healed:{key}"):
        raise RuntimeError("mail server refused the message")
    connection.incr(f"test:runs:{key}")


@job()
def hang_first_time(tenant_id: int, key: str) -> None:
    """The first try signals that it started (with its pid) and then hangs until killed."""
    connection = queues.connection()
    attempt = connection.incr(f"test:attempts:{key}")
    if attempt == 1:
        connection.set(f"test:started:{key}", os.getpid())
        # The portal's connection gives up after 0.5 s; this one waits to be killed.
        waiting = redis.Redis.from_url(current_app.config["REDIS_URL"], socket_timeout=150)
        waiting.blpop([f"test:never:{key}"], timeout=120)
        raise RuntimeError("should have been killed")
    connection.incr(f"test:runs:{key}")


@job()
def peek(tenant_id: int, foreign_case_id: str, foreign_tenant_id: int) -> None:
    """What a job of ``tenant_id`` can see of another tenant's case."""
    seen = {
        "get": db.session.get(Case, (foreign_tenant_id, uuid.UUID(foreign_case_id))),
        "select": db.session.scalars(
            select(Case).where(Case.id == uuid.UUID(foreign_case_id))
        ).all(),
        "orm_count": db.session.scalar(select(func.count()).select_from(Client)),
    }
    if db.engine.dialect.name == "postgresql":
        # Raw SQL bypasses the ORM scope: only row-level security stands in the way.
        seen["sql_count"] = db.session.execute(text("SELECT count(*) FROM cases")).scalar()
        seen["sql_foreign"] = db.session.execute(
            text("SELECT count(*) FROM cases WHERE tenant_id = :t"), {"t": foreign_tenant_id}
        ).scalar()
    calls.append((tenant_id, seen))
