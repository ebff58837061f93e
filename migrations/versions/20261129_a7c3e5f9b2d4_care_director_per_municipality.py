"""The care director who carries out a municipality's trajectories is its own setting.

Revision ID: a7c3e5f9b2d4
Revises: fe2dbe6df24f
Create Date: 2026-11-29 10:30:00

"""

import sqlalchemy as sa
from alembic import op

revision = "a7c3e5f9b2d4"
down_revision = "fe2dbe6df24f"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("case_settings") as batch:
        batch.add_column(
            sa.Column(
                "care_director_name",
                sa.String(length=200),
                nullable=False,
                server_default="Regizorg BV",
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("case_settings") as batch:
        batch.drop_column("care_director_name")
