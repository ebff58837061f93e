"""Clients carry a version: a stale case-details form cannot overwrite an address that
someone changed since (the same optimistic lock as cases and life domains).

Revision ID: e6303f233de4
Revises: e4a2b9c7d1f0
Create Date: 2026-11-29 12:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "e6303f233de4"
down_revision = "e4a2b9c7d1f0"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("clients", schema=None) as batch_op:
        batch_op.add_column(sa.Column("version", sa.Integer(), nullable=False, server_default="1"))


def downgrade() -> None:
    with op.batch_alter_table("clients", schema=None) as batch_op:
        batch_op.drop_column("version")
