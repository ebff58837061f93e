"""The portal's log lines: JSON objects with ids and codes, never personal data; and the
regional read and a transfer reach the tenant administrator's security log."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator

import pytest
from sqlalchemy import select

from app.auth.models import SecurityEvent
from app.core.logging import configure
from app.core.permissions import Role
from app.extensions import db
from tests.csrf import csrf_token
from tests.factories import CaseFactory, UserFactory

log = logging.getLogger("nazorg.security")


@pytest.fixture
def json_lines(capsys) -> Iterator:
    configure("json")
    capsys.readouterr()

    def read() -> list[dict]:
        return [json.loads(line) for line in capsys.readouterr().out.splitlines() if line]

    try:
        yield read
    finally:
        configure("")


def test_a_line_holds_time_level_logger_message_and_the_tenant_but_no_personal_field(
    json_lines,
):
    log.info(
        "sign_in success",
        extra={"tenant": 3, "user": "u-1", "account": "jan@example.nl", "detail": "Jan Jansen"},
    )
    [line] = json_lines()
    assert line["level"] == "INFO" and line["logger"] == "nazorg.security"
    assert line["message"] == "sign_in success"
    assert line["tenant_id"] == 3 and line["user"] == "u-1"
    assert line["request_id"] is None and line["time"].endswith("+00:00")
    assert "jan@example.nl" not in json.dumps(line) and "Jan Jansen" not in json.dumps(line)


def test_an_exception_is_logged_by_type_and_frames_without_its_message(json_lines):
    try:
        raise ValueError("Key (bsn)=(123456782) already exists")
    except ValueError:
        logging.getLogger("nazorg.errors").exception("saving failed")
    [line] = json_lines()
    assert line["exception"]["type"] == "builtins.ValueError"
    assert line["exception"]["frames"]
    assert "123456782" not in json.dumps(line)


def test_a_request_carries_its_id_the_proxys_when_plain_and_the_bound_tenant(
    app, tenants, json_lines
):
    from app.core.context import tenant_app_context

    with (
        app.test_request_context(headers={"X-Request-ID": "abc-123"}),
        tenant_app_context(tenants["lochem"].id),
    ):
        logging.getLogger("nazorg.jobs").warning("something")
    with app.test_request_context(headers={"X-Request-ID": '"><script>'}):
        logging.getLogger("nazorg.jobs").warning("other")
    first, second = json_lines()
    assert first["request_id"] == "abc-123" and first["tenant_id"] == tenants["lochem"].id
    assert second["request_id"] and second["request_id"] != '"><script>'


def test_the_text_format_is_for_development_and_an_unknown_format_is_refused(capsys):
    configure("text")
    try:
        logging.getLogger("nazorg.jobs").info("readable")
        assert "INFO nazorg.jobs" in capsys.readouterr().out
    finally:
        configure("")
    with pytest.raises(ValueError):
        configure("xml")


def test_opening_the_regional_overview_writes_a_security_event(tenants, in_tenant, sign_in):
    deventer = tenants["deventer"]
    with in_tenant(deventer):
        coordinator = UserFactory(role=Role.REGIONAL_COORDINATOR.value)
    assert sign_in(coordinator).get("/regio").status_code == 200
    with in_tenant(deventer):
        [row] = db.session.scalars(
            select(SecurityEvent).where(SecurityEvent.event == "regional_read")
        ).all()
    assert (row.result, row.user_id) == ("granted", coordinator.id)
    assert row.account == coordinator.subject
    assert row.detail == "regional monitor overview"


def test_a_transfer_offer_writes_a_security_event_in_both_municipalities(
    tenants, in_tenant, sign_in
):
    zutphen, lochem = tenants["zutphen"], tenants["lochem"]
    with in_tenant(zutphen):
        worker = UserFactory(role=Role.CASE_WORKER.value)
        case = CaseFactory(case_worker_id=worker.id)
    client = sign_in(worker)
    response = client.post(
        f"/cases/{case.id}/transfer",
        data={"target": lochem.id, "reason": "Verhuisd", "confirm": "1"},
        headers={"X-CSRFToken": csrf_token(client, f"/cases/{case.id}")},
    )
    assert response.status_code == 302
    with in_tenant(zutphen):
        [row] = db.session.scalars(
            select(SecurityEvent).where(SecurityEvent.event == "case_transfer_offered")
        ).all()
    assert (row.result, row.user_id) == ("offered", worker.id)
    assert str(case.id) in row.detail and "Lochem" in row.detail
    with in_tenant(lochem):
        [received] = db.session.scalars(select(SecurityEvent)).all()
    assert (received.event, received.result) == ("case_transfer_received", "offered")
    assert str(case.id) in received.detail and "Zutphen" in received.detail


def test_production_logs_json_and_the_setting_refuses_an_unknown_format(monkeypatch):
    from config import ConfigError, load_settings

    production = {
        "SECRET_KEY": "x" * 40,
        "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://nazorg_app@db/nazorg",
        "REDIS_URL": "redis://redis:6379/0",
        "PORTAL_BASE_URL": "https://nazorg.example.nl",
    }
    assert load_settings("production", production)["LOG_FORMAT"] == "json"
    assert load_settings("development")["LOG_FORMAT"] == "text"
    monkeypatch.setenv("LOG_FORMAT", "xml")
    with pytest.raises(ConfigError, match="LOG_FORMAT"):
        load_settings("production", production)
