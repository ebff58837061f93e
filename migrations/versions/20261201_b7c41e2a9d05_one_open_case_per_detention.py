"""One open case per client and detention (a partial unique index), and the stored
intake uploads that a background job works through.

Two intakes of one detention at once made two cases: nothing in the database held
them apart. Open cases that already doubled must be merged or closed by hand before
this runs (the index build names the first duplicate it finds).

Revision ID: b7c41e2a9d05
Revises: a7c3e5f9b2d4
Create Date: 2026-12-01 21:00:00

"""

import sqlalchemy as sa
from alembic import op

from app.core import rls

revision = "b7c41e2a9d05"
down_revision = "6336666236a2"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "uq_cases_open_detention",
        "cases",
        ["tenant_id", "client_id", "detention_start"],
        unique=True,
        postgresql_where=sa.text("phase <> 'closed'"),
        sqlite_where=sa.text("phase <> 'closed'"),
        postgresql_nulls_not_distinct=True,
    )
    op.create_table(
        "intake_uploads",
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=True),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("uploaded_by_id", sa.Uuid(), nullable=True),
        sa.Column("total_rows", sa.Integer(), nullable=False),
        sa.Column("processed_rows", sa.Integer(), nullable=False),
        sa.Column("report", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["tenant_id", "uploaded_by_id"],
            ["users.tenant_id", "users.id"],
            name=op.f("fk_intake_uploads_tenant_id_uploaded_by_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_intake_uploads_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_intake_uploads")),
    )
    op.create_index(
        "ix_intake_uploads_tenant_id_uploaded_by_id",
        "intake_uploads",
        ["tenant_id", "uploaded_by_id"],
    )
    op.create_index(
        "ix_intake_uploads_tenant_id_content_hash", "intake_uploads", ["tenant_id", "content_hash"]
    )
    # The uploaded file is the municipality's own work in progress, not the case file.
    rls.protect_tenant_table("intake_uploads", regional_read=False)


def downgrade() -> None:
    op.drop_table("intake_uploads")
    op.drop_index("uq_cases_open_detention", table_name="cases")
