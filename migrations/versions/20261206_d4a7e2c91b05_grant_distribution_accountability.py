"""The region's national grant: computed distributions (immutable: the portal role may
only insert and read them), their approvals (one current per year), what the centre
spends for the region, the accountability reports, and the link of a budget line to the
approved distribution it came from (one such line per municipality and year).

Revision ID: d4a7e2c91b05
Revises: b1c7e3a9d5f2
Create Date: 2026-12-06 04:20:00

"""

import sqlalchemy as sa
from alembic import op

from app.core import rls

revision = "d4a7e2c91b05"
down_revision = "b1c7e3a9d5f2"
branch_labels = None
depends_on = None


def _owner(table: str):
    return (
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f(f"fk_{table}_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f(f"pk_{table}")),
    )


def _submission_key(table: str):
    return (
        sa.Column("submission_key", sa.Uuid(), nullable=True),
        sa.UniqueConstraint(
            "tenant_id", "submission_key", name=op.f(f"uq_{table}_tenant_id_submission_key")
        ),
    )


def upgrade() -> None:
    op.create_table(
        "grant_distributions",
        *_owner("grant_distributions"),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("total_cents", sa.Integer(), nullable=False),
        sa.Column("key_kind", sa.String(length=20), nullable=False),
        sa.Column("reference_year", sa.Integer(), nullable=True),
        sa.Column("computed_by", sa.String(length=200), nullable=False),
        sa.Column("computed_by_id", sa.Uuid(), nullable=True),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        *_submission_key("grant_distributions"),
        sa.CheckConstraint(
            "key_kind IN ('ex_detainees', 'fixed_share')",
            name=op.f("ck_grant_distributions_key_kind"),
        ),
    )
    op.create_index(
        "ix_grant_distributions_tenant_id_year", "grant_distributions", ["tenant_id", "year"]
    )
    op.create_table(
        "grant_distribution_shares",
        *_owner("grant_distribution_shares"),
        sa.Column("distribution_id", sa.Uuid(), nullable=False),
        sa.Column("municipality_id", sa.Integer(), nullable=False),
        sa.Column("municipality_name", sa.String(length=120), nullable=False),
        sa.Column("weight", sa.Integer(), nullable=False),
        sa.Column("share_cents", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id", "distribution_id"],
            ["grant_distributions.tenant_id", "grant_distributions.id"],
            name=op.f("fk_grant_distribution_shares_tenant_id_grant_distributions"),
        ),
        sa.UniqueConstraint(
            "tenant_id",
            "distribution_id",
            "municipality_id",
            name=op.f("uq_grant_distribution_shares_tenant_id_distribution_id_municipality_id"),
        ),
    )
    op.create_table(
        "grant_distribution_approvals",
        *_owner("grant_distribution_approvals"),
        sa.Column("distribution_id", sa.Uuid(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("approved_by", sa.String(length=200), nullable=False),
        sa.Column("approved_by_id", sa.Uuid(), nullable=True),
        sa.Column("approved_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("supersedes_id", sa.Uuid(), nullable=True),
        sa.Column("superseded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("applied_at", sa.DateTime(timezone=True), nullable=True),
        *_submission_key("grant_distribution_approvals"),
        sa.ForeignKeyConstraint(
            ["tenant_id", "distribution_id"],
            ["grant_distributions.tenant_id", "grant_distributions.id"],
            name=op.f("fk_grant_distribution_approvals_tenant_id_grant_distributions"),
        ),
    )
    op.create_index(
        "ix_grant_distribution_approvals_tenant_id_distribution_id",
        "grant_distribution_approvals",
        ["tenant_id", "distribution_id"],
    )
    op.create_index(
        "uq_grant_distribution_approvals_current",
        "grant_distribution_approvals",
        ["tenant_id", "year"],
        unique=True,
        postgresql_where=sa.text("superseded_at IS NULL"),
        sqlite_where=sa.text("superseded_at IS NULL"),
    )
    op.create_table(
        "regional_expenses",
        *_owner("regional_expenses"),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("amount_cents", sa.Integer(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("spent_on", sa.Date(), nullable=False),
        sa.Column("recorded_by", sa.String(length=200), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        *_submission_key("regional_expenses"),
    )
    op.create_index(
        "ix_regional_expenses_tenant_id_year", "regional_expenses", ["tenant_id", "year"]
    )
    op.create_table(
        "accountability_reports",
        *_owner("accountability_reports"),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("requested_by", sa.String(length=200), nullable=False),
        sa.Column("requested_by_id", sa.Uuid(), nullable=True),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("total_steps", sa.Integer(), nullable=False),
        sa.Column("done_steps", sa.Integer(), nullable=False),
        sa.Column("content", sa.JSON(), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index(
        "ix_accountability_reports_tenant_id_year",
        "accountability_reports",
        ["tenant_id", "year"],
    )
    with op.batch_alter_table("budget_lines") as batch:
        batch.add_column(sa.Column("grant_approval_id", sa.Uuid(), nullable=True))
    op.create_index(
        "uq_budget_lines_grant_share",
        "budget_lines",
        ["tenant_id", "year"],
        unique=True,
        postgresql_where=sa.text("grant_approval_id IS NOT NULL"),
        sqlite_where=sa.text("grant_approval_id IS NOT NULL"),
    )
    # A computed distribution is never changed: insert and read only.
    rls.protect_tenant_table("grant_distributions", append_only=True)
    rls.protect_tenant_table("grant_distribution_shares", append_only=True)
    for table in ("grant_distribution_approvals", "regional_expenses", "accountability_reports"):
        rls.protect_tenant_table(table)


def downgrade() -> None:
    op.drop_index("uq_budget_lines_grant_share", table_name="budget_lines")
    with op.batch_alter_table("budget_lines") as batch:
        batch.drop_column("grant_approval_id")
    for table in (
        "accountability_reports",
        "regional_expenses",
        "grant_distribution_approvals",
        "grant_distribution_shares",
        "grant_distributions",
    ):
        op.drop_table(table)
