"""Notes, referrals and trajectories keep the one-time key of the form that made them,
unique per municipality: the same form posted twice (a double click) makes one row.

Revision ID: fe2dbe6df24f
Revises: e6303f233de4
Create Date: 2026-11-29 12:30:00

"""

import sqlalchemy as sa
from alembic import op

revision = "fe2dbe6df24f"
down_revision = "e6303f233de4"
branch_labels = None
depends_on = None

TABLES = ("case_notes", "referrals", "trajectories")


def upgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("submission_key", sa.Uuid(), nullable=True))
            batch_op.create_unique_constraint(
                op.f(f"uq_{table}_tenant_id_submission_key"), ["tenant_id", "submission_key"]
            )


def downgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(op.f(f"uq_{table}_tenant_id_submission_key"), type_="unique")
            batch_op.drop_column("submission_key")
