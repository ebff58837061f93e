"""Everything the portal holds on one client, for a GDPR access request (art. 15).

Generic on purpose: every row that hangs on the client (app.audit.records, the walk
retention uses too) is included, so a table added by a later feature appears in the
answer without anyone remembering to add it. The access report comes from the log.

The answer keeps the stored codes as data (``role``, ``action``, ``object``, ``result``,
``phase``, ``status``, ISO 8601 times, amounts in cents) so that it can be read by a
program and compared with the log; every value that a person reads otherwise has its
Dutch text beside it under the same key with ``_label`` (``action_label``: "Ingezien",
``occurred_at_label``: the time as the portal shows it, in the portal's time zone;
``phase_label``: "In detentie"; ``prolific_offender_label``: "ja"; ``cost_cents_label``:
"€ 1.500,00"; a timeline entry's ``kind_label``: the sentence its case page shows).
Free text has no label: it is its own text.

The PDF, which goes to the citizen, shows only the labels: per table under its Dutch
name, per column under its Dutch name (both from ``app.audit.vocabulary``: the model's
``info`` or the vocabulary its feature registers). It leaves out the technical columns
(``TECHNICAL_COLUMNS`` and those the features declare), which the JSON keeps:
row ids, the municipality's number, edit version counters, one-time submission keys,
the uuids that point at other rows or at employees (the case, the client, the case
worker, the earlier case, the note, the author, the task's template), the intake's
message key (the sender's message id or a hash of the document) and the position that
orders life domains and tasks. A timeline entry's ``detail`` repeats its event's
sentence and the other tables, except the old and new values of a change to the client,
the case or a life domain: the PDF shows those as lines (``detail_label``) and leaves
the rest of the detail out. A test fails when a column of an included table has neither
a Dutch label nor a place in the technical set.
"""

from __future__ import annotations

import base64
import re
import uuid
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from enum import Enum

from flask_babel import format_currency, gettext
from sqlalchemy import inspect, select

from app.audit import labels, vocabulary
from app.audit.models import AccessLogEntry
from app.audit.records import dependents
from app.audit.services import Period, client_access_report
from app.core.db import utcnow
from app.core.i18n import format_date, format_datetime, role_label
from app.core.tenants import Tenant
from app.extensions import db

# Columns that hold nothing of the client's and only help an attacker.
HIDDEN_COLUMNS = {"token_hash", "password_hash", "totp_secret", "id_token"}
# Kept in the JSON, left out of the PDF: they mean nothing to the citizen (see above).
# The features add their own (the uuids that point at their rows) in their vocabulary.
TECHNICAL_COLUMNS = frozenset({"id", "tenant_id", "version", "submission_key"})
# History keeps dates as ISO text (a timeline entry's detail).
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)


def technical_columns() -> frozenset[str]:
    return vocabulary.technical_columns(TECHNICAL_COLUMNS)


def _iso_date(value) -> date | None:
    if not isinstance(value, str) or not ISO_DATE.fullmatch(value):
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:  # free text that only looks like a date
        return None


def plain(value):
    if isinstance(value, bytes | memoryview):  # a document's content: a copy, in base64
        return base64.b64encode(bytes(value)).decode("ascii")
    if isinstance(value, uuid.UUID | Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    return value


def readable(table: str, column: str, value) -> str | None:
    """The text a person reads for a stored value, or None where that is the value itself."""
    if value is None:
        return None
    if isinstance(value, bool):
        return gettext("yes") if value else gettext("no")
    if isinstance(value, datetime):
        return format_datetime(value)
    if isinstance(value, date):
        return format_date(value)
    if (day := _iso_date(value)) is not None:
        return format_date(day)
    code = vocabulary.reader(table, column)
    if code is not None:
        return code(value)
    if column.endswith("_cents") and isinstance(value, int):
        return format_currency(value / 100, "EUR")
    if vocabulary.is_system_actor(column, value):
        return gettext("system")
    return None


def text_of(table: str, column: str, value) -> str:
    if value is None or value == "":
        return "—"
    shown = readable(table, column, value)
    return shown if shown is not None else str(value)


def columns(cls) -> list[str]:
    """The attributes an answer lists for a model, in the model's order."""
    return [column.key for column in inspect(cls).column_attrs if column.key not in HIDDEN_COLUMNS]


def row_dict(row, describe: dict[str, Callable[[object], dict]] | None = None) -> dict:
    table = row.__table__.name
    technical = technical_columns()
    data = {}
    for key in columns(type(row)):
        value = getattr(row, key)
        data[key] = plain(value)
        if key not in technical:
            shown = readable(table, key, value)
            if shown is not None:
                data[f"{key}_label"] = shown
    describer = (describe if describe is not None else vocabulary.describers()).get(table)
    if describer is not None:
        data.update(describer(row))
    return data


def pdf_fields(row: dict) -> list[tuple[str, str]]:
    """(Dutch column name, text) for the citizen's PDF: labels where the answer has them,
    free text as it is, no technical columns, and structured data (JSON) only as its
    label."""
    technical = technical_columns()
    fields = []
    for key, value in row.items():
        if key in technical or (key.endswith("_label") and key[: -len("_label")] in row):
            continue
        shown = row.get(f"{key}_label")
        if shown is None:
            if isinstance(value, dict | list):
                continue
            shown = "" if value is None else str(value)
        fields.append((labels.column_label(key), shown))
    return fields


def subject_access_bundle(client) -> dict:
    describe = vocabulary.describers()
    records: dict[str, list[dict]] = {}
    root = type(client)
    for cls, ids in sorted(dependents(root, [client.id]), key=lambda pair: pair[0].__tablename__):
        rows = db.session.scalars(select(cls).where(cls.id.in_(ids))).all()
        if rows:
            records[cls.__tablename__] = [row_dict(row, describe) for row in rows]
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
