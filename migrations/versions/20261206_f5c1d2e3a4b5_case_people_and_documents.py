"""People involved in a case and its documents (stored in the database, with versions);
the complete exports a tenant admin starts (``tenant_exports``).

Revision ID: f5c1d2e3a4b5
Revises: a6d3f8b1c2e4
Create Date: 2026-12-06 04:20:00

"""

import sqlalchemy as sa
from alembic import op

from app.core import rls

revision = "f5c1d2e3a4b5"
down_revision = "a6d3f8b1c2e4"
branch_labels = None
depends_on = None

ROLES = ("prison_caseworker", "probation_officer", "gp", "housing_contact", "circle_coordinator")
EXPORT_STATUSES = ("queued", "running", "done", "failed", "expired")
KINDS = ("basic_document", "identity_paper", "consent_form", "letter", "other")


def _listed(values) -> str:
    return ", ".join(f"'{value}'" for value in values)


def upgrade() -> None:
    op.create_table(
        "case_people",
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("role", sa.String(length=30), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("organisation", sa.String(length=200), nullable=True),
        sa.Column("contact", sa.String(length=300), nullable=True),
        sa.Column("started_on", sa.Date(), nullable=True),
        sa.Column("ended_on", sa.Date(), nullable=True),
        sa.Column("end_reason", sa.Text(), nullable=True),
        sa.Column("recorded_by", sa.String(length=200), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("submission_key", sa.Uuid(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(f"role IN ({_listed(ROLES)})", name=op.f("ck_case_people_role")),
        sa.ForeignKeyConstraint(
            ["tenant_id", "case_id"],
            ["cases.tenant_id", "cases.id"],
            name=op.f("fk_case_people_tenant_id_case_id_cases"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_case_people_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_case_people")),
        sa.UniqueConstraint(
            "tenant_id", "submission_key", name=op.f("uq_case_people_tenant_id_submission_key")
        ),
    )
    op.create_index(
        "ix_case_people_tenant_id_case_id", "case_people", ["tenant_id", "case_id"], unique=False
    )
    rls.protect_tenant_table("case_people", regional_read=True)

    op.create_table(
        "case_documents",
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("series_id", sa.Uuid(), nullable=False),
        sa.Column("version_number", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("filename", sa.String(length=120), nullable=False),
        sa.Column("media_type", sa.String(length=60), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("content_sha256", sa.String(length=64), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("uploaded_by", sa.String(length=200), nullable=False),
        sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("submission_key", sa.Uuid(), nullable=True),
        sa.CheckConstraint(f"kind IN ({_listed(KINDS)})", name=op.f("ck_case_documents_kind")),
        sa.ForeignKeyConstraint(
            ["tenant_id", "case_id"],
            ["cases.tenant_id", "cases.id"],
            name=op.f("fk_case_documents_tenant_id_case_id_cases"),
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_case_documents_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_case_documents")),
        sa.UniqueConstraint(
            "tenant_id",
            "series_id",
            "version_number",
            name=op.f("uq_case_documents_tenant_id_series_id_version_number"),
        ),
        sa.UniqueConstraint(
            "tenant_id", "submission_key", name=op.f("uq_case_documents_tenant_id_submission_key")
        ),
    )
    op.create_index(
        "ix_case_documents_tenant_id_case_id",
        "case_documents",
        ["tenant_id", "case_id"],
        unique=False,
    )
    rls.protect_tenant_table("case_documents", regional_read=True)

    op.create_table(
        "tenant_exports",
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("started_by_id", sa.Uuid(), nullable=True),
        sa.Column("started_by_name", sa.String(length=200), nullable=False),
        sa.Column("tables_done", sa.Integer(), nullable=False),
        sa.Column("tables_total", sa.Integer(), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=True),
        sa.Column("size_bytes", sa.BigInteger(), nullable=True),
        sa.Column("checksum", sa.String(length=64), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            f"status IN ({_listed(EXPORT_STATUSES)})", name=op.f("ck_tenant_exports_status")
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_tenant_exports_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_tenant_exports")),
    )
    op.create_index(
        "ix_tenant_exports_tenant_id_created_at",
        "tenant_exports",
        ["tenant_id", "created_at"],
        unique=False,
    )
    rls.protect_tenant_table("tenant_exports")


def downgrade() -> None:
    op.drop_index("ix_tenant_exports_tenant_id_created_at", table_name="tenant_exports")
    op.drop_table("tenant_exports")
    op.drop_index("ix_case_documents_tenant_id_case_id", table_name="case_documents")
    op.drop_table("case_documents")
    op.drop_index("ix_case_people_tenant_id_case_id", table_name="case_people")
    op.drop_table("case_people")
