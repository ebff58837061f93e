"""Access log of client data (NEN 7513), append-only for the portal role.

Revision ID: b7c1e0a4d2f3
Revises: f78e9efb473a
Create Date: 2026-11-29 07:40:00

"""

import sqlalchemy as sa
from alembic import op

from app.core import rls

revision = "b7c1e0a4d2f3"
down_revision = "f78e9efb473a"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "access_log",
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("user_name", sa.String(length=200), nullable=False),
        sa.Column("actor_tenant_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=40), nullable=False),
        sa.Column("on_behalf_of", sa.Uuid(), nullable=True),
        sa.Column("client_id", sa.Uuid(), nullable=True),
        sa.Column("object_type", sa.String(length=40), nullable=False),
        sa.Column("object_id", sa.String(length=64), nullable=True),
        sa.Column("action", sa.String(length=20), nullable=False),
        sa.Column("result", sa.String(length=20), nullable=False),
        sa.Column("origin", sa.String(length=64), nullable=True),
        sa.Column("detail", sa.String(length=300), nullable=True),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_access_log_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_access_log")),
    )
    op.create_index(
        "ix_access_log_tenant_id_client_id_occurred_at",
        "access_log",
        ["tenant_id", "client_id", "occurred_at"],
    )
    op.create_index(
        "ix_access_log_tenant_id_user_id_occurred_at",
        "access_log",
        ["tenant_id", "user_id", "occurred_at"],
    )
    rls.protect_tenant_table("access_log", append_only=True)


def downgrade():
    op.drop_table("access_log")
