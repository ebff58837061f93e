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
name (``labels.TABLE_LABELS``), per column under its Dutch name
(``labels.COLUMN_LABELS``). It leaves out ``TECHNICAL_COLUMNS``, which the JSON keeps:
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

import re
import uuid
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from enum import Enum

from flask import current_app
from flask_babel import format_currency, gettext
from markupsafe import Markup
from sqlalchemy import inspect, select

from app.audit import labels
from app.audit.models import AccessLogEntry
from app.audit.records import dependents
from app.audit.services import Period, client_access_report
from app.cases import labels as case_labels
from app.cases.models import Client
from app.cases.timeline import SYSTEM_ACTOR, EventKind, TimelineEntry
from app.core.db import utcnow
from app.core.i18n import format_date, format_datetime, role_label
from app.extensions import db
from app.tenants.models import Tenant

# Columns that hold nothing of the client's and only help an attacker.
HIDDEN_COLUMNS = {"token_hash", "password_hash", "totp_secret", "id_token"}
# Kept in the JSON, left out of the PDF: they mean nothing to the citizen (see above).
TECHNICAL_COLUMNS = frozenset(
    {
        "id",
        "tenant_id",
        "version",
        "submission_key",
        "client_id",
        "case_id",
        "case_worker_id",
        "previous_case_id",
        "note_id",
        "author_id",
        "template_id",
        "message_key",
        "position",
    }
)
# Where history keeps the name of the person who acted, "system" means the portal itself.
ACTOR_COLUMNS = frozenset(
    {
        "actor_name",
        "author_name",
        "done_by",
        "edited_by",
        "handed_over_by",
        "recorded_by",
        "referred_by",
    }
)


def _case_code(kind: str) -> Callable[[object], str]:
    return lambda value: case_labels.label(kind, value)


# Coded columns and the label helper that reads them, by column name ...
CODES: dict[str, Callable[[object], str]] = {
    "phase": _case_code("phase"),
    "from_phase": _case_code("phase"),
    "to_phase": _case_code("phase"),
    "domain": _case_code("domain"),
    "status": _case_code("status"),
    "moment": _case_code("moment"),
    "basis": _case_code("basis"),
    "responsible": _case_code("responsible"),
    "partner": _case_code("responsible"),
}
# ... unless the table gives the name another vocabulary.
TABLE_CODES: dict[str, dict[str, Callable[[object], str]]] = {
    "tasks": {
        "phase": _case_code("plan_phase"),
        "status": _case_code("task_status"),
        "anchor": _case_code("anchor"),
    },
    "referrals": {"status": _case_code("referral_status")},
    "trajectories": {"status": _case_code("trajectory_status")},
    "intake_messages": {"source": labels.intake_source_label},
}
# The table whose fields a timeline entry's ``changes`` name.
CHANGED_TABLES = {
    EventKind.CLIENT_UPDATED.value: "clients",
    EventKind.CASE_UPDATED.value: "cases",
    EventKind.DOMAIN_UPDATED.value: "life_domains",
}
# History keeps dates as ISO text (a timeline entry's detail).
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _iso_date(value) -> date | None:
    if not isinstance(value, str) or not ISO_DATE.fullmatch(value):
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:  # free text that only looks like a date
        return None


def plain(value):
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
    code = TABLE_CODES.get(table, {}).get(column) or CODES.get(column)
    if code is not None:
        return code(value)
    if column.endswith("_cents") and isinstance(value, int):
        return format_currency(value / 100, "EUR")
    if column in ACTOR_COLUMNS and value == SYSTEM_ACTOR:
        return gettext("system")
    return None


def _text(table: str, column: str, value) -> str:
    if value is None or value == "":
        return "—"
    shown = readable(table, column, value)
    return shown if shown is not None else str(value)


def change_lines(kind: str, detail: dict | None) -> str | None:
    """A timeline entry's changes as "Adres: old → new" lines; None when it has none."""
    changes = (detail or {}).get("changes")
    if not isinstance(changes, dict) or not changes:
        return None
    table = CHANGED_TABLES.get(kind, "")
    lines = []
    for field, values in changes.items():
        name = labels.column_label(field)
        if field in TECHNICAL_COLUMNS or not isinstance(values, list) or len(values) != 2:
            lines.append(gettext("%(field)s changed", field=name))
        else:
            old, new = values
            lines.append(f"{name}: {_text(table, field, old)} → {_text(table, field, new)}")
    return "\n".join(lines)


def event_describer() -> Callable[[str, dict | None], str]:
    """The sentence the case page shows for a timeline entry (cases/_event_text.html)."""
    template = current_app.jinja_env.get_template("cases/_event_text.html")
    macro = template.make_module(case_labels.template_helpers()).event_text

    def describe(kind: str, detail: dict | None) -> str:
        text = macro({"kind": kind, "detail": detail or {}})
        return (text.unescape() if isinstance(text, Markup) else str(text)).strip()

    return describe


def columns(cls) -> list[str]:
    """The attributes an answer lists for a model, in the model's order."""
    return [column.key for column in inspect(cls).column_attrs if column.key not in HIDDEN_COLUMNS]


def row_dict(row, describe_event: Callable[[str, dict | None], str] | None = None) -> dict:
    table = row.__table__.name
    data = {}
    for key in columns(type(row)):
        value = getattr(row, key)
        data[key] = plain(value)
        if key not in TECHNICAL_COLUMNS:
            shown = readable(table, key, value)
            if shown is not None:
                data[f"{key}_label"] = shown
    if isinstance(row, TimelineEntry):
        describe = describe_event or event_describer()
        data["kind_label"] = describe(row.kind, row.detail)
        changes = change_lines(row.kind, row.detail)
        if changes:
            data["detail_label"] = changes
    return data


def pdf_fields(row: dict) -> list[tuple[str, str]]:
    """(Dutch column name, text) for the citizen's PDF: labels where the answer has them,
    free text as it is, no technical columns, and structured data (JSON) only as its
    label."""
    fields = []
    for key, value in row.items():
        if key in TECHNICAL_COLUMNS or (key.endswith("_label") and key[: -len("_label")] in row):
            continue
        shown = row.get(f"{key}_label")
        if shown is None:
            if isinstance(value, dict | list):
                continue
            shown = "" if value is None else str(value)
        fields.append((labels.column_label(key), shown))
    return fields


def subject_access_bundle(client) -> dict:
    describe_event = event_describer()
    records: dict[str, list[dict]] = {}
    for cls, ids in sorted(dependents(Client, [client.id]), key=lambda pair: pair[0].__tablename__):
        rows = db.session.scalars(select(cls).where(cls.id.in_(ids))).all()
        if rows:
            records[cls.__tablename__] = [row_dict(row, describe_event) for row in rows]
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
