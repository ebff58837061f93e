"""Everything the portal holds on one client, for a GDPR access request (art. 15).

Generic on purpose: every row that hangs on the client (app.audit.records, the walk
retention uses too) is included, so a table added by a later feature appears in the
answer without anyone remembering to add it. The access report comes from the log.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from enum import Enum

from sqlalchemy import inspect, select

from app.audit.models import AccessLogEntry
from app.audit.records import dependents
from app.audit.services import Period, client_access_report
from app.cases.models import Client
from app.core.db import utcnow
from app.extensions import db
from app.tenants.models import Tenant

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


def subject_access_bundle(client) -> dict:
    records: dict[str, list[dict]] = {}
    for cls, ids in sorted(dependents(Client, [client.id]), key=lambda pair: pair[0].__tablename__):
        rows = db.session.scalars(select(cls).where(cls.id.in_(ids))).all()
        if rows:
            records[cls.__tablename__] = [row_dict(row) for row in rows]
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
