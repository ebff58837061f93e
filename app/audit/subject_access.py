"""Everything the portal holds on one client, for a GDPR access request (art. 15).

Generic on purpose: every row that hangs on the client (app.audit.records, the walk
retention uses too) is included, so a table added by a later feature appears in the
answer without anyone remembering to add it. The access report comes from the log.

The answer keeps the stored codes as data (``role``, ``action``, ``object``, ``result``,
ISO 8601 times) so that it can be read by a program and compared with the log; every
code that a person reads has its Dutch text beside it under the same key with
``_label`` (``action_label``: "Ingezien", ``occurred_at_label``: the time as the portal
shows it, in the portal's time zone). The PDF, which goes to the citizen, shows only
the labels.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from enum import Enum

from sqlalchemy import inspect, select

from app.audit import labels
from app.audit.models import AccessLogEntry
from app.audit.records import dependents
from app.audit.services import Period, client_access_report
from app.cases.models import Client
from app.core.db import utcnow
from app.core.i18n import format_datetime, role_label
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
    generated_at = utcnow()
    return {
        "generated_at": generated_at.isoformat(),
        "generated_at_label": format_datetime(generated_at),
        "municipality": db.session.get(Tenant, client.tenant_id).name,
        "client": row_dict(client),
        "records": records,
        "access_report": [
            {
                "occurred_at": plain(entry.occurred_at),
                "occurred_at_label": format_datetime(entry.occurred_at),
                "employee": entry.user_name,
                "role": entry.role,
                "role_label": role_label(entry.role),
                "action": entry.action,
                "action_label": labels.action_label(entry.action),
                "object": entry.object_type,
                "object_label": labels.object_label(entry.object_type),
                "result": entry.result,
                "result_label": labels.result_label(entry.result),
                "origin": entry.origin,
            }
            for entry in access
        ],
    }
