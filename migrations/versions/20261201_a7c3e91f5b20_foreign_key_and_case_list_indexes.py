"""Every foreign key gets an index that starts with its columns (tenant_id first); the
case list gets indexes for its worker filter and its sort by update.

No trigram index (pg_trgm) for the name search: under row-level security PostgreSQL
applies ILIKE, which is not leakproof, only after the policy, so it never uses such
an index for the portal role (checked with EXPLAIN: a sequential scan either way).

Revision ID: a7c3e91f5b20
Revises: a7c3e5f9b2d4
Create Date: 2026-12-01 21:00:00

"""

from alembic import op

revision = "a7c3e91f5b20"
down_revision = "6a320d87e228"
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


def _name(table: str, columns: tuple[str, ...]) -> str:
    return f"ix_{table}_{'_'.join(columns)}"


def upgrade() -> None:
    for table, columns in INDEXES:
        op.create_index(_name(table, columns), table, list(columns))


def downgrade() -> None:
    for table, columns in reversed(INDEXES):
        op.drop_index(_name(table, columns), table_name=table)
