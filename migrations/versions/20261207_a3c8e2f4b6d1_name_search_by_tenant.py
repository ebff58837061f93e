"""The name search's trigram index with the municipality in it (btree_gin): a search reads
the index entries of its own municipality only. The index of c3d9e1f7a2b4 held every
municipality's names, so "bakker" found 414 clients of which 92 were the municipality's,
and PostgreSQL read and rechecked all 414 (364 heap blocks instead of 78, at 20,000
clients a municipality); at national scale, with 340 municipalities in one table, nearly
every candidate was another municipality's.

btree_gin, like pg_trgm, is a trusted extension: the migrating owner may create it.

Revision ID: a3c8e2f4b6d1
Revises: f7b2d4e6a8c1
Create Date: 2026-12-07 04:40:00

"""

from alembic import op

revision = "a3c8e2f4b6d1"
down_revision = "f7b2d4e6a8c1"
branch_labels = None
depends_on = None

NAME = "(((given_name)::text || ' '::text) || (family_name)::text)"


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("CREATE EXTENSION IF NOT EXISTS btree_gin")
    op.drop_index("ix_clients_search_name_trgm", table_name="clients")
    op.execute(
        "CREATE INDEX ix_clients_tenant_id_search_name_trgm ON clients "
        f"USING gin (tenant_id, {NAME} gin_trgm_ops)"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.drop_index("ix_clients_tenant_id_search_name_trgm", table_name="clients")
    op.execute(
        f"CREATE INDEX ix_clients_search_name_trgm ON clients USING gin ({NAME} gin_trgm_ops)"
    )
