"""Writing and reading the access log.

Each entry is written in a session of its own (bound to the tenant that owns the
data) once the response is known (app.core.deferred): the log holds every access
even when the request fails, and a regional read lands in the client's municipality.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from flask import current_app, has_request_context, request
from sqlalchemy import select
from werkzeug.exceptions import NotFound

from app.audit.models import AccessAction, AccessLogEntry
from app.audit.subjects import subjects
from app.core.audit import report_refused_access
from app.core.context import tenant_app_context
from app.core.db import utcnow
from app.core.deferred import after_response
from app.extensions import db


def record_access(
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
) -> None:
    entry = dict(
        user_id=actor.id,
        user_name=actor.display_name[:200],
        actor_tenant_id=actor.tenant_id,
        role=actor.role,
        on_behalf_of=on_behalf_of,
        client_id=client_id,
        object_type=object_type,
        object_id=str(object_id) if object_id else None,
        action=action.value,
        result=result,
        origin=request.remote_addr if has_request_context() else None,
        detail=(detail or "")[:300] or None,
        occurred_at=utcnow(),
    )
    after_response(_write_entry, tenant_id=tenant_id, entry=entry)


def _write_entry(tenant_id: int, entry: dict) -> None:
    with current_app.app_context(), tenant_app_context(tenant_id):
        db.session.add(AccessLogEntry(**entry))
        db.session.commit()


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
