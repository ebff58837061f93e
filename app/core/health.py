"""Liveness of the real parts: the database and Redis."""

from __future__ import annotations

from flask import current_app
from sqlalchemy import text

from app.extensions import db

OK = "ok"
DEGRADED = "degraded"
EMBEDDED = "embedded"


def database_status() -> str:
    try:
        db.session.execute(text("SELECT 1"))
    except Exception:  # noqa: BLE001 - any failure means degraded, reported not raised
        current_app.logger.exception("health: database unreachable")
        db.session.rollback()
        return DEGRADED
    return OK


def redis_status() -> str:
    url = current_app.config.get("REDIS_URL")
    if not url:
        return EMBEDDED  # jobs run inline in the one-command demo
    import redis

    timeout = current_app.config["REDIS_TIMEOUT_SECONDS"]
    try:
        redis.Redis.from_url(url, socket_timeout=timeout, socket_connect_timeout=timeout).ping()
    except redis.RedisError:
        return DEGRADED
    return OK


def health_report() -> tuple[dict, int]:
    report = {"database": database_status(), "redis": redis_status()}
    healthy = report["database"] == OK and report["redis"] != DEGRADED
    report["status"] = OK if healthy else DEGRADED
    return report, 200 if healthy else 503
