"""The name search's trigram index takes new entries at once (``fastupdate = off``).

With GIN's default, new entries wait in a pending list that every search reads through
until VACUUM merges it. After the benchmark's intake probe had added 7,900 clients (to
another municipality) the list held 470 pages and the index part of a name search took
2.9 ms instead of about 0.2 (region scale, 2026-12-07); autovacuum merges it eventually,
but a municipality's search should not slow down with every intake batch of the region.
An intake writes each new client's trigrams at once instead: a few more index pages a
client, on a path that is not waited on by a person.

Revision ID: b8e4f1a2c9d3
Revises: a3c8e2f4b6d1
Create Date: 2026-12-07 05:00:00

"""

from alembic import op

revision = "b8e4f1a2c9d3"
down_revision = "a3c8e2f4b6d1"
branch_labels = None
depends_on = None

INDEX = "ix_clients_tenant_id_search_name_trgm"


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(f"ALTER INDEX {INDEX} SET (fastupdate = off)")
    # What waits in the pending list now goes into the index proper.
    op.execute(f"SELECT gin_clean_pending_list('{INDEX}'::regclass)")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(f"ALTER INDEX {INDEX} RESET (fastupdate)")
