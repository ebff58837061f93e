"""Regions as data: ``tenants.region`` groups municipalities, one centre per region; the
regional read reaches the centre's own region only.

An existing installation is one region: its rows get the centre's slug as their region
(or their own slug when there is no centre). A fresh installation has no rows here: the
municipalities are added by ``flask tenants add`` / ``add-region-defaults`` (the first
migration no longer writes the five of the Deventer region; installations that ran it
keep their rows, which this migration puts in one region).

Every ``regional_read`` policy (found in the catalogue, not listed) is rewritten from
``(SELECT app_regional_read())``, true for any centre, to
``tenant_id = ANY ((SELECT app_regional_tenants()))``: the ids of the bound centre's
region, one init plan per statement.

Revision ID: 5f2c8a1e9b37
Revises: e1c4a7b9d2f3
Create Date: 2026-12-06 02:00:00

"""

import sqlalchemy as sa
from alembic import op

from app.core import rls

revision = "5f2c8a1e9b37"
down_revision = "e1c4a7b9d2f3"
branch_labels = None
depends_on = None

OLD_CONDITION = "(SELECT app_regional_read())"


def _regional_tables() -> list[str]:
    rows = op.get_bind().execute(
        sa.text(
            "SELECT tablename FROM pg_policies WHERE schemaname = 'public'"
            " AND policyname = 'regional_read' ORDER BY tablename"
        )
    )
    return [name for (name,) in rows]


def upgrade() -> None:
    with op.batch_alter_table("tenants") as batch:
        batch.add_column(sa.Column("region", sa.String(length=40), nullable=True))
    op.execute(
        "UPDATE tenants SET region = coalesce("
        "(SELECT centre.slug FROM tenants AS centre WHERE centre.is_centre"
        " ORDER BY centre.id LIMIT 1), slug)"
    )
    with op.batch_alter_table("tenants") as batch:
        batch.alter_column("region", existing_type=sa.String(length=40), nullable=False)
    op.create_index("ix_tenants_region", "tenants", ["region"])
    op.create_index(
        "uq_tenants_region_centre",
        "tenants",
        ["region"],
        unique=True,
        postgresql_where=sa.text("is_centre"),
        sqlite_where=sa.text("is_centre"),
    )
    if rls.is_postgresql():
        rls.create_region_functions()
        for table in _regional_tables():
            rls.drop_regional_read_policy(table)
            rls.create_regional_read_policy(table)


def downgrade() -> None:
    if rls.is_postgresql():
        for table in _regional_tables():
            rls.drop_regional_read_policy(table)
            rls.create_regional_read_policy(table, OLD_CONDITION)
        op.execute("DROP FUNCTION IF EXISTS app_regional_tenants()")
    op.drop_index("uq_tenants_region_centre", table_name="tenants")
    op.drop_index("ix_tenants_region", table_name="tenants")
    with op.batch_alter_table("tenants") as batch:
        batch.drop_column("region")
