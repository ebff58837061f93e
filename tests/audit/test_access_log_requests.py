"""The access log of a request: written before the response leaves, in one INSERT, or no page.

NEN 7513: no access without a record. A page whose rows cannot be written is not
served (503 with the error page); the intake API logs its intakes with the sending
system as the actor.
"""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import psycopg
import pytest
from flask import Response
from sqlalchemy import event, func, select
from sqlalchemy.exc import OperationalError

from app.audit import services, tracking
from app.audit.models import AccessAction, AccessLogEntry
from app.cases.intake import tokens
from app.cases.models import Case
from app.core.tenancy import bind_tenant
from app.extensions import db
from tests.cases.conftest import new_bsn
from tests.conftest import DATABASE_URL
from tests.factories import CaseFactory, UserFactory
from tests.perf.statements import inserts_into, queries_captured


def log_rows(in_tenant, tenant, **where):
    with in_tenant(tenant):
        query = select(AccessLogEntry).filter_by(**where)
        return db.session.scalars(query).all()


def test_all_rows_of_a_request_go_in_one_insert(app, tenants, in_tenant):
    with in_tenant(tenants["lochem"]):
        worker = UserFactory()
    clients = [uuid.uuid4() for _ in range(3)]
    with app.test_request_context("/cases/"), queries_captured() as statements:
        services.gather_in_request()
        tracking.act_as(tracking.Actor(worker.id, "W", worker.tenant_id, worker.role))
        for client_id in clients:
            tracking.note_access(
                tenant_id=tenants["lochem"].id,
                client_id=client_id,
                object_type="case",
                object_id=client_id,
            )
        services.record_access(
            worker,
            tenant_id=tenants["lochem"].id,
            client_id=clients[0],
            object_type="access_report",
            object_id=clients[0],
            action=AccessAction.READ,
        )
        tracking.write_noted_accesses(Response("page"))
    assert len(inserts_into(statements, "access_log")) == 1
    rows = log_rows(in_tenant, tenants["lochem"])
    assert sorted(r.object_type for r in rows) == ["access_report", "case", "case", "case"]


def test_a_page_whose_access_cannot_be_recorded_is_not_served(
    app, tenants, in_tenant, sign_in, monkeypatch
):
    with in_tenant(tenants["deventer"]):
        case = CaseFactory(client__family_name="Onvindbaar")
        worker = UserFactory()
    client = sign_in(worker)

    def database_gone(rows):
        raise OperationalError("INSERT INTO access_log", {}, Exception("connection lost"))

    # Both ways of writing (in the page's read-only transaction, and in one of its own)
    # end in this insert.
    monkeypatch.setattr(services, "insert_access_rows", database_gone)
    response = client.get(f"/cases/{case.id}")
    assert response.status_code == 503
    body = response.get_data(as_text=True)
    assert "Onvindbaar" not in body and "inzage niet kon worden vastgelegd" in body
    assert response.headers.get("X-Content-Type-Options") == "nosniff"  # the usual headers


def note_one_access(worker, tenant, client_id) -> None:
    services.gather_in_request()
    tracking.act_as(tracking.Actor(worker.id, "W", worker.tenant_id, worker.role))
    tracking.note_access(
        tenant_id=tenant.id, client_id=client_id, object_type="case", object_id=client_id
    )


def begins_during(block) -> int:
    begins = []
    listener = lambda connection: begins.append(1)  # noqa: E731
    event.listen(db.engine, "begin", listener)
    try:
        block()
    finally:
        event.remove(db.engine, "begin", listener)
    return len(begins)


def test_a_page_that_only_read_writes_its_rows_in_its_own_transaction(app, tenants, in_tenant):
    with in_tenant(tenants["lochem"]):
        case = CaseFactory()
        worker = UserFactory()

    def read_page():
        bind_tenant(db.session, tenants["lochem"].id)
        assert db.session.scalar(select(Case).filter_by(id=case.id)) is not None
        note_one_access(worker, tenants["lochem"], case.client_id)
        tracking.write_noted_accesses(Response("page"))

    with app.test_request_context(f"/cases/{case.id}"):
        assert begins_during(read_page) == 1  # the page's reads and its record, one commit
        db.session.remove()
    assert len(log_rows(in_tenant, tenants["lochem"], client_id=case.client_id)) == 1


@pytest.mark.parametrize("flushed", [True, False])
def test_what_a_page_left_unsaved_stays_unsaved_when_its_access_is_recorded(
    app, tenants, in_tenant, flushed
):
    with in_tenant(tenants["lochem"]):
        case = CaseFactory(client__family_name="Voor")
        worker = UserFactory()
    with app.test_request_context(f"/cases/{case.id}"):
        bind_tenant(db.session, tenants["lochem"].id)
        client = db.session.scalar(select(Case).filter_by(id=case.id)).client
        note_one_access(worker, tenants["lochem"], case.client_id)
        client.family_name = "Na"  # changed by the page, never saved
        if flushed:
            db.session.flush()  # written in the page's transaction, never committed
        tracking.write_noted_accesses(Response("page"))
        db.session.remove()
    with in_tenant(tenants["lochem"]):
        assert db.session.scalar(select(Case).filter_by(id=case.id)).client.family_name == "Voor"
    assert len(log_rows(in_tenant, tenants["lochem"], client_id=case.client_id)) == 1


def intake_document() -> dict:
    today = date.today()
    return {
        "message_id": "DJI-LOG-1",
        "given_name": "Karin",
        "family_name": "Bosman",
        "date_of_birth": "1988-04-12",
        "bsn": new_bsn(),
        "facility": "PI Zwolle",
        "detention_start": (today - timedelta(days=10)).isoformat(),
        "expected_release": (today + timedelta(days=50)).isoformat(),
    }


def test_an_api_intake_is_logged_with_the_sending_system_as_actor(app, tenants, in_tenant):
    tenant = tenants["olst-wijhe"]
    with in_tenant(tenant):
        token = tokens.issue_token(tenant.id)
        db.session.commit()
    response = app.test_client().post(
        "/api/v1/intake-documents",
        json=intake_document(),
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 201
    (row,) = log_rows(in_tenant, tenant)
    assert (row.object_type, row.object_id, row.action) == (
        "intake",
        response.json["case_id"],
        "change",
    )
    assert row.role == "api" and row.user_name == f"Intake-API (token …{token[-4:]})"
    assert row.actor_tenant_id == tenant.id and row.client_id is not None


# --- the fault test -------------------------------------------------------------------


class ConnectionKiller:
    """Terminates the portal's database connection at the n-th statement (or commit)
    of a request, from a connection of its own: what a dropped connection does."""

    def __init__(self, engine):
        self.engine = engine
        self.kill_at: int | None = None
        self.seen = 0
        self.url = DATABASE_URL.replace("postgresql+psycopg://", "postgresql://")

    def start(self, kill_at: int | None) -> None:
        self.kill_at, self.seen = kill_at, 0

    def _step(self, connection) -> None:
        self.seen += 1
        if self.seen != self.kill_at:
            return
        pid = connection.connection.dbapi_connection.info.backend_pid
        with psycopg.connect(self.url, autocommit=True) as killer:
            # With a timeout the call waits until the backend is gone: no race.
            killer.execute("SELECT pg_terminate_backend(%s, 5000)", (pid,))

    def before_execute(self, connection, cursor, statement, parameters, context, many):
        self._step(connection)

    def before_commit(self, connection):
        self._step(connection)

    def __enter__(self):
        event.listen(self.engine, "before_cursor_execute", self.before_execute)
        event.listen(self.engine, "commit", self.before_commit)
        return self

    def __exit__(self, *exc):
        event.remove(self.engine, "before_cursor_execute", self.before_execute)
        event.remove(self.engine, "commit", self.before_commit)


@pytest.mark.postgres
def test_with_connections_dropped_during_reads_every_served_page_has_its_row(
    app, tenants, in_tenant, sign_in
):
    tenant = tenants["deventer"]
    with in_tenant(tenant):
        case = CaseFactory()
        worker = UserFactory()
    client = sign_in(worker)
    with app.app_context():
        engine = db.engine
    statuses = []
    with ConnectionKiller(engine) as killer:
        killer.start(None)
        assert client.get(f"/cases/{case.id}").status_code == 200
        steps = killer.seen  # statements and commits of one page view
        assert steps > 5
        # Every step of the page view once, then every step again: the pool has recovered.
        for kill_at in [*range(1, steps + 1), *range(1, steps + 1)]:
            killer.start(kill_at)
            statuses.append(client.get(f"/cases/{case.id}").status_code)
            assert killer.seen >= kill_at  # the kill happened inside this request
    served = 1 + statuses.count(200)
    with in_tenant(tenant):
        rows = db.session.scalar(
            select(func.count())
            .select_from(AccessLogEntry)
            .where(AccessLogEntry.object_type == "case", AccessLogEntry.result == "granted")
        )
    assert rows == served
    assert set(statuses) - {200} and 503 in statuses  # a kill on the log's write refused the page
