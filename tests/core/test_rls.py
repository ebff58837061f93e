"""Layer 2: PostgreSQL itself keeps tenants apart, whatever SQL the portal role sends."""

from __future__ import annotations

import uuid

import psycopg
import pytest
from sqlalchemy import select, text

from app.auth.models import User
from app.extensions import db
from tests.conftest import DATABASE_URL, open_session_for
from tests.factories import CaseFactory, UserFactory

pytestmark = pytest.mark.postgres


def portal_connection() -> psycopg.Connection:
    return psycopg.connect(DATABASE_URL.replace("postgresql+psycopg://", "postgresql://"))


@pytest.fixture
def rows(app, tenants, in_tenant):
    with in_tenant(tenants["deventer"]):
        a = CaseFactory(client__family_name="Deventenaar")
        a_ids = (a.id, a.client_id)
    with in_tenant(tenants["zutphen"]):
        b = CaseFactory(client__family_name="Zutphenaar")
        b_ids = (b.id, b.client_id)
    return {
        "a": tenants["deventer"].id,
        "b": tenants["zutphen"].id,
        "client_a": a_ids[1],
        "client_b": b_ids[1],
    }


def set_tenant(cursor, tenant_id: int | None, regional: bool = False) -> None:
    cursor.execute(
        "SELECT set_config('app.tenant_id', %s, true), set_config('app.regional_read', %s, true)",
        ("" if tenant_id is None else str(tenant_id), "on" if regional else ""),
    )


def test_no_tenant_set_returns_no_rows(rows):
    with portal_connection() as connection, connection.cursor() as cursor:
        for table in ("clients", "cases", "life_domains"):
            cursor.execute(f"SELECT count(*) FROM {table}")  # noqa: S608 - fixed names
            assert cursor.fetchone()[0] == 0, table


def test_other_tenants_rows_are_invisible_and_untouchable(rows):
    with portal_connection() as connection, connection.cursor() as cursor:
        set_tenant(cursor, rows["a"])
        cursor.execute("SELECT family_name FROM clients")
        assert cursor.fetchall() == [("Deventenaar",)]
        cursor.execute("UPDATE clients SET family_name = 'X' WHERE tenant_id = %s", (rows["b"],))
        assert cursor.rowcount == 0
        cursor.execute("DELETE FROM cases WHERE tenant_id = %s", (rows["b"],))
        assert cursor.rowcount == 0
        cursor.execute("DELETE FROM clients WHERE id = %s", (rows["client_b"],))
        assert cursor.rowcount == 0
        connection.commit()
    with portal_connection() as connection, connection.cursor() as cursor:
        set_tenant(cursor, rows["b"])
        cursor.execute("SELECT family_name FROM clients")
        assert cursor.fetchall() == [("Zutphenaar",)]


def test_insert_with_another_tenants_id_raises_a_policy_error(rows):
    with portal_connection() as connection, connection.cursor() as cursor:
        set_tenant(cursor, rows["a"])
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="row-level security"):
            cursor.execute(
                "INSERT INTO clients (tenant_id, id, given_name, family_name, date_of_birth,"
                " bsn, created_at, updated_at) VALUES (%s, %s, 'X', 'Y', '1990-01-01',"
                " '111222333', now(), now())",
                (rows["b"], uuid.uuid4()),
            )


def test_regional_read_needs_the_centre_municipality_and_is_read_only(rows):
    with portal_connection() as connection, connection.cursor() as cursor:
        set_tenant(cursor, rows["b"], regional=True)  # Zutphen is not the centre
        cursor.execute("SELECT count(*) FROM clients")
        assert cursor.fetchone()[0] == 1
    with portal_connection() as connection, connection.cursor() as cursor:
        set_tenant(cursor, rows["a"], regional=True)  # Deventer is
        cursor.execute("SELECT count(*) FROM clients")
        assert cursor.fetchone()[0] == 2
        cursor.execute("UPDATE clients SET family_name = 'X' WHERE tenant_id = %s", (rows["b"],))
        assert cursor.rowcount == 0


def test_setting_ends_with_the_transaction(rows):
    with portal_connection() as connection, connection.cursor() as cursor:
        set_tenant(cursor, rows["a"])
        connection.commit()
        cursor.execute("SELECT count(*) FROM clients")
        assert cursor.fetchone()[0] == 0


def test_the_portal_role_cannot_change_the_shared_tenant_table(rows):
    with (
        portal_connection() as connection,
        connection.cursor() as cursor,
        pytest.raises(psycopg.errors.InsufficientPrivilege),
    ):
        cursor.execute("UPDATE tenants SET name = 'X'")


def test_pooled_connection_does_not_carry_a_tenant_into_the_next_request(
    rows, tenants, in_tenant, tmp_path
):
    from app import create_app
    from tests.conftest import MIGRATION_DATABASE_URL

    with in_tenant(tenants["deventer"]):
        worker_a = UserFactory()
    with in_tenant(tenants["zutphen"]):
        worker_b = UserFactory()
    single = create_app(
        "testing",
        {
            "SQLALCHEMY_DATABASE_URI": DATABASE_URL,
            "MIGRATION_DATABASE_URI": MIGRATION_DATABASE_URL,
            "SQLALCHEMY_ENGINE_OPTIONS": {"pool_size": 1, "max_overflow": 0},
        },
    )

    def signed_in(user: User):
        client = single.test_client()
        value = open_session_for(single, user)
        with client.session_transaction() as session:
            session["sid"] = value
        return client

    first = signed_in(worker_a).get("/cases/")
    second = signed_in(worker_b).get("/cases/")
    assert b"Deventenaar" in first.data and b"Zutphenaar" not in first.data
    assert b"Zutphenaar" in second.data and b"Deventenaar" not in second.data

    # Layer 2 on its own: raw SQL on the same single pooled connection after both requests.
    with single.app_context():
        assert db.session.execute(text("SELECT count(*) FROM clients")).scalar() == 0
        assert db.session.scalars(select(User)).all() == []
        assert db.engine.pool.size() == 1
    with single.app_context():
        from app.core.tenancy import bind_tenant

        bind_tenant(db.session, tenants["zutphen"].id)
        names = db.session.execute(text("SELECT family_name FROM clients")).scalars().all()
        assert names == ["Zutphenaar"]
    with single.app_context():
        db.engine.dispose()


def test_the_regional_switch_is_evaluated_once_per_statement_not_per_row(rows):
    """PITFALLS: ``OR app_regional_read()`` calls the function for every row and wrecks the
    planner's estimates; ``OR (SELECT app_regional_read())`` is one init plan."""
    with portal_connection() as connection, connection.cursor() as cursor:
        set_tenant(cursor, rows["a"])
        cursor.execute("EXPLAIN (COSTS OFF) SELECT * FROM clients WHERE family_name = 'X'")
        plan = "\n".join(line for (line,) in cursor.fetchall())
    assert "InitPlan" in plan, plan
    # The per-row filter compares the tenant and reads the init plan's one answer; the
    # (inlined) switch itself, its setting and its look-up of the centre, is not in it.
    filters = [line for line in plan.splitlines() if "Filter:" in line]
    assert filters and "tenant_id" in filters[0], plan
    assert not any("regional_read" in line or "is_centre" in line for line in filters), plan


def test_the_region_is_read_only_under_the_regional_read_and_its_plan_is_kept(rows):
    """``app_regional_tenants()`` is PL/pgSQL (migration c6d2e8f4a1b7): its statement is
    planned once per session, not at every call as the SQL function's body was (0.2 ms a
    statement), and without the regional read it returns at once, reading nothing."""
    with portal_connection() as connection, connection.cursor() as cursor:
        cursor.execute(
            "SELECT l.lanname FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang"
            " WHERE p.proname = 'app_regional_tenants'"
        )
        assert cursor.fetchone() == ("plpgsql",)
        set_tenant(cursor, rows["a"])
        cursor.execute("SELECT app_regional_tenants()")
        assert cursor.fetchone() == ([],)
        set_tenant(cursor, rows["a"], regional=True)  # Deventer is the region's centre
        cursor.execute("SELECT app_regional_tenants()")
        assert rows["b"] in cursor.fetchone()[0]
        set_tenant(cursor, rows["b"], regional=True)  # a municipality that is no centre
        cursor.execute("SELECT app_regional_tenants()")
        assert cursor.fetchone() == ([],)
