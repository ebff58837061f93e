from __future__ import annotations

import socket

import pytest

from app import create_app
from tests.conftest import REDIS_URL


def unused_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def app_with_redis(app, url: str | None):
    return create_app(
        "testing",
        {
            "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
            "MIGRATION_DATABASE_URI": app.config.get("MIGRATION_DATABASE_URI"),
            "REDIS_URL": url,
        },
    )


def test_health_without_redis_reports_embedded_jobs(app):
    response = app_with_redis(app, None).test_client().get("/healthz")
    assert response.status_code == 200
    assert response.json == {"database": "ok", "redis": "embedded", "status": "ok"}


def test_health_with_unreachable_redis_is_degraded(app):
    url = f"redis://127.0.0.1:{unused_port()}/0"
    response = app_with_redis(app, url).test_client().get("/healthz")
    assert response.status_code == 503
    assert response.json["redis"] == "degraded"
    assert response.json["database"] == "ok"


@pytest.mark.redis
def test_health_with_real_redis_is_ok(app):
    response = app_with_redis(app, REDIS_URL).test_client().get("/healthz")
    assert response.status_code == 200
    assert response.json == {"database": "ok", "redis": "ok", "status": "ok"}
