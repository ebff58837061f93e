"""The circle programme's matching runs, circle reviews, invitation acceptance, signal
handling, and the referral's postcode area and offence kinds (for the matching).

Revision ID: c2a4e6b8d0f1
Revises: d4a7e2c91b05
Create Date: 2026-12-06 04:00:00

"""

import sqlalchemy as sa
from alembic import op

from app.core import rls

revision = "c2a4e6b8d0f1"
down_revision = "d4a7e2c91b05"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("programme_referrals") as batch:
        batch.add_column(sa.Column("postcode_area", sa.String(length=4), nullable=True))
        batch.add_column(sa.Column("offence_kinds", sa.JSON(), nullable=False, server_default="[]"))
    with op.batch_alter_table("circle_members") as batch:
        batch.add_column(sa.Column("accepted_on", sa.Date(), nullable=True))
    with op.batch_alter_table("circle_signals") as batch:
        batch.add_column(sa.Column("handled_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("handled_by", sa.String(length=200), nullable=True))
        batch.add_column(sa.Column("forwarded_at", sa.DateTime(timezone=True), nullable=True))

    op.create_table(
        "matching_runs",
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("requested_by", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("result", sa.JSON(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "status IN ('queued', 'done', 'failed')", name=op.f("ck_matching_runs_status")
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_matching_runs_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_matching_runs")),
    )
    rls.protect_tenant_table("matching_runs")

    op.create_table(
        "circle_reviews",
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("circle_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("author_name", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("kind IN ('quarterly', 'closing')", name=op.f("ck_circle_reviews_kind")),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_circle_reviews_tenant_id_tenants")
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "circle_id"],
            ["circles.tenant_id", "circles.id"],
            name=op.f("fk_circle_reviews_tenant_id_circle_id_circles"),
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_circle_reviews")),
    )
    op.create_index(
        "ix_circle_reviews_tenant_id_circle_id", "circle_reviews", ["tenant_id", "circle_id"]
    )
    rls.protect_tenant_table("circle_reviews")


def downgrade() -> None:
    op.drop_index("ix_circle_reviews_tenant_id_circle_id", table_name="circle_reviews")
    op.drop_table("circle_reviews")
    op.drop_table("matching_runs")
    with op.batch_alter_table("circle_signals") as batch:
        batch.drop_column("forwarded_at")
        batch.drop_column("handled_by")
        batch.drop_column("handled_at")
    with op.batch_alter_table("circle_members") as batch:
        batch.drop_column("accepted_on")
    with op.batch_alter_table("programme_referrals") as batch:
        batch.drop_column("offence_kinds")
        batch.drop_column("postcode_area")
