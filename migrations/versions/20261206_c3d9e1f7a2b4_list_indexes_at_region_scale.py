"""Indexes the case list needed at region scale (20,000 cases a municipality, measured
with bench/deployment.py):

- the timeline by kind: the outgoing transfers above the list read every event of the
  municipality (74 ms at 300,000 events);
- the clients in the order of the list sorted by name: the first page is read from the
  index instead of sorting every client (65 ms → 0.2 ms);
- a trigram index (pg_trgm) on the name the search looks in. Under row-level security
  PostgreSQL uses it only when the search's condition is leakproof, which
  scripts/pg-setup declares for its two functions (textcat, texticlike; only a
  superuser may). Without that the search stays right and reads the municipality's
  clients, as before (see the earlier note in a7c3e91f5b20).

The two indexes on clients are PostgreSQL's alone (the SQLite demo's lists are small):
the model declares them with ``ddl_if(dialect="postgresql")``, the trigram expression
written as PostgreSQL reflects it, so that the model comparison matches.

Revision ID: c3d9e1f7a2b4
Revises: f5c1d2e3a4b5
Create Date: 2026-12-06 07:40:00

"""

from alembic import op

revision = "c3d9e1f7a2b4"
down_revision = "f5c1d2e3a4b5"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_case_events_tenant_id_kind_at", "case_events", ["tenant_id", "kind", "at"])
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    op.execute(
        "CREATE INDEX ix_clients_tenant_id_sort_name ON clients "
        "(tenant_id, lower(family_name), lower(given_name))"
    )
    op.execute(
        "CREATE INDEX ix_clients_search_name_trgm ON clients "
        "USING gin ((given_name || ' ' || family_name) gin_trgm_ops)"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.drop_index("ix_clients_search_name_trgm", table_name="clients")
        op.drop_index("ix_clients_tenant_id_sort_name", table_name="clients")
    op.drop_index("ix_case_events_tenant_id_kind_at", table_name="case_events")
