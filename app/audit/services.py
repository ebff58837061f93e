"""Writing and reading the access log.

Inside a request the rows are gathered and written by ``app.audit.tracking`` before
the response leaves, all of a request's rows in one INSERT per owning tenant: a page
whose record cannot be written is not served (NEN 7513: no access without a record).
Outside a request (jobs, CLI, tests) a row is written at once. Each row belongs to
the tenant that owns the data, so a regional read lands in the client's municipality.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from flask import current_app, g, has_request_context, request
from sqlalchemy import select, update
from werkzeug.exceptions import NotFound

from app.audit.models import AccessAction, AccessLogEntry
from app.audit.subjects import subjects
from app.core.audit import report_refused_access
from app.core.bulk import insert_rows
from app.core.context import tenant_app_context
from app.core.db import utcnow
from app.core.tenancy import reads_one_tenant, transaction_wrote
from app.extensions import db

_PENDING = "_pending_access_rows"
_ACTIVE = "_access_rows_gathered"


def access_row(
    actor,
    *,
    tenant_id: int,
    client_id: uuid.UUID | None,
    object_type: str,
    object_id: str | uuid.UUID | None,
    action: AccessAction,
    result: str = "granted",
    detail: str | None = None,
    on_behalf_of: uuid.UUID | None = None,
    occurred_at: datetime | None = None,
) -> dict:
    """The values of one access-log row (``tenant_id``: the municipality owning the data)."""
    return dict(
        id=uuid.uuid4(),
        tenant_id=tenant_id,
        user_id=actor.id,
        user_name=actor.display_name[:200],
        actor_tenant_id=actor.tenant_id,
        role=actor.role,
        on_behalf_of=on_behalf_of,
        client_id=client_id,
        object_type=object_type,
        object_id=str(object_id) if object_id else None,
        action=action.value,
        result=result[:20],
        origin=request_origin(),
        detail=(detail or "")[:300] or None,
        occurred_at=occurred_at or utcnow(),
    )


def request_origin() -> str | None:
    return request.remote_addr if has_request_context() else None


def record_access(actor, **fields) -> None:
    """Log one access. In a request it is written with the request's other rows before
    the response leaves (``app.audit.tracking``); elsewhere at once."""
    row = access_row(actor, **fields)
    if has_request_context() and g.get(_ACTIVE):
        g.setdefault(_PENDING, []).append(row)
    else:
        write_access_rows([row])


def gather_in_request() -> None:
    """From now on this request's rows wait for ``take_pending_rows``."""
    g.setdefault(_ACTIVE, True)


def take_pending_rows() -> list[dict]:
    g.pop(_ACTIVE, None)
    return g.pop(_PENDING, [])


def write_in_read_only_transaction(rows: list[dict]) -> bool:
    """Write ``rows`` in the request's own transaction and commit it, where that is the
    same as a transaction of their own: every row belongs to the tenant the session is
    bound to, no regional read is open, and the transaction has written nothing, nor holds
    unflushed changes (a page that only read). Saves three round trips a page (rollback,
    begin, the tenant's set_config). False when it does not apply or the insert failed
    (rolled back then): the caller writes them with ``write_access_rows``. Raises when
    the commit fails."""
    session = db.session()
    tenants = {row["tenant_id"] for row in rows}
    if len(tenants) != 1 or not session.in_transaction():
        return False
    if not reads_one_tenant(session, next(iter(tenants))) or transaction_wrote(session):
        return False
    if session.new or session.dirty or session.deleted:
        return False  # the commit would flush what the page changed and never saved
    try:
        insert_access_rows(rows)
    except Exception:  # noqa: BLE001 - the caller tries again in a transaction of its own
        session.rollback()
        return False
    # Not retried when the commit fails: whether it took is unknown then (the caller
    # refuses the page).
    session.commit()
    return True


def insert_access_rows(rows: list[dict]) -> None:
    """The INSERT of ``rows`` in the session's transaction (no commit): one statement
    whatever their number (``bulk.insert_rows``: an array per column)."""
    insert_rows(db.session, AccessLogEntry.__table__, rows)


def write_access_rows(rows: Iterable[dict]) -> None:
    """Write ``rows`` and commit: one INSERT per owning tenant, in a session bound to it
    (the row-level security lets a session write its own tenant's rows only).
    Raises when the database does not take them; the caller must not serve the data."""
    by_tenant: dict[int, list[dict]] = defaultdict(list)
    for row in rows:
        by_tenant[row["tenant_id"]].append(row)
    for tenant_id, tenant_rows in by_tenant.items():
        with current_app.app_context(), tenant_app_context(tenant_id):
            try:
                insert_access_rows(tenant_rows)
                db.session.commit()
            except Exception:
                db.session.rollback()
                raise


@dataclass(frozen=True)
class Period:
    start: date | None = None
    end: date | None = None

    @classmethod
    def parse(cls, start: str | None, end: str | None) -> Period:
        return cls(_parse_date(start), _parse_date(end))

    def bounds(self) -> tuple[datetime | None, datetime | None]:
        tz = utcnow().tzinfo
        lower = datetime.combine(self.start, time.min, tz) if self.start else None
        # Until the end of the last day; the last day there is has no day after it.
        last = self.end is not None and self.end < date.max
        upper = datetime.combine(self.end + timedelta(days=1), time.min, tz) if last else None
        return lower, upper


def _parse_date(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _entries(condition, period: Period, limit: int) -> list[AccessLogEntry]:
    lower, upper = period.bounds()
    query = select(AccessLogEntry).where(condition)
    if lower:
        query = query.where(AccessLogEntry.occurred_at >= lower)
    if upper:
        query = query.where(AccessLogEntry.occurred_at < upper)
    return list(db.session.scalars(query.order_by(AccessLogEntry.occurred_at.desc()).limit(limit)))


def client_access_report(client_id: uuid.UUID, period: Period, limit: int = 500):
    """Who accessed this client's data ("wie heeft dit dossier ingezien")."""
    return _entries(AccessLogEntry.client_id == client_id, period, limit)


def employee_access_report(user_id: uuid.UUID, period: Period, limit: int = 500):
    """What this employee accessed, within the municipality's own data."""
    return _entries(AccessLogEntry.user_id == user_id, period, limit)


def access_client_for_report(actor, client_id: uuid.UUID):
    """The client whose access report is asked for; 404 alike for foreign and missing."""
    Client = subjects().client_model  # noqa: N806 - a model class
    client = db.session.scalars(select(Client).where(Client.id == client_id)).one_or_none()
    if client is None:
        report_refused_access(actor, "client", str(client_id))
        raise NotFound()
    return client


def repoint_client_entries(old_client_id: uuid.UUID, new_client_id: uuid.UUID) -> int:
    """Let the access log's entries of a client that was merged into another name the one
    that stays (the only change the portal role may make to the log: its ``client_id``)."""
    result = db.session.execute(
        update(AccessLogEntry)
        .where(AccessLogEntry.client_id == old_client_id)
        .values(client_id=new_client_id)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount
