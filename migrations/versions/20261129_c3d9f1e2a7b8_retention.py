"""Retention: destruction dates on cases, per-tenant periods, the destruction list.

On PostgreSQL also two SECURITY DEFINER functions that purge old log rows for the
current tenant only, and never rows of the last year: the portal role itself may
not delete from the append-only logs.

Revision ID: c3d9f1e2a7b8
Revises: 84a13549e28e
Create Date: 2026-11-29 08:00:00

"""

import sqlalchemy as sa
from alembic import op

from app.core import rls

revision = "c3d9f1e2a7b8"
down_revision = "84a13549e28e"
branch_labels = None
depends_on = None

PURGE_FUNCTION = """
CREATE OR REPLACE FUNCTION {name}(cutoff timestamptz) RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
DECLARE removed integer;
BEGIN
  IF app_current_tenant() IS NULL THEN
    RAISE EXCEPTION 'no tenant in context';
  END IF;
  IF cutoff > now() - interval '1 year' THEN
    RAISE EXCEPTION 'log rows of the last year are never purged';
  END IF;
  DELETE FROM {table} WHERE tenant_id = app_current_tenant() AND occurred_at < cutoff;
  GET DIAGNOSTICS removed = ROW_COUNT;
  RETURN removed;
END $$
"""
PURGES = (("purge_access_log", "access_log"), ("purge_security_events", "security_events"))


def upgrade():
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.add_column(sa.Column("destroy_on", sa.Date(), nullable=True))
    op.create_table(
        "retention_policies",
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("closed_case_years", sa.Integer(), nullable=False),
        sa.Column("detention_notice_months", sa.Integer(), nullable=False),
        sa.Column("access_log_years", sa.Integer(), nullable=False),
        sa.Column("security_log_years", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"],
                                name=op.f("fk_retention_policies_tenant_id_tenants")),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_retention_policies")),
        sa.UniqueConstraint("tenant_id", name=op.f("uq_retention_policies_tenant_id")),
    )
    op.create_table(
        "destruction_log",
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("destroyed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("rule", sa.String(length=40), nullable=False),
        sa.Column("record_type", sa.String(length=40), nullable=False),
        sa.Column("record_id", sa.String(length=64), nullable=True),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("counts", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"],
                                name=op.f("fk_destruction_log_tenant_id_tenants")),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_destruction_log")),
    )
    rls.protect_tenant_table("retention_policies")
    rls.protect_tenant_table("destruction_log", append_only=True)
    if rls.is_postgresql():
        role = rls.app_role()
        for name, table in PURGES:
            op.execute(PURGE_FUNCTION.format(name=name, table=table))
            op.execute(f"REVOKE ALL ON FUNCTION {name}(timestamptz) FROM PUBLIC")
            op.execute(f"GRANT EXECUTE ON FUNCTION {name}(timestamptz) TO {role}")


def downgrade():
    if rls.is_postgresql():
        for name, _table in PURGES:
            op.execute(f"DROP FUNCTION IF EXISTS {name}(timestamptz)")
    op.drop_table("destruction_log")
    op.drop_table("retention_policies")
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_column("destroy_on")
