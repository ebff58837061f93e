"""Tasks added by hand, consent recordings and task templates keep the one-time key of the form that made
them, unique per municipality: the same form posted twice (a double click) makes one row.

Revision ID: 6a320d87e228
Revises: b7c41e2a9d05
Create Date: 2026-12-01 21:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "6a320d87e228"
down_revision = "b7c41e2a9d05"
branch_labels = None
depends_on = None

TABLES = ("tasks", "domain_consents", "task_templates")


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
