"""Every foreign key gets an index that starts with its columns (tenant_id first); the
case list gets indexes for its worker filter and its sort by update, and on PostgreSQL
a trigram index (pg_trgm) for its name search.

pg_trgm is a trusted extension (PostgreSQL 13+): the database's owner role may create
it; scripts/pg-setup also creates it as superuser for older servers.

Revision ID: a7c3e91f5b20
Revises: a7c3e5f9b2d4
Create Date: 2026-12-01 21:00:00

"""

from alembic import op

revision = "a7c3e91f5b20"
down_revision = "a7c3e5f9b2d4"
branch_labels = None
depends_on = None

INDEXES = (
    ("cases", ("tenant_id", "client_id")),
    ("cases", ("tenant_id", "case_worker_id")),
    ("cases", ("tenant_id", "previous_case_id")),
    ("cases", ("tenant_id", "updated_at")),
    ("account_tokens", ("tenant_id", "user_id")),
    ("user_sessions", ("tenant_id", "user_id")),
    ("case_phase_changes", ("tenant_id", "case_id")),
    ("intake_messages", ("tenant_id", "case_id")),
    ("case_note_revisions", ("tenant_id", "note_id")),
)
# The expression of listing.full_name, as PostgreSQL writes it back.
FULL_NAME = "lower(((given_name)::text || ' '::text) || (family_name)::text)"


def _name(table: str, columns: tuple[str, ...]) -> str:
    return f"ix_{table}_{'_'.join(columns)}"


def upgrade() -> None:
    for table, columns in INDEXES:
        op.create_index(_name(table, columns), table, list(columns))
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        op.execute(
            f"CREATE INDEX ix_clients_full_name_trgm ON clients USING gin ({FULL_NAME} gin_trgm_ops)"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_clients_full_name_trgm")
    for table, columns in reversed(INDEXES):
        op.drop_index(_name(table, columns), table_name=table)
