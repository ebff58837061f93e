"""The programme's copy of a referral holds the client's first name as long as the file
keeps it (clients.given_name, 120 characters): a longer name than 100 made the referral
fail with a 500 on PostgreSQL.

Revision ID: b4e7c1d9a2f6
Revises: d8e2f4a6b1c3
Create Date: 2026-12-06 22:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "b4e7c1d9a2f6"
down_revision = "d8e2f4a6b1c3"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("programme_referrals") as batch:
        batch.alter_column(
            "first_name",
            existing_type=sa.String(length=100),
            type_=sa.String(length=120),
            existing_nullable=True,
        )


def downgrade() -> None:
    with op.batch_alter_table("programme_referrals") as batch:
        batch.alter_column(
            "first_name",
            existing_type=sa.String(length=120),
            type_=sa.String(length=100),
            existing_nullable=True,
        )
