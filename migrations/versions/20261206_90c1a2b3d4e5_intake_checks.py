"""The check list of the intake: documents whose citizen number belongs to a known client
with another date of birth or name wait here for a case worker (``intake_checks``).
Tenant-owned with RLS; the regional read is not declared (off).

The access log stays append-only but for one column: when a tenant admin merges two
clients, the merged client's entries are made to name the client that stays, so the
portal role may update ``access_log.client_id`` (and nothing else of the log).

Revision ID: 90c1a2b3d4e5
Revises: 5f2c8a1e9b37
Create Date: 2026-12-06 04:00:00

"""

import sqlalchemy as sa
from alembic import op

from app.core import rls

revision = "90c1a2b3d4e5"
down_revision = "5f2c8a1e9b37"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "intake_checks",
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("client_id", sa.Uuid(), nullable=False),
        sa.Column("message_key", sa.String(length=220), nullable=False),
        sa.Column("source", sa.String(length=10), nullable=False),
        sa.Column("document", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=20), server_default="waiting", nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_by_id", sa.Uuid(), nullable=True),
        sa.CheckConstraint(
            "status IN ('waiting', 'same_person', 'other_person', 'refused')",
            name=op.f("ck_intake_checks_status"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_intake_checks_tenant_id_tenants")
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "client_id"],
            ["clients.tenant_id", "clients.id"],
            name=op.f("fk_intake_checks_tenant_id_client_id_clients"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "decided_by_id"],
            ["users.tenant_id", "users.id"],
            name=op.f("fk_intake_checks_tenant_id_decided_by_id_users"),
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_intake_checks")),
        sa.UniqueConstraint(
            "tenant_id", "message_key", name=op.f("uq_intake_checks_tenant_id_message_key")
        ),
    )
    op.create_index(
        "ix_intake_checks_tenant_id_client_id", "intake_checks", ["tenant_id", "client_id"]
    )
    op.create_index(
        "ix_intake_checks_tenant_id_decided_by_id",
        "intake_checks",
        ["tenant_id", "decided_by_id"],
    )
    op.create_index("ix_intake_checks_tenant_id_status", "intake_checks", ["tenant_id", "status"])
    rls.protect_tenant_table("intake_checks")
    if rls.is_postgresql():
        op.execute(f"GRANT UPDATE (client_id) ON access_log TO {rls.app_role()}")


def downgrade() -> None:
    if rls.is_postgresql():
        op.execute(f"REVOKE UPDATE (client_id) ON access_log FROM {rls.app_role()}")
    op.drop_table("intake_checks")
