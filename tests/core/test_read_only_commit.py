"""A request that only read ends its transaction with COMMIT
(``tenancy.end_read_only_transaction``).

psycopg forgets every statement it prepared on a connection at any ROLLBACK; when every
page that wrote nothing ended with the pool's ROLLBACK, no statement reached its fifth run
and PostgreSQL planned every statement of every page anew. A transaction that wrote, holds
changes, or belongs to a failed request is still rolled back.
"""

from __future__ import annotations

import psycopg
import pytest
from sqlalchemy import select, text

from app.cases.models import Client
from app.core.context import tenant_app_context
from app.core.tenancy import end_read_only_transaction
from app.extensions import db
from tests.factories import CaseFactory, UserFactory

pytestmark = pytest.mark.postgres


@pytest.fixture
def rollbacks(monkeypatch) -> list[str]:
    """The ROLLBACKs psycopg sends for an open transaction from now on (one that finds the
    connection idle sends nothing and forgets nothing)."""
    sent: list[str] = []
    original = psycopg.Connection.rollback

    def rollback(connection):
        if connection.pgconn.transaction_status != psycopg.pq.TransactionStatus.IDLE:
            sent.append("ROLLBACK")
        return original(connection)

    monkeypatch.setattr(psycopg.Connection, "rollback", rollback)
    return sent


def test_pages_that_only_read_keep_the_prepared_statements(
    app, tenants, in_tenant, sign_in, rollbacks
):
    with in_tenant(tenants["deventer"]):
        user = UserFactory()
        db.session.commit()
    client = sign_in(user)
    with app.app_context():
        db.engine.dispose()  # one connection from here on: the requests run one by one
    for _ in range(7):  # psycopg prepares a statement at its fifth run on a connection
        assert client.get("/over").status_code == 200
    assert rollbacks == []
    with app.app_context():
        prepared = db.session.execute(text("SELECT count(*) FROM pg_prepared_statements"))
        assert prepared.scalar() > 0, "no statement of the pages was prepared"


def test_a_transaction_that_only_read_is_committed(app, tenants, in_tenant, rollbacks):
    with in_tenant(tenants["deventer"]):
        CaseFactory()
        db.session.commit()
        db.session.scalars(select(Client)).all()
        assert db.session().in_transaction()
        end_read_only_transaction(None)
        assert not db.session().in_transaction()
    assert rollbacks == []


def test_a_change_left_unsaved_is_rolled_back_not_committed(app, tenants, in_tenant):
    with in_tenant(tenants["deventer"]):
        client = CaseFactory().client
        db.session.commit()
        client.given_name = "Nooit opgeslagen"  # changed, never flushed by the view
        end_read_only_transaction(None)
        assert db.session().in_transaction()  # left to the session's removal: a rollback
    with in_tenant(tenants["deventer"]):
        names = db.session.scalars(select(Client.given_name)).all()
    assert "Nooit opgeslagen" not in names


def test_a_failed_request_is_rolled_back(app, tenants, in_tenant):
    with in_tenant(tenants["deventer"]):
        db.session.scalars(select(Client)).all()
        end_read_only_transaction(RuntimeError("the view failed"))
        assert db.session().in_transaction()


def test_what_a_read_only_transaction_loaded_stays_readable_after_it(app, tenants, in_tenant):
    with in_tenant(tenants["deventer"]):
        CaseFactory(client__given_name="Gelezen")
        db.session.commit()
    with app.app_context(), tenant_app_context(tenants["deventer"].id):
        client = db.session.scalars(select(Client)).one()
        end_read_only_transaction(None)
    assert client.given_name == "Gelezen"  # not expired by the commit, so not refreshed


def test_the_access_log_s_own_transaction_follows_a_read_only_view_with_commit(
    app, tenants, in_tenant, sign_in, rollbacks, monkeypatch
):
    """When the access-log rows cannot go in the view's transaction (rows of several
    municipalities, a regional read), the view's transaction is ended first: one that only
    read commits, as at teardown, so the connection keeps its prepared statements."""
    from app.audit import services as audit

    with in_tenant(tenants["deventer"]):
        user = UserFactory(role="case_worker")
        db.session.commit()
    client = sign_in(user)
    monkeypatch.setattr(audit, "write_in_read_only_transaction", lambda rows: False)
    with in_tenant(tenants["deventer"]):
        before = db.session.scalar(text("SELECT count(*) FROM access_log"))
    assert client.get("/cases/").status_code == 200
    assert rollbacks == []
    with in_tenant(tenants["deventer"]):
        after = db.session.scalar(text("SELECT count(*) FROM access_log"))
    assert after == before + 1  # the list's row, in a transaction of its own
