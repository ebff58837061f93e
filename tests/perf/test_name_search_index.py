"""The name search and the sort by name are read from their indexes under row-level
security, as the portal's own role (``nazorg_app``) runs them.

The trigram index serves the search only where its condition is leakproof
(``scripts/pg-setup`` declares ``textcat`` and ``texticlike`` so): without that the
planner applies the ILIKE after the policy, on every client of the municipality,
whatever index exists. The plan is asked with sequential scans discouraged, so that the
answer says whether the index *can* be used, not what a ten-row table makes cheapest;
the benchmark measures the real thing at region scale.
"""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import create_engine, event, select, text

from app.cases import listing
from app.cases.models import Client
from app.extensions import db
from tests.conftest import MIGRATION_DATABASE_URL
from tests.factories import CaseFactory

pytestmark = pytest.mark.postgres


def plan_of(stmt, seqscan_off: bool = True) -> str:
    """The plan of ``stmt`` as the portal sends it: run through the session once, so that
    the tenant scope adds its ``tenant_id`` conditions (which an index on
    ``(tenant_id, ...)`` needs to serve an order), and the statement sent explained."""
    if seqscan_off:
        db.session.execute(text("SET LOCAL enable_seqscan = off"))
    sent = []

    def keep(conn, cursor, statement, parameters, context, executemany):
        sent.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", keep)
    try:
        db.session.execute(stmt).all()
    finally:
        event.remove(db.engine, "before_cursor_execute", keep)
    statement, parameters = sent[-1]
    connection = db.session.connection()
    rows = connection.exec_driver_sql(f"EXPLAIN {statement}", parameters).scalars()
    return "\n".join(rows)


def test_the_condition_of_the_name_search_is_leakproof(app):
    with app.app_context():
        leakproof = dict(
            db.session.execute(
                text(
                    "SELECT proname, proleakproof FROM pg_proc "
                    "WHERE proname IN ('textcat', 'texticlike') "
                    "AND pronamespace = 'pg_catalog'::regnamespace"
                )
            ).all()
        )
    assert leakproof == {"textcat": True, "texticlike": True}


def fill_clients(tenant_id: int, count: int) -> None:
    """``count`` clients straight into the table as its owner, then ANALYZE: the planner
    picks the trigram index only where it knows the municipality has many clients."""
    owner = create_engine(MIGRATION_DATABASE_URL)
    with owner.begin() as connection:
        connection.execute(
            text("SELECT set_config('app.tenant_id', :t, true)"), {"t": str(tenant_id)}
        )
        connection.execute(
            text(
                "INSERT INTO clients (tenant_id, id, given_name, family_name, date_of_birth,"
                " bsn, created_at, updated_at, version)"
                " SELECT :t, gen_random_uuid(), 'Voornaam' || n, 'Achternaam' || n,"
                " DATE '1980-01-01', lpad(n::text, 9, '0'), now(), now(), 1"
                " FROM generate_series(1, :count) AS n"
            ),
            {"t": tenant_id, "count": count},
        )
        connection.execute(text("ANALYZE clients"))
    owner.dispose()


def analyze(*tables: str) -> None:
    owner = create_engine(MIGRATION_DATABASE_URL)
    with owner.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        for table in tables:
            connection.execute(text(f"ANALYZE {table}"))  # noqa: S608 - fixed names
    owner.dispose()


def test_the_name_search_uses_the_trigram_index_under_rls(app, tenants, in_tenant):
    for tenant in tenants.values():
        fill_clients(tenant.id, 20_000)
    with in_tenant(tenants["deventer"]):
        # The clients alone: with no cases behind them the planner rightly starts from
        # the (empty) cases; the search's own condition is what must reach the index.
        search = select(Client.id).where(listing.full_name().icontains("jansen", autoescape=True))
        plan = plan_of(search, seqscan_off=False)
    assert "ix_clients_tenant_id_search_name_trgm" in plan, plan
    # The municipality is read from the index, not filtered out of every one's matches.
    condition = next(line for line in plan.splitlines() if "Index Cond" in line)
    assert "tenant_id =" in condition and "~~*" in condition, plan


def test_the_list_sorted_by_name_reads_the_name_index(app, tenants, in_tenant):
    # Enough cases, with statistics, that reading 25 in name order beats sorting them all:
    # with three cases (and whatever the suite left in the statistics) the planner rightly
    # sorted, and the test answered for the suite's order rather than for the index.
    with in_tenant(tenants["deventer"]):
        CaseFactory.create_batch(300)
        db.session.commit()
    analyze("clients", "cases")
    with in_tenant(tenants["deventer"]):
        query = listing.CaseQuery(sort="name")
        stmt = listing.ordered(
            listing.with_client(listing.filtered(query, date.today()), query), query
        )
        plan = plan_of(stmt.limit(25))
    assert "ix_clients_tenant_id_sort_name" in plan, plan


def test_the_name_search_index_has_no_pending_list(app):
    """GIN's pending list is read whole by every search until VACUUM merges it: after an
    intake of 7,900 clients the index part of a search took 2.9 ms instead of 0.2."""
    with app.app_context():
        options = db.session.scalar(
            text("SELECT reloptions FROM pg_class WHERE relname = :name"),
            {"name": "ix_clients_tenant_id_search_name_trgm"},
        )
    assert options == ["fastupdate=off"]
