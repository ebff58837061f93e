"""Row-level security and grants for PostgreSQL, used by the migrations.

The schema is owned by the migration role; the portal connects as
``DB_APP_ROLE``, which owns nothing, is neither superuser nor BYPASSRLS and gets
DML grants only. Every tenant-owned table gets RLS enabled and forced with one
policy for reads and writes on ``tenant_id = (SELECT app_current_tenant())``; a table of the
case file (its model declares ``__regional_read__ = True``) gets a second,
select-only policy for the regional read of a region's centre municipality.

PostgreSQL ORs the two permissive policies into
``tenant_id = (SELECT app_current_tenant()) OR tenant_id = ANY ((SELECT app_regional_tenants()))``:
each sub-select (the bound tenant; the centre's region, empty unless its regional read is
on) is an init plan, evaluated once per statement instead of once per row, and keeps
the planner's row estimates (PITFALLS: a name search went from 15 ms to 3.4 s).

Migrations call these helpers instead of writing the SQL again, so a new table
needs one line: ``rls.protect_tenant_table("notes")``. The catalogue test in
``tests/core/test_rls_catalogue.py`` fails the build when one is forgotten.
"""

from __future__ import annotations

import os
import re

from alembic import op

_IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


def app_role() -> str:
    role = os.environ.get("DB_APP_ROLE", "nazorg_app")
    if not _IDENTIFIER.match(role):
        raise ValueError(f"DB_APP_ROLE {role!r} is not a plain lower-case identifier")
    return role


def _identifier(name: str) -> str:
    if not _IDENTIFIER.match(name):
        raise ValueError(f"{name!r} is not a plain lower-case identifier")
    return name


def is_postgresql() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def create_context_functions() -> None:
    """The STABLE functions the policies compare against (PITFALLS: NULLIF for '')."""
    if not is_postgresql():
        return
    role = app_role()
    op.execute(
        """
        CREATE OR REPLACE FUNCTION app_current_tenant() RETURNS integer
        LANGUAGE sql STABLE PARALLEL SAFE AS
        $$ SELECT NULLIF(current_setting('app.tenant_id', true), '')::integer $$
        """
    )
    # The regional read counts only for a session bound to the centre municipality.
    op.execute(
        """
        CREATE OR REPLACE FUNCTION app_regional_read() RETURNS boolean
        LANGUAGE sql STABLE AS
        $$ SELECT coalesce(current_setting('app.regional_read', true), '') = 'on'
               AND EXISTS (SELECT 1 FROM tenants
                           WHERE id = app_current_tenant() AND is_centre) $$
        """
    )
    op.execute(f"GRANT USAGE ON SCHEMA public TO {role}")
    op.execute(f"GRANT EXECUTE ON FUNCTION app_current_tenant() TO {role}")
    op.execute(f"GRANT EXECUTE ON FUNCTION app_regional_read() TO {role}")


def create_region_functions() -> None:
    """``app_regional_tenants()``: the ids of the municipalities in the region of the bound
    centre municipality while its regional read is on, else none. Regions are rows
    (``tenants.region``), so the policy follows the data, never a hard-coded centre.
    Migration c6d2e8f4a1b7 rewrote it in PL/pgSQL (an SQL function like this one is
    planned again at every call)."""
    if not is_postgresql():
        return
    op.execute(
        """
        CREATE OR REPLACE FUNCTION app_regional_tenants() RETURNS integer[]
        LANGUAGE sql STABLE AS
        $$ SELECT coalesce(array_agg(member.id), '{}')
               FROM tenants AS centre
               JOIN tenants AS member ON member.region = centre.region
              WHERE coalesce(current_setting('app.regional_read', true), '') = 'on'
                AND centre.id = app_current_tenant()
                AND centre.is_centre $$
        """
    )
    op.execute(f"GRANT EXECUTE ON FUNCTION app_regional_tenants() TO {app_role()}")


# The sub-select is one init plan per statement; the row filter is a plain ``= ANY``.
REGIONAL_READ_CONDITION = "tenant_id = ANY ((SELECT app_regional_tenants())::integer[])"
# The same for the tenant: ``app_current_tenant()`` as such is STABLE, not constant, and
# was evaluated for every row a statement read (current_setting, NULLIF, a cast): the
# case list's count of up to 1,001 ids took 2.2 ms instead of 0.13 (2026-12-07).
TENANT_CONDITION = "tenant_id = (SELECT app_current_tenant())"


def protect_tenant_table(
    table: str, *, append_only: bool = False, regional_read: bool = False
) -> None:
    """RLS enabled and forced, the tenant policy, and grants: DML, or only SELECT and
    INSERT for an append-only log. ``regional_read``: the centre municipality's regional
    read may see the rows too; off unless the table's model declares
    ``__regional_read__ = True`` (the case file and the budget tables, never accounts,
    sessions, secrets, logs or settings)."""
    if not is_postgresql():
        return
    table = _identifier(table)
    role = app_role()
    op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
    op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
    op.execute(
        f"CREATE POLICY tenant_isolation ON {table} "
        f"USING ({TENANT_CONDITION}) WITH CHECK ({TENANT_CONDITION})"
    )
    if regional_read:
        create_regional_read_policy(table)
    privileges = "SELECT, INSERT" if append_only else "SELECT, INSERT, UPDATE, DELETE"
    op.execute(f"GRANT {privileges} ON {table} TO {role}")


def create_regional_read_policy(table: str, condition: str = REGIONAL_READ_CONDITION) -> None:
    """The select-only policy of the regional read, its region evaluated once per statement.
    ``condition``: a migration that ran before regions existed passes its own (frozen)."""
    if not is_postgresql():
        return
    op.execute(
        f"CREATE POLICY regional_read ON {_identifier(table)} FOR SELECT USING ({condition})"
    )


def drop_regional_read_policy(table: str) -> None:
    if not is_postgresql():
        return
    op.execute(f"DROP POLICY IF EXISTS regional_read ON {_identifier(table)}")


def grant_read_write(table: str) -> None:
    """A shared table the portal maintains itself (no tenant owns its rows)."""
    if not is_postgresql():
        return
    op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON {_identifier(table)} TO {app_role()}")


def grant_read_only(table: str) -> None:
    """A shared reference table: every tenant reads it, the portal never writes it."""
    if not is_postgresql():
        return
    op.execute(f"GRANT SELECT ON {_identifier(table)} TO {app_role()}")
