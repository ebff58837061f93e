"""The platform's record of removed municipalities (``flask tenants remove``).

A shared table without personal data that outlives the municipality's rows. Read-only
for the portal role, like ``tenants``: only the owner (the CLI) writes it.

Revision ID: 3b8e51c0d7a2
Revises: a7c3e5f9b2d4
Create Date: 2026-12-01 21:30:00

"""

import sqlalchemy as sa
from alembic import op

from app.core import rls

revision = "3b8e51c0d7a2"
down_revision = "a7c3e91f5b20"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "tenant_removals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("former_tenant_id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("removed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("export_checksum", sa.String(length=64), nullable=False),
        sa.Column("counts", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tenant_removals")),
    )
    rls.grant_read_only("tenant_removals")


def downgrade() -> None:
    op.drop_table("tenant_removals")
