"""The one tenant scope: every ORM statement and every write is bound to one tenant.

The tenant is bound to a session once (``bind_tenant``), from the signed-in user in
a request or from the job's arguments in a job, and never changes within it:
objects in the identity map would otherwise leak from one tenant to the next.

Layer 1 (here): ``do_orm_execute`` adds ``tenant_id = :tenant`` to every select,
update and delete of a tenant-owned model, relationships and joins included; a
session with no tenant gets ``tenant_id = 0``, which matches nothing.
``before_flush`` stamps new rows and refuses rows of another tenant.

Layer 2 (PostgreSQL): ``after_begin`` copies the tenant into the transaction with
``set_config('app.tenant_id', ..., true)``, which the RLS policies read, so a
pooled connection never carries one request's tenant into the next.

The only way across tenants is ``regional_read``: select-only, for the regional
coordinator of a region's centre municipality, reaching the municipalities of that
region only (layer 1 adds ``tenant_id IN (the region)``, layer 2's policy compares with
``app_regional_tenants()``), and written to the security log.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine, event, text
from sqlalchemy.orm import ORMExecuteState, Session, scoped_session, with_loader_criteria

from app.core.db import TenantScoped
from app.core.security_events import report_security_event
from app.core.tenants import region_tenant_ids
from app.extensions import db

TENANT_KEY = "tenant_id"
WROTE_KEY = "nazorg_transaction_wrote"
REGIONAL_KEY = "regional_read"
NO_TENANT = 0  # tenants.id is positive (check constraint), so this matches no row

security_log = logging.getLogger("nazorg.security")


class TenantViolation(RuntimeError):
    """A write or a switch that would cross the tenant boundary."""


def _real_session(session: Session | scoped_session) -> Session:
    return session() if isinstance(session, scoped_session) else session


def bind_tenant(session: Session | scoped_session, tenant_id: int) -> None:
    """Bind ``session`` to ``tenant_id`` for the rest of its life."""
    session = _real_session(session)
    if not isinstance(tenant_id, int) or tenant_id <= 0:
        raise TenantViolation(f"invalid tenant id {tenant_id!r}")
    current = session.info.get(TENANT_KEY)
    if current is not None and current != tenant_id:
        raise TenantViolation("a session cannot switch tenants; open a new one")
    session.info[TENANT_KEY] = tenant_id
    if session.in_transaction():
        _copy_context_to_database(session, session.connection())


def current_tenant_id(session: Session) -> int | None:
    return session.info.get(TENANT_KEY)


@contextmanager
def regional_read(session: Session | scoped_session, *, actor: str, purpose: str) -> Iterator[None]:
    """Read rows of every tenant of the bound centre's region within the block; writes
    stay bound to one tenant. A session bound to a municipality that is no centre reads
    only its own rows (the region is empty).

    The caller has already checked that ``actor`` holds the regional role; this
    is the single place where isolation is widened, and every use is logged.
    """
    session = _real_session(session)
    region = tuple(region_tenant_ids(current_tenant_id(session) or NO_TENANT))
    report_security_event(
        "regional read opened",
        event="regional_read",
        result="granted",
        tenant_id=current_tenant_id(session),
        user_id=actor,
        detail=purpose,
        purpose=purpose,
        actor=actor,
    )
    previous = session.info.get(REGIONAL_KEY, False)
    session.info[REGIONAL_KEY] = region or False
    if session.in_transaction():
        _copy_context_to_database(session, session.connection())
    try:
        yield
    finally:
        session.info[REGIONAL_KEY] = previous
        if session.in_transaction():
            _copy_context_to_database(session, session.connection())


@event.listens_for(Session, "do_orm_execute")
def _scope_statement_to_tenant(state: ORMExecuteState) -> None:
    if state.is_insert or state.is_update:
        _refuse_foreign_tenant_values(state)
    if not (state.is_select or state.is_update or state.is_delete):
        return
    # Lazy and column loads inherit the criteria of the statement that loaded the parent.
    if state.is_column_load or state.is_relationship_load:
        return
    region = state.session.info.get(REGIONAL_KEY)
    if state.is_select and region:
        state.statement = state.statement.options(_region_criteria(tuple(region)))
        return
    tenant_id = state.session.info.get(TENANT_KEY) or NO_TENANT
    state.statement = state.statement.options(_tenant_criteria(tenant_id))


# The criteria options are made once per tenant (and per region) and reused: making one
# for every statement was half of the scope's cost (some 40 µs of ORM work a statement).
@functools.lru_cache(maxsize=1024)
def _tenant_criteria(tenant_id: int):
    return with_loader_criteria(
        TenantScoped, lambda cls: cls.tenant_id == tenant_id, include_aliases=True
    )


@functools.lru_cache(maxsize=1024)
def _region_criteria(region_ids: tuple[int, ...]):
    return with_loader_criteria(
        TenantScoped, lambda cls: cls.tenant_id.in_(region_ids), include_aliases=True
    )


def _refuse_foreign_tenant_values(state: ORMExecuteState) -> None:
    """Bulk INSERT and UPDATE skip the flush hook: their ``tenant_id`` values are checked
    here. An INSERT must name the session's tenant; an UPDATE may not name another one."""
    table = getattr(state.statement, "table", None)
    if table is None:
        return
    refuse_foreign_tenant_rows(state.session, table, _tenant_values(state), insert=state.is_insert)


def refuse_foreign_tenant_rows(
    session: Session, table, given: list, *, insert: bool = True
) -> None:
    """A bulk write below the flush (``given``: the ``tenant_id`` of every row it writes)
    must name the session's tenant and no other; raises ``TenantViolation``."""
    if table.name not in _tenant_table_names():
        return
    tenant_id = session.info.get(TENANT_KEY)
    if insert and (tenant_id is None or not given):
        raise TenantViolation(f"bulk insert into {table.name} must name the session's tenant")
    if any(value != tenant_id for value in given):
        security_log.warning(
            "cross-tenant bulk write refused",
            extra={"table": table.name, "session_tenant": tenant_id, "result": "refused"},
        )
        raise TenantViolation(f"bulk write of another tenant's {table.name} refused")


def _tenant_table_names() -> frozenset[str]:
    """The tables of the TenantScoped models (a Core statement names its table, not a model)."""
    return frozenset(
        mapper.local_table.name
        for mapper in db.Model.registry.mappers
        if issubclass(mapper.class_, TenantScoped)
    )


_UNREADABLE = object()


def _tenant_values(state: ORMExecuteState) -> list:
    """Every ``tenant_id`` value the statement and its parameters carry; a value that is
    not a plain literal (an SQL expression, a positional row) counts as foreign."""
    found: list = []

    def scan(row) -> None:
        if not isinstance(row, dict):
            found.append(_UNREADABLE)
            return
        for key, value in row.items():
            if getattr(key, "key", key) == "tenant_id":
                literal = getattr(value, "value", value)  # a bound parameter or the value
                found.append(literal if isinstance(literal, int) else _UNREADABLE)

    statement = state.statement
    scan(dict(getattr(statement, "_values", None) or {}))
    for rows in getattr(statement, "_multi_values", ()) or ():
        for row in rows:
            scan(row)
    parameters = state.parameters
    for row in [parameters] if isinstance(parameters, dict) else list(parameters or ()):
        scan(row)
    return found


@event.listens_for(Session, "before_flush")
def _stamp_and_check_tenant(session: Session, flush_context, instances) -> None:
    tenant_id = session.info.get(TENANT_KEY)
    for obj in session.new:
        if not isinstance(obj, TenantScoped):
            continue
        if tenant_id is None:
            raise TenantViolation(f"cannot insert {type(obj).__name__} without a tenant")
        if obj.tenant_id is None:
            obj.tenant_id = tenant_id
        elif obj.tenant_id != tenant_id:
            _refuse(session, obj, "insert")
    for obj in list(session.dirty) + list(session.deleted):
        if isinstance(obj, TenantScoped) and obj.tenant_id != tenant_id:
            _refuse(session, obj, "delete" if obj in session.deleted else "update")


def _refuse(session: Session, obj: TenantScoped, action: str) -> None:
    security_log.warning(
        "cross-tenant write refused",
        extra={
            "model": type(obj).__name__,
            "action": action,
            "session_tenant": session.info.get(TENANT_KEY),
            "row_tenant": obj.tenant_id,
            "result": "refused",
        },
    )
    raise TenantViolation(f"{action} of a {type(obj).__name__} of another tenant refused")


@event.listens_for(Session, "after_begin")
def _copy_context_on_begin(session: Session, transaction, connection) -> None:
    _copy_context_to_database(session, connection)


def _copy_context_to_database(session: Session, connection) -> None:
    if connection.dialect.name != "postgresql":
        return
    tenant_id = session.info.get(TENANT_KEY)
    connection.execute(
        text(
            "SELECT set_config('app.tenant_id', :tenant, true),"
            " set_config('app.regional_read', :regional, true)"
        ),
        {
            "tenant": "" if tenant_id is None else str(tenant_id),
            "regional": "on" if session.info.get(REGIONAL_KEY) else "",
        },
    )


@event.listens_for(Engine, "begin")
def _forget_writes(connection) -> None:
    connection.info.pop(WROTE_KEY, None)


@event.listens_for(Engine, "before_cursor_execute")
def _note_writes(connection, cursor, statement, parameters, context, executemany) -> None:
    # Anything but a plain SELECT counts as a write (a CTE may hide one).
    if statement.lstrip()[:6].upper() != "SELECT":
        connection.info[WROTE_KEY] = True


def transaction_wrote(session: Session | scoped_session) -> bool:
    """Whether the session's open transaction sent anything but SELECTs, or holds
    changes it would flush on commit: committing it then differs from rolling it back."""
    session = _real_session(session)
    if not session.in_transaction():
        return False
    if session.new or session.dirty or session.deleted:
        return True
    return bool(session.connection().info.get(WROTE_KEY))


def end_read_only_transaction(error: BaseException | None = None) -> None:
    """At the end of a request (teardown, before the session is removed): a transaction
    that only read ends with COMMIT, which for it is the same as the pool's ROLLBACK. At a
    ROLLBACK psycopg forgets every statement it prepared on the connection
    (``_rollback_gen``), so no statement ever reached its fifth run: PostgreSQL planned
    every statement of every page anew (the case list's 1.6 ms of a name search, about
    0.3 ms for a simple one; found 2026-12-07). A request that failed, or a transaction that
    wrote or holds changes, is rolled back as before."""
    session = db.session()
    if error is not None or not session.in_transaction() or transaction_wrote(session):
        return
    # Nothing was written, so nothing loaded is stale: the objects stay as they were read
    # (as they did when the removal rolled back), also for code that holds them afterwards.
    expire, session.expire_on_commit = session.expire_on_commit, False
    try:
        session.commit()
    except Exception:  # noqa: BLE001 - then it ends as it did: rolled back at removal
        logging.getLogger("nazorg.errors").warning(
            "read-only transaction did not commit", exc_info=True
        )
        session.rollback()
    finally:
        session.expire_on_commit = expire


def reads_one_tenant(session: Session | scoped_session, tenant_id: int) -> bool:
    """Whether the session is bound to ``tenant_id`` with no regional read open."""
    session = _real_session(session)
    return session.info.get(TENANT_KEY) == tenant_id and not session.info.get(REGIONAL_KEY)
