"""Everything the portal holds on one client, for a GDPR access request (art. 15).

Generic on purpose: every tenant-owned table with a ``client_id`` or ``case_id``
column is included, so a table added by a later feature appears in the answer
without anyone remembering to add it. The access report (who read the file) is
added from the access log.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from enum import Enum

from sqlalchemy import Uuid, inspect, select

from app.audit.models import AccessLogEntry
from app.audit.services import Period, client_access_report
from app.core.db import TenantScoped, utcnow
from app.extensions import db
from app.tenants.models import Tenant

# Log and bookkeeping tables that are not the client's file; the access log is its own part.
LEFT_OUT = {"access_log"}
# Columns that hold nothing of the client's and only help an attacker.
HIDDEN_COLUMNS = {"token_hash", "password_hash", "totp_secret", "id_token"}


def plain(value):
    if isinstance(value, uuid.UUID | Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    return value


def row_dict(row) -> dict:
    return {
        column.key: plain(getattr(row, column.key))
        for column in inspect(row).mapper.column_attrs
        if column.key not in HIDDEN_COLUMNS
    }


def _reference(table, name: str) -> bool:
    # A uuid column of that name: an OIDC ``client_id`` (a string) is no client.
    return name in table.c and isinstance(table.c[name].type, Uuid)


def _related_models():
    for mapper in db.Model.registry.mappers:
        cls = mapper.class_
        table = mapper.local_table
        if not issubclass(cls, TenantScoped) or table.name in LEFT_OUT:
            continue
        if _reference(table, "client_id") or _reference(table, "case_id"):
            yield cls, table


def subject_access_bundle(client) -> dict:
    case_ids = [case.id for case in client.cases]
    records: dict[str, list[dict]] = {}
    for cls, table in sorted(_related_models(), key=lambda pair: pair[1].name):
        if _reference(table, "client_id"):
            condition = cls.client_id == client.id
        else:
            condition = cls.case_id.in_(case_ids)
        rows = db.session.scalars(select(cls).where(condition)).all()
        if rows:
            records[table.name] = [row_dict(row) for row in rows]
    access: list[AccessLogEntry] = client_access_report(client.id, Period(), limit=100_000)
    return {
        "generated_at": utcnow().isoformat(),
        "municipality": db.session.get(Tenant, client.tenant_id).name,
        "client": row_dict(client),
        "records": records,
        "access_report": [
            {
                "occurred_at": plain(entry.occurred_at),
                "employee": entry.user_name,
                "role": entry.role,
                "action": entry.action,
                "object": entry.object_type,
                "result": entry.result,
                "origin": entry.origin,
            }
            for entry in access
        ],
    }
