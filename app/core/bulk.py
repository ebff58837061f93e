"""Writing many new rows fast: one INSERT per table, whatever the number of rows.

``flush_new(session)`` writes the session's pending new objects as a flush would, with
one statement per table. On PostgreSQL each statement is
``INSERT INTO t (a, b, ...) SELECT * FROM unnest(:a, :b, ...)``: one array parameter per
column, so the statement text is short and the same for 10 rows or 10,000. The ORM's
own flush sends a multi-row ``VALUES`` list with a parameter per value instead
("insertmanyvalues"); measured on 1,500 tasks, psycopg spent most of its time parsing
that statement's 30,000 placeholders (a regular expression over the whole text, not
cached for a long statement), and the database took the unnest form 2-3 times faster.
Elsewhere (SQLite in the demo) ``flush_new`` is the ordinary flush, and ``insert_rows``
one ``executemany``.

``insert_rows(session, table, rows)`` is the same statement for plain dicts (the
access log).

What a flush does for a new object and ``flush_new`` does too: the session's
``before_flush`` listeners run first (``app.core.tenancy`` stamps ``tenant_id`` and
refuses another tenant's row there), Python-side column defaults and the version
counter are filled in on the object, foreign keys are copied from the related objects
(many-to-one and one-to-many relationships, as the unit of work synchronises them),
tables go in foreign-key order, and a column that is not given and has a server
default is left to the database. Afterwards the objects are persistent in the session,
as after a flush, without being written again (a savepoint rolled back expunges them).
Whatever else the session holds (changed or deleted objects) is flushed by the
ordinary flush afterwards.

What it does not do, and then it leaves everything to the ordinary flush: objects of a
mapper with inheritance or with a many-to-many collection, or a column default that
is an SQL expression or needs the statement's context.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Iterable, Sequence

from sqlalchemy import Table, bindparam, func, insert, inspect, null, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapper, Session, scoped_session
from sqlalchemy.orm.interfaces import MANYTOMANY, MANYTOONE, ONETOMANY

from app.core.tenancy import refuse_foreign_tenant_rows


def insert_rows(session: Session | scoped_session, table: Table, rows: Sequence[dict]) -> None:
    """Insert ``rows`` (dicts keyed by column name, all with the same keys) in one
    statement on the session's connection. Below the flush, so the tenant is checked
    here as for any bulk write: every row must carry the session's tenant
    (``tenancy.refuse_foreign_tenant_rows``); row-level security applies as always."""
    if not rows:
        return
    if isinstance(session, scoped_session):
        session = session()
    refuse_foreign_tenant_rows(session, table, [row.get("tenant_id") for row in rows])
    connection = session.connection()
    names = tuple(rows[0])
    if connection.dialect.name != "postgresql":
        connection.execute(insert(table), list(rows))
        return
    connection.execute(
        _unnest_insert(table, names),
        {f"v{i}": [row[name] for row in rows] for i, name in enumerate(names)},
    )


@functools.cache
def _unnest_insert(table: Table, names: tuple[str, ...]):
    # One array parameter per column, typed as the column (the cast tells PostgreSQL the
    # element type, also of a column holding only NULLs); kept per (table, columns), so
    # the statement is built and compiled once.
    columns = [table.c[name] for name in names]
    arrays = [bindparam(f"v{i}", type_=ARRAY(column.type)) for i, column in enumerate(columns)]
    unnested = (
        func.unnest(*arrays).table_valued(*[f"c{i}" for i in range(len(columns))]).render_derived()
    )
    return insert(table).from_select(list(names), select(*unnested.c))


def flush_new(session: Session | scoped_session) -> None:
    """Write the pending new objects of ``session`` with one INSERT per table (and per
    set of columns left to a server default), then flush the rest as usual."""
    if isinstance(session, scoped_session):
        session = session()
    new = list(session.new)
    if (
        not new
        or session.get_bind().dialect.name != "postgresql"
        or not all(_bulk_able(inspect(obj).mapper) for obj in new)
    ):
        session.flush()
        return
    session.dispatch.before_flush(session, None, None)
    new = list(session.new)  # a listener may have added some
    if not all(_bulk_able(inspect(obj).mapper) for obj in new):
        session.flush()
        return
    states = [inspect(obj) for obj in new]
    if not all(_fill_defaults(state) for state in states):
        session.flush()
        return
    for state in states:
        _copy_foreign_keys(state)
    groups: dict[tuple[Table, tuple[str, ...]], list[dict]] = defaultdict(list)
    for state in states:
        row = _row_of(state)
        groups[(state.mapper.local_table, tuple(row))].append(row)
    order = {table: n for n, table in enumerate(_sorted_tables(states))}
    for (table, _names), table_rows in sorted(groups.items(), key=lambda g: order[g[0][0]]):
        insert_rows(session, table, table_rows)
    # What the flush does with the objects it wrote (the unit of work's last step): each
    # gets its identity, its history is reset and the transaction records it as new, so
    # that rolling back a savepoint around this expunges it as it would after a flush.
    # Private API, the only one that gives exactly that; tests/core/test_bulk.py holds
    # the behaviour.
    session._register_persistent(set(states))  # noqa: SLF001
    session.flush()


@functools.cache
def _bulk_able(mapper: Mapper) -> bool:
    if mapper.inherits is not None or mapper.polymorphic_on is not None:
        return False
    if any(rel.direction is MANYTOMANY for rel in mapper.relationships if not rel.viewonly):
        return False
    for column in mapper.local_table.columns:
        default = column.default
        if default is not None and not (default.is_scalar or default.is_callable):
            return False
    return True


def _fill_defaults(state) -> bool:
    """Python-side defaults and the version counter onto the object, as the flush sets
    them; False when a default needs the statement's context."""
    mapper, values = state.mapper, state.dict
    for column in mapper.local_table.columns:
        prop = mapper.get_property_by_column(column)
        if values.get(prop.key) is not None or column.default is None:
            continue
        if column is mapper.version_id_col and mapper.version_id_generator:
            values[prop.key] = mapper.version_id_generator(None)
            continue
        default = column.default
        if default.is_scalar:
            values[prop.key] = default.arg
            continue
        try:
            values[prop.key] = default.arg(None)
        except (AttributeError, TypeError):
            return False
    return True


def _copy_foreign_keys(state) -> None:
    """What the unit of work copies from a related object into a foreign key."""
    values = state.dict
    for rel in state.mapper.relationships:
        if rel.viewonly:
            continue
        related = values.get(rel.key)
        if related is None:
            continue
        if rel.direction is MANYTOONE:
            _sync(inspect(related), state, rel)
        elif rel.direction is ONETOMANY:
            for child in related:
                _sync(state, inspect(child), rel)


def _sync(source, target, rel) -> None:
    for from_column, to_column in rel.synchronize_pairs:
        key_from = source.mapper.get_property_by_column(from_column).key
        key_to = target.mapper.get_property_by_column(to_column).key
        target.dict[key_to] = source.dict.get(key_from)


def _row_of(state) -> dict:
    """The values of the object's columns by column name, as the flush writes them: a
    column never given holds SQL NULL (also a JSON column, where a given None is JSON
    null), and one that is None with a server default is left to the database."""
    mapper, values = state.mapper, state.dict
    row = {}
    for column in mapper.local_table.columns:
        key = mapper.get_property_by_column(column).key
        given = key in values
        value = values.get(key)
        evaluates_none = given and column.type.should_evaluate_none
        if value is None and not evaluates_none:
            if column.server_default is not None:
                continue
            if column.type.should_evaluate_none:
                value = null()
        row[column.name] = value
    return row


def _sorted_tables(states: Iterable) -> list[Table]:
    tables = {state.mapper.local_table for state in states}
    metadata = next(iter(tables)).metadata
    return [table for table in metadata.sorted_tables if table in tables]
