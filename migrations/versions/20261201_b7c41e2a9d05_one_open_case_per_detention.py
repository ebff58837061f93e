"""One open case per client and detention (a partial unique index), and the stored
intake uploads that a background job works through.

Two intakes of one detention at once made two cases: nothing in the database held
them apart. Open cases that already doubled must be merged or closed by hand before
this runs (the index build names the first duplicate it finds).

Revision ID: b7c41e2a9d05
Revises: a7c3e5f9b2d4
Create Date: 2026-12-01 21:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "b7c41e2a9d05"
down_revision = "a7c3e5f9b2d4"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "uq_cases_open_detention",
        "cases",
        ["tenant_id", "client_id", "detention_start"],
        unique=True,
        postgresql_where=sa.text("phase <> 'closed'"),
        sqlite_where=sa.text("phase <> 'closed'"),
        postgresql_nulls_not_distinct=True,
    )


def downgrade() -> None:
    op.drop_index("uq_cases_open_detention", table_name="cases")
