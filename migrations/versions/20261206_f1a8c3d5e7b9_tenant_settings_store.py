"""One per-tenant settings store: ``tenant_settings`` (tenant_id, key, value as JSON).

The file settings of ``case_settings`` (sixth life domain, the trajectory's default cost,
the care director) and the retention periods of ``retention_policies`` move into it; the
values each municipality saved are copied. ``case_settings`` keeps the intake API token
(a credential, not a setting of the page); ``retention_policies`` is dropped.

Revision ID: f1a8c3d5e7b9
Revises: e4f1a7c2b9d3
Create Date: 2026-12-06 02:10:00

"""

import uuid
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

from app.core import rls

revision = "f1a8c3d5e7b9"
down_revision = "e4f1a7c2b9d3"
branch_labels = None
depends_on = None

CASE_KEYS = {
    "social_network_domain": ("cases.social_network_domain", lambda v: bool(v)),
    "trajectory_default_cost_cents": (
        "cases.trajectory_default_cost_euros",
        lambda v: int(v or 0) // 100,
    ),
    "care_director_name": ("cases.care_director_name", lambda v: v),
}
RETENTION_KEYS = (
    "closed_case_years",
    "detention_notice_months",
    "access_log_years",
    "security_log_years",
)

settings = sa.table(
    "tenant_settings",
    sa.column("tenant_id", sa.Integer),
    sa.column("id", sa.Uuid),
    sa.column("key", sa.String),
    sa.column("value", sa.JSON),
    sa.column("version", sa.Integer),
    sa.column("created_at", sa.DateTime(timezone=True)),
    sa.column("updated_at", sa.DateTime(timezone=True)),
)


def upgrade():
    op.create_table(
        "tenant_settings",
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("key", sa.String(length=80), nullable=False),
        sa.Column("value", sa.JSON(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_tenant_settings_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_tenant_settings")),
        sa.UniqueConstraint("tenant_id", "key", name=op.f("uq_tenant_settings_tenant_id_key")),
    )
    rls.protect_tenant_table("tenant_settings")

    # The copy runs as the owner across every tenant: forced RLS would show it no rows.
    copied = ("case_settings", "retention_policies", "tenant_settings")
    if rls.is_postgresql():
        for table in copied:
            op.execute(f"ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY")
    _copy_values()
    if rls.is_postgresql():
        for table in copied:
            op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")

    with op.batch_alter_table("case_settings", schema=None) as batch_op:
        batch_op.drop_column("social_network_domain")
        batch_op.drop_column("trajectory_default_cost_cents")
        batch_op.drop_column("care_director_name")
    op.drop_table("retention_policies")


def _copy_values():
    bind = op.get_bind()
    rows = []
    stamp = datetime.now(UTC)
    for row in bind.execute(
        sa.text(
            "SELECT tenant_id, social_network_domain, trajectory_default_cost_cents, "
            "care_director_name FROM case_settings"
        )
    ).mappings():
        for column, (key, convert) in CASE_KEYS.items():
            rows.append((row["tenant_id"], key, convert(row[column])))
    for row in bind.execute(
        sa.text(f"SELECT tenant_id, {', '.join(RETENTION_KEYS)} FROM retention_policies")  # noqa: S608
    ).mappings():
        for column in RETENTION_KEYS:
            rows.append((row["tenant_id"], f"retention.{column}", int(row[column])))
    if rows:
        op.bulk_insert(
            settings,
            [
                {
                    "tenant_id": tenant_id,
                    "id": uuid.uuid4(),
                    "key": key,
                    "value": value,
                    "version": 1,
                    "created_at": stamp,
                    "updated_at": stamp,
                }
                for tenant_id, key, value in rows
            ],
        )


def downgrade():
    op.create_table(
        "retention_policies",
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("closed_case_years", sa.Integer(), nullable=False, server_default="10"),
        sa.Column("detention_notice_months", sa.Integer(), nullable=False, server_default="6"),
        sa.Column("access_log_years", sa.Integer(), nullable=False, server_default="5"),
        sa.Column("security_log_years", sa.Integer(), nullable=False, server_default="5"),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_retention_policies_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_retention_policies")),
        sa.UniqueConstraint("tenant_id", name=op.f("uq_retention_policies_tenant_id")),
    )
    rls.protect_tenant_table("retention_policies")
    with op.batch_alter_table("case_settings", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "social_network_domain", sa.Boolean(), nullable=False, server_default=sa.false()
            )
        )
        batch_op.add_column(
            sa.Column(
                "trajectory_default_cost_cents",
                sa.Integer(),
                nullable=False,
                server_default="150000",
            )
        )
        batch_op.add_column(
            sa.Column(
                "care_director_name", sa.String(200), nullable=False, server_default="Regizorg BV"
            )
        )
    op.drop_table("tenant_settings")
