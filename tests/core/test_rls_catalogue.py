"""The catalogue check: every tenant-owned table is protected, the portal role is powerless."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, text

from app.core.db import SharedTable, TenantScoped, declares_regional_read
from app.extensions import db
from tests.conftest import MIGRATION_DATABASE_URL

SHARED_TABLES = {"tenants", "alembic_version"}


def test_every_model_declares_tenant_scoped_or_shared(app):
    for mapper in db.Model.registry.mappers:
        cls = mapper.class_
        assert issubclass(cls, TenantScoped) != issubclass(cls, SharedTable), (
            f"{cls.__name__} must be exactly one of TenantScoped or SharedTable"
        )


def test_tenant_owned_keys_lead_with_tenant_id(app):
    for table in db.metadata.sorted_tables:
        if "tenant_id" not in table.c or table.name in SHARED_TABLES:
            continue
        assert [c.name for c in table.primary_key.columns][0] == "tenant_id", table.name
        for constraint in table.foreign_key_constraints:
            referred = constraint.referred_table.name
            if referred in SHARED_TABLES:
                continue
            assert "tenant_id" in constraint.column_keys, f"{table.name} -> {referred}"
        for unique in table.constraints:
            if unique.__class__.__name__ == "UniqueConstraint":
                assert "tenant_id" in unique.columns, f"{table.name}: {unique.name}"


@pytest.mark.postgres
def test_every_table_with_tenant_id_has_forced_rls_and_a_policy(app):
    owner = create_engine(MIGRATION_DATABASE_URL)
    with owner.connect() as connection:
        tables = connection.execute(
            text(
                """
            SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity,
                   pg_get_userbyid(c.relowner) AS owner,
                   (SELECT count(*) FROM pg_policy p WHERE p.polrelid = c.oid) AS policies
            FROM pg_class c
            JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')
              AND EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid
                          AND a.attname = 'tenant_id' AND NOT a.attisdropped)
            """
            )
        ).all()
        role = connection.execute(
            text("SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = :r"),
            {"r": app.config["DB_APP_ROLE"]},
        ).one()
        views = (
            connection.execute(text("SELECT viewname FROM pg_views WHERE schemaname = 'public'"))
            .scalars()
            .all()
        )
    owner.dispose()

    assert tables, "no tenant-owned tables found"
    unprotected = [t.relname for t in tables if not (t.relrowsecurity and t.relforcerowsecurity)]
    assert unprotected == []
    assert [t.relname for t in tables if t.policies < 1] == []
    assert all(t.owner != app.config["DB_APP_ROLE"] for t in tables)
    assert not role.rolsuper and not role.rolbypassrls
    assert views == [], "views run with their owner's rights and would bypass RLS"
    in_models = {t.name for t in db.metadata.sorted_tables if "tenant_id" in t.c}
    assert in_models - SHARED_TABLES <= {t.relname for t in tables}


# Accounts, sessions, secrets, logs and settings: never readable by the regional read.
# A guard on top of the allow-list below: none of these may ever declare it.
NOT_REGIONAL = {
    "users",
    "user_sessions",
    "account_tokens",
    "identity_providers",
    "security_events",
    "access_log",
    "notifications",
    "job_outbox",
    "intake_uploads",
    "case_settings",
    "tenant_settings",
    "destruction_log",
    "case_transfers",
}
# The centre's region as a sub-select: an init plan, evaluated once per statement
# (PITFALLS), as PostgreSQL prints it back; the row filter compares the tenant with it.
# The bound tenant as an init plan, evaluated once per statement (not once per row).
TENANT_QUAL = "(tenant_id = ( SELECT app_current_tenant() AS app_current_tenant))"
REGIONAL_QUAL = (
    "(tenant_id = ANY (( SELECT app_regional_tenants() AS app_regional_tenants)::integer[]))"
)


def declared_regional() -> set[str]:
    return {
        mapper.local_table.name
        for mapper in db.Model.registry.mappers
        if issubclass(mapper.class_, TenantScoped) and declares_regional_read(mapper.class_)
    }


def test_the_regional_read_is_declared_by_the_case_file_only(app):
    declared = declared_regional()
    assert {"cases", "clients", "life_domains", "tasks", "trajectories"} <= declared
    # The money the grant holder accounts for (app/regional/budget_models.py).
    assert {"budget_lines", "budget_commitments", "budget_years", "budget_approvals"} <= declared
    assert declared & NOT_REGIONAL == set()


@pytest.mark.postgres
def test_each_policy_is_the_tenant_comparison_and_the_regional_read_stays_in_the_case_file(app):
    owner = create_engine(MIGRATION_DATABASE_URL)
    with owner.connect() as connection:
        policies = connection.execute(
            text(
                """
            SELECT p.tablename, p.policyname, p.cmd, p.qual, p.with_check
            FROM pg_policies p
            WHERE p.schemaname = 'public'
              AND EXISTS (SELECT 1 FROM information_schema.columns c
                          WHERE c.table_schema = 'public' AND c.table_name = p.tablename
                            AND c.column_name = 'tenant_id')
            """
            )
        ).all()
    owner.dispose()
    by_table: dict[str, dict] = {}
    for policy in policies:
        by_table.setdefault(policy.tablename, {})[policy.policyname] = policy
    assert by_table
    for table, named in by_table.items():
        assert set(named) <= {"tenant_isolation", "regional_read"}, table
        isolation = named["tenant_isolation"]
        assert isolation.cmd == "ALL", table
        for clause in (isolation.qual, isolation.with_check):
            assert clause == TENANT_QUAL, (table, clause)
        if "regional_read" in named:
            assert named["regional_read"].cmd == "SELECT", table
            assert named["regional_read"].qual == REGIONAL_QUAL, table
            assert named["regional_read"].with_check is None, table
    regional = {table for table, named in by_table.items() if "regional_read" in named}
    # An allow-list both ways: a policy without the model's declaration, or a declaration
    # without its policy, fails (a new table is off the regional read unless declared).
    assert regional == declared_regional()
