"""Enums stored with a CHECK constraint.

The enum columns are read from the models (``app.core.db.enum_check`` on the column),
not listed here; a guard catches a column whose default is an enum member but that
carries no CHECK. The migrated schema has every constraint (read from the catalogue on
PostgreSQL), and writing a value outside the enum is refused by the database, on
PostgreSQL and on SQLite (where the migration re-created the tables in batch mode).
"""

from __future__ import annotations

import inspect
from enum import StrEnum

import pytest
import sqlalchemy as sa
from factory.alchemy import SQLAlchemyModelFactory
from sqlalchemy.exc import IntegrityError

from app.core.db import Base, TenantScoped
from app.extensions import db
from tests import factories

FACTORY_OF = {
    member._meta.model.__tablename__: member
    for _, member in inspect.getmembers(factories, inspect.isclass)
    if issubclass(member, SQLAlchemyModelFactory) and not member._meta.abstract
}


def enum_columns(app) -> list[tuple[sa.Column, sa.CheckConstraint, type[StrEnum]]]:
    with app.app_context():  # every feature's models are imported by now
        return [
            (column, constraint, constraint.info["enum"])
            for table in Base.metadata.sorted_tables
            for column in table.columns
            for constraint in column.constraints
            if isinstance(constraint, sa.CheckConstraint) and "enum" in constraint.info
        ]


def _column_id(column: sa.Column) -> str:
    return f"{column.table.name}.{column.name}"


def test_the_enum_columns_are_declared_on_the_models(app):
    found = {_column_id(column) for column, _, _ in enum_columns(app)}
    # Not the list (that is the models' business), only that the declarations are read.
    assert {"cases.phase", "tasks.status", "users.role", "domain_consents.basis"} <= found


def test_a_column_whose_default_is_an_enum_member_carries_the_check(app):
    checked = {_column_id(column) for column, _, _ in enum_columns(app)}
    unchecked = [
        _column_id(column)
        for table in Base.metadata.sorted_tables
        for column in table.columns
        if column.default is not None
        and getattr(column.default, "is_scalar", False)
        and any(column.default.arg in set(enum) for enum in _all_str_enums())
        and _column_id(column) not in checked
    ]
    assert unchecked == []


def _all_str_enums() -> list[type[StrEnum]]:
    seen, todo = [], list(StrEnum.__subclasses__())
    while todo:
        enum = todo.pop()
        seen.append(enum)
        todo.extend(enum.__subclasses__())
    return [enum for enum in seen if enum.__module__.startswith("app.")]


def test_the_check_names_follow_the_convention_and_list_every_member(app):
    for column, constraint, enum in enum_columns(app):
        assert constraint.name == f"ck_{column.table.name}_{column.name}"
        sql = str(constraint.sqltext)
        assert all(f"'{member.value}'" in sql for member in enum), sql


@pytest.mark.postgres
def test_the_migrated_schema_has_every_enum_check(app):
    expected = {
        (column.table.name, constraint.name, tuple(sorted(member.value for member in enum)))
        for column, constraint, enum in enum_columns(app)
    }
    with app.app_context(), db.engine.connect() as connection:
        rows = connection.execute(
            sa.text(
                "SELECT conrelid::regclass::text AS table_name, conname,"
                " pg_get_constraintdef(oid) AS definition FROM pg_constraint"
                " WHERE contype = 'c' AND connamespace = 'public'::regnamespace"
            )
        ).all()
    present = {(row.table_name, row.conname): row.definition for row in rows}
    for table, name, values in expected:
        assert (table, name) in present, f"{name} is missing on {table}"
        assert all(f"'{value}'" in present[(table, name)] for value in values)


def test_a_value_outside_the_enum_is_refused_by_the_database(app, tenants, in_tenant):
    home = tenants["lochem"]
    for column, constraint, _ in enum_columns(app):
        factory_class = FACTORY_OF[column.table.name]
        model = factory_class._meta.model
        scope = in_tenant(home) if issubclass(model, TenantScoped) else app.app_context()
        with scope:
            attribute = model.__mapper__.get_property_by_column(column).key
            # An insert, not an update: the access log is append-only for the portal role.
            with pytest.raises(IntegrityError, match=constraint.name):
                factory_class(**{attribute: "not-a-member"})
            db.session.rollback()
