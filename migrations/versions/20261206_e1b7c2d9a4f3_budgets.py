"""Budgets: per municipality and year the planning figures, budget lines, approvals to go
beyond the budget and the commitment of each handed-over trajectory. Tenant-owned with
RLS, and on the regional-read allow-list: the centre municipality holds the national grant
and accounts for the region's money (no personal data in these tables).

Revision ID: e1b7c2d9a4f3
Revises: f1a8c3d5e7b9
Create Date: 2026-12-06 02:10:00

"""

import sqlalchemy as sa
from alembic import op

from app.core import rls

revision = "e1b7c2d9a4f3"
down_revision = "f1a8c3d5e7b9"
branch_labels = None
depends_on = None

TABLES = ("budget_years", "budget_lines", "budget_approvals", "budget_commitments")


def _owner(table: str):
    return (
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f(f"fk_{table}_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f(f"pk_{table}")),
    )


def upgrade() -> None:
    op.create_table(
        "budget_years",
        *_owner("budget_years"),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("trajectory_cost_cents", sa.Integer(), nullable=False),
        sa.Column("expected_trajectories", sa.Integer(), nullable=False),
        sa.UniqueConstraint("tenant_id", "year", name=op.f("uq_budget_years_tenant_id_year")),
    )
    op.create_table(
        "budget_lines",
        *_owner("budget_lines"),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("amount_cents", sa.Integer(), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("recorded_by", sa.String(length=200), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("submission_key", sa.Uuid(), nullable=True),
        sa.CheckConstraint(
            "source IN ('municipal', 'grant', 'other')", name=op.f("ck_budget_lines_source")
        ),
        sa.UniqueConstraint(
            "tenant_id", "submission_key", name=op.f("uq_budget_lines_tenant_id_submission_key")
        ),
    )
    op.create_index("ix_budget_lines_tenant_id_year", "budget_lines", ["tenant_id", "year"])
    op.create_table(
        "budget_approvals",
        *_owner("budget_approvals"),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("approved_by", sa.String(length=200), nullable=False),
        sa.Column("approved_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_for_trajectory_id", sa.Uuid(), nullable=True),
        sa.Column("submission_key", sa.Uuid(), nullable=True),
        sa.UniqueConstraint(
            "tenant_id",
            "submission_key",
            name=op.f("uq_budget_approvals_tenant_id_submission_key"),
        ),
    )
    op.create_index(
        "ix_budget_approvals_tenant_id_year", "budget_approvals", ["tenant_id", "year"]
    )
    op.create_table(
        "budget_commitments",
        *_owner("budget_commitments"),
        sa.Column("trajectory_id", sa.Uuid(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("amount_cents", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("approval_id", sa.Uuid(), nullable=True),
        sa.Column("committed_by", sa.String(length=200), nullable=False),
        sa.Column("committed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("invoice_amount_cents", sa.Integer(), nullable=True),
        sa.Column("invoice_date", sa.Date(), nullable=True),
        sa.Column("invoice_reference", sa.String(length=100), nullable=True),
        sa.Column("cancelled_by", sa.String(length=200), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "status IN ('committed', 'spent', 'cancelled')",
            name=op.f("ck_budget_commitments_status"),
        ),
        sa.UniqueConstraint(
            "tenant_id",
            "trajectory_id",
            name=op.f("uq_budget_commitments_tenant_id_trajectory_id"),
        ),
    )
    op.create_index(
        "ix_budget_commitments_tenant_id_year", "budget_commitments", ["tenant_id", "year"]
    )
    for table in TABLES:
        rls.protect_tenant_table(table)
        # Frozen: regions (and ``app_regional_tenants``) came later; that migration
        # rewrites every regional-read policy it finds, these included.
        rls.create_regional_read_policy(table, "(SELECT app_regional_read())")


def downgrade() -> None:
    for table in reversed(TABLES):
        op.drop_table(table)
