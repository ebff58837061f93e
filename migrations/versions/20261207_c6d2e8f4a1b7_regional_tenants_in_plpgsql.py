"""``app_regional_tenants()`` in PL/pgSQL, returning at once when no regional read is on.

As an SQL function that PostgreSQL cannot inline (an aggregate over a join), its body was
planned again at every call: 0.2 ms for each statement that evaluated the regional arm of
a policy, whether the regional read was on or not (2026-12-07, national scale: in a
bitmap OR over the cases both arms are evaluated; under the regional read every
statement evaluates it once per table). PL/pgSQL keeps its statement's plan for the
session, and without the regional read it reads nothing at all. Same result, same
grants (``CREATE OR REPLACE`` keeps them).

Revision ID: c6d2e8f4a1b7
Revises: b8e4f1a2c9d3
Create Date: 2026-12-07 07:00:00

"""

from alembic import op

from app.core import rls

revision = "c6d2e8f4a1b7"
down_revision = "b8e4f1a2c9d3"
branch_labels = None
depends_on = None

# Both bodies frozen here: the helper in app.core.rls wrote the earlier one.
PLPGSQL = """
CREATE OR REPLACE FUNCTION app_regional_tenants() RETURNS integer[]
LANGUAGE plpgsql STABLE AS
$$
BEGIN
    IF coalesce(current_setting('app.regional_read', true), '') <> 'on' THEN
        RETURN '{}';
    END IF;
    RETURN (
        SELECT coalesce(array_agg(member.id), '{}')
          FROM tenants AS centre
          JOIN tenants AS member ON member.region = centre.region
         WHERE centre.id = app_current_tenant()
           AND centre.is_centre
    );
END
$$
"""
SQL = """
CREATE OR REPLACE FUNCTION app_regional_tenants() RETURNS integer[]
LANGUAGE sql STABLE AS
$$ SELECT coalesce(array_agg(member.id), '{}')
       FROM tenants AS centre
       JOIN tenants AS member ON member.region = centre.region
      WHERE coalesce(current_setting('app.regional_read', true), '') = 'on'
        AND centre.id = app_current_tenant()
        AND centre.is_centre $$
"""


def upgrade() -> None:
    if rls.is_postgresql():
        op.execute(PLPGSQL)


def downgrade() -> None:
    if rls.is_postgresql():
        op.execute(SQL)
