"""Declarative base, naming convention and the mixins every model builds on.

Tenant-owned tables get their primary key as ``(tenant_id, id)`` with a
client-generated UUID ``id``: the key then works on SQLite (which cannot
autoincrement one column of a composite key) and on PostgreSQL/Citus (which
needs the distribution column in every unique key), and ids in URLs cannot be
enumerated.
"""

from __future__ import annotations

import uuid
from contextlib import contextmanager
from datetime import UTC, datetime
from enum import StrEnum

from sqlalchemy import (
    JSON,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Integer,
    MetaData,
    TypeDecorator,
    literal,
    text,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column
from sqlalchemy.sql.functions import FunctionElement

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """The one column type for a moment in time: ``TIMESTAMP WITH TIME ZONE``, always UTC.

    On the way in a naive datetime is refused (ValueError): nobody can tell what zone it
    was meant in, and PostgreSQL would read it in the session's zone while SQLite stores
    it as it stands. An aware datetime is converted to UTC (SQLite drops the offset, so it
    must already be UTC there). On the way out the value is always aware UTC, also on
    SQLite, which hands back naive datetimes: no caller has to patch ``tzinfo``.

    ``impl`` is ``DateTime(timezone=True)``, so autogenerate and the models-vs-migrations
    test see the same type as the migrated ``TIMESTAMP WITH TIME ZONE``.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if not isinstance(value, datetime):
            raise TypeError(f"UTCDateTime takes a datetime, not {type(value).__name__}")
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"naive datetime {value.isoformat()} for a UTC column")
        return value.astimezone(UTC)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def enum_check(column: str, enum: type[StrEnum]) -> CheckConstraint:
    """A CHECK that ``column`` holds one of ``enum``'s values (NULL passes: nullability is
    the column's own business). Named ``ck_<table>_<column>`` by the naming convention;
    ``info["enum"]`` lets the catalogue test find every enum column from the models.
    A migration that adds a member to the enum replaces the constraint.
    """
    values = ", ".join(f"'{member.value}'" for member in enum)
    return CheckConstraint(
        f"{column} IN ({values})", name=column, info={"enum": enum, "column": column}
    )


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class SharedTable:
    """Marks a table no tenant owns (no ``tenant_id``, no RLS; a Citus reference table).

    The migration grants the portal role exactly what it may do with it: read only for
    the municipalities, read and write for the sign-in state store.
    """

    __shared_table__ = True


class Timestamped:
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)


class TenantScoped:
    """A row owned by one tenant.

    Declaring this mixin is all a model does for isolation: the session hooks in
    ``app.core.tenancy`` scope every query and stamp every insert, and the
    migration helpers in ``app.core.rls`` give the table row-level security.

    The regional read of the centre municipality is off unless the model declares it
    with ``__regional_read__ = True`` (an allow-list: the case file and the money of
    ``app.regional.budget_models`` have it). The
    migration passes ``regional_read=True`` to ``protect_tenant_table`` for exactly
    those tables, and the RLS catalogue test holds the database to the declaration.
    """

    __regional_read__: bool = False

    @declared_attr
    def tenant_id(cls) -> Mapped[int]:  # noqa: N805 - declared_attr takes the class
        return mapped_column(
            Integer, ForeignKey("tenants.id"), primary_key=True, sort_order=-20, index=False
        )

    @declared_attr
    def id(cls) -> Mapped[uuid.UUID]:  # noqa: N805
        return mapped_column(primary_key=True, default=uuid.uuid4, sort_order=-19)


def declares_regional_read(model: type) -> bool:
    """True when ``model`` opts in to the centre municipality's regional read."""
    return bool(model.__dict__.get("__regional_read__", False))


def plan_for_these_values(session) -> None:
    """Have PostgreSQL plan every statement of the rest of this transaction for its own
    values, not reuse a plan made for any values (``plan_cache_mode``, local to the
    transaction). For a statement whose best plan depends on a value the planner can
    only judge when it sees it: the name search's ``ILIKE '%bakker%'``. psycopg prepares a
    statement run five times on a connection, PostgreSQL then switches to a generic plan
    that cannot judge the pattern, and the search took 17-20 ms instead of 4.5 at 20,000
    cases a municipality (measured in-process, 2026-12-07). Elsewhere (SQLite) nothing."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT set_config('plan_cache_mode', 'force_custom_plan', true)"))


def inline_number(number: int):
    """A LIMIT or OFFSET written into the statement, not sent as a parameter. psycopg
    prepares a statement run five times on a connection; PostgreSQL then plans it once
    for any parameters if that plan looks as cheap as one made for the values. With the
    LIMIT a parameter it guessed a tenth of the rows (1,671 instead of the case list's
    25), judged the generic plan dearer and planned every request again (1.1-1.4 ms of
    the list's 2.5 ms in the database; measured 2026-12-07). The price: a statement per
    page size and offset in the connection's cache of prepared statements."""
    return literal(number, Integer, literal_execute=True)


@contextmanager
def with_hash_joins(session):
    """Statements that aggregate many rows, planned with hash joins only (PostgreSQL's
    ``enable_nestloop`` and ``enable_mergejoin`` off, for these statements only). Under
    the regional read the planner cannot see how many rows the policy lets through (its
    region is an init plan) and guesses a handful: it joined the open overdue tasks case
    by case (a nested loop: 40-57 s for the regional overview at national scale), and
    with nested loops off it merged them on the municipality alone, comparing every
    overdue task with every open case of it (63 million rows, 8 s; 2026-12-07). Hashed on
    the whole key: well under a second. Elsewhere (SQLite) nothing."""
    postgres = session.get_bind().dialect.name == "postgresql"
    switch = (
        "SELECT set_config('enable_nestloop', :on, true), set_config('enable_mergejoin', :on, true)"
    )
    if postgres:
        session.execute(text(switch), {"on": "off"})
    try:
        yield
    finally:
        if postgres:
            session.execute(text(switch), {"on": "on"})


class json_rows(FunctionElement):  # noqa: N801 - an SQL function, named as one
    """An aggregate: the group's rows as one JSON array of arrays, ``[[a, b], ...]``, in no
    particular order (``[]`` for no rows). A short list that a page shows beside its own
    rows (a choice list) comes as a column of the page's statement, without a round trip
    of its own: ``select(json_rows(a, b)).where(...).scalar_subquery()``. PostgreSQL:
    ``json_agg(json_build_array(a, b))`` (NULL for no rows, so coalesced); SQLite (the demo):
    ``json_group_array(json_array(a, b))``. Values come back as JSON has them (a UUID as
    its text)."""

    type = JSON()
    inherit_cache = True
    name = "json_rows"


@compiles(json_rows)
def _json_rows_sqlite(element, compiler, **kw) -> str:
    return f"json_group_array(json_array({compiler.process(element.clauses, **kw)}))"


@compiles(json_rows, "postgresql")
def _json_rows_postgresql(element, compiler, **kw) -> str:
    rows = f"json_agg(json_build_array({compiler.process(element.clauses, **kw)}))"
    return f"coalesce({rows}, '[]'::json)"
