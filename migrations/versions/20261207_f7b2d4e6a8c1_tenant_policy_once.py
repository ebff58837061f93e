"""The tenant policy evaluates the bound tenant once per statement: every
``tenant_isolation`` policy becomes ``tenant_id = (SELECT app_current_tenant())``, an
init plan, as the regional read's policy already is. As a plain function call it was
evaluated for every row a statement read (current_setting, NULLIF and a cast each time):
the case list's capped count of 1,001 case ids took 2.2 ms instead of 0.13 at 20,000
cases a municipality.

Revision ID: f7b2d4e6a8c1
Revises: e5a9c3b7d1f2
Create Date: 2026-12-07 01:20:00

"""

import sqlalchemy as sa
from alembic import op

from app.core import rls

revision = "f7b2d4e6a8c1"
down_revision = "e5a9c3b7d1f2"
branch_labels = None
depends_on = None

# What the policies said before (frozen: the helper's text may change again).
EARLIER = "tenant_id = app_current_tenant()"


def _tables() -> list[str]:
    rows = op.get_bind().execute(
        sa.text(
            "SELECT tablename FROM pg_policies "
            "WHERE schemaname = 'public' AND policyname = 'tenant_isolation' ORDER BY tablename"
        )
    )
    return [row.tablename for row in rows]


def _set(condition: str) -> None:
    if not rls.is_postgresql():
        return
    for table in _tables():
        op.execute(
            f"ALTER POLICY tenant_isolation ON {rls._identifier(table)} "
            f"USING ({condition}) WITH CHECK ({condition})"
        )


def upgrade() -> None:
    _set("tenant_id = (SELECT app_current_tenant())")


def downgrade() -> None:
    _set(EARLIER)
