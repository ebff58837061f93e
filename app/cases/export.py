"""Exports: the whole file as PDF (WeasyPrint) and the case list as CSV.

Every export goes through ``record_export``, which writes the event to the
``nazorg.access`` logger and, for a case, to its timeline. The access log (NEN 7513)
has one row per client whose data left the portal: for the PDF through
``note_access`` (via ``access_case``); for the case list's CSV in one
``INSERT ... SELECT`` of every matching client, committed before the first byte.
The CSV then streams in batches (a server-side cursor), so its memory does not
grow with the list; an export that breaks off is recorded as failed.
The PDF is also the print of the file; it is logged as an export.
"""

from __future__ import annotations

import csv
import io
import logging
import uuid
from collections.abc import Iterator
from datetime import date

from sqlalchemy import String, and_, func, insert, literal, select

from app.audit.models import AccessAction, AccessLogEntry
from app.audit.services import access_row, request_origin, write_access_rows
from app.auth.api import User
from app.cases import timeline
from app.cases.bsn import mask_bsn
from app.cases.labels import label
from app.cases.models import Case, Client, derive_stay
from app.cases.timeline import EventKind
from app.core.context import tenant_app_context
from app.core.db import utcnow
from app.core.pdf import render_pdf
from app.core.tenancy import current_tenant_id
from app.extensions import db

access_log = logging.getLogger("nazorg.access")

CSV_COLUMNS = (
    ("client", "Cliënt"),
    ("bsn", "BSN"),
    ("phase", "Fase"),
    ("facility", "Inrichting"),
    ("detention_start", "Start detentie"),
    ("expected_release", "Verwachte ontslagdatum"),
    ("actual_release", "Ontslagdatum"),
    ("stay", "Verblijf"),
    ("prolific_offender", "Veelpleger"),
    ("benefit_recipient", "Bijstandsgerechtigde"),
    ("case_worker", "Casemanager"),
)
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
EXPORT_BATCH = 1_000  # rows fetched and written per chunk of the streamed CSV
CSV_DETAIL = "case list CSV"


def record_export(
    user, *, kind: str, case_id: uuid.UUID | None = None, detail: dict | None = None
) -> None:
    """Record the export in the case's timeline and the application log.

    The access log rows come from the export views themselves (``@access_action``
    with ``note_access``), one per client whose data left the portal.
    """
    access_log.info(
        "export",
        extra={
            "user": str(user.id),
            "tenant": user.tenant_id,
            "kind": kind,
            "case": str(case_id) if case_id else None,
            "detail": detail or {},
        },
    )
    if case_id is not None:
        timeline.record(case_id, EventKind.EXPORTED, user, export=kind)


def _cell(value) -> str:
    text = "" if value is None else str(value)
    if text.startswith(FORMULA_PREFIXES):
        text = "'" + text  # a spreadsheet must not run a client's name as a formula
    return text


def _yes(value: bool) -> str:
    return "ja" if value else "nee"


def _csv_line(values: list) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=";", lineterminator="\r\n").writerow([_cell(v) for v in values])
    return buffer.getvalue()


def _labelled(kind: str, value, cache: dict) -> str:
    """``label`` looked up once per value of an export, not once per row."""
    key = (kind, value)
    if key not in cache:
        cache[key] = label(kind, value)
    return cache[key]


def _csv_row(row, cache: dict | None = None) -> list:
    cache = {} if cache is None else cache
    return [
        f"{row.given_name} {row.family_name}",
        mask_bsn(row.bsn),
        _labelled("phase", row.phase, cache),
        row.facility,
        row.detention_start,
        row.expected_release,
        row.actual_release,
        _labelled(
            "stay",
            derive_stay(row.judgement_date or row.detention_start, row.expected_release),
            cache,
        ),
        _yes(row.prolific_offender),
        _yes(row.benefit_recipient),
        row.case_worker or "",
    ]


def _new_uuid():
    """A random id made by the database, for rows inserted from a select."""
    if db.engine.dialect.name == "postgresql":
        return func.gen_random_uuid()
    return func.lower(func.hex(func.randomblob(16)))  # how SQLite stores a Uuid


def log_case_list_export(actor, cases_stmt) -> int:
    """One access-log row per client of ``cases_stmt``, in one INSERT ... SELECT, committed.

    Sent on the session's connection as Core, so the ORM's tenant criteria do not
    apply: the select is limited to the bound tenant here (and by RLS on PostgreSQL).
    Returns the number of rows (of clients)."""
    tenant_id = current_tenant_id(db.session())
    stamp = utcnow()
    matching = cases_stmt.where(Case.tenant_id == tenant_id).subquery()
    clients = select(matching.c.client_id).distinct().subquery()
    column = AccessLogEntry.__table__.c
    rows = select(
        _new_uuid(),
        literal(tenant_id),
        literal(stamp, column.occurred_at.type),
        literal(actor.id, column.user_id.type),
        literal(actor.display_name[:200], String),
        literal(actor.tenant_id),
        literal(actor.role, String),
        clients.c.client_id,
        literal("case_list", String),
        literal(AccessAction.EXPORT.value, String),
        literal("granted", String),
        literal(request_origin(), String),
        literal(CSV_DETAIL, String),
    )
    statement = insert(AccessLogEntry.__table__).from_select(
        [
            "id",
            "tenant_id",
            "occurred_at",
            "user_id",
            "user_name",
            "actor_tenant_id",
            "role",
            "client_id",
            "object_type",
            "action",
            "result",
            "origin",
            "detail",
        ],
        rows,
    )
    count = db.session.connection().execute(statement).rowcount
    db.session.commit()
    return count


def case_list_csv(actor, ordered_stmt, tenant_id: int) -> Iterator[str]:
    """The CSV of the cases of ``ordered_stmt``, in chunks of ``EXPORT_BATCH`` rows.

    Their clients were logged by ``log_case_list_export`` just before. A case that
    came to match the filter in between would leave without its row; checking each
    case against the log was tried and dropped: without fresh statistics for the
    rows just written the planner reads all of them per case (quadratic)."""
    stmt = ordered_stmt.with_only_columns(
        Client.given_name,
        Client.family_name,
        Client.bsn,
        Case.phase,
        Case.facility,
        Case.detention_start,
        Case.judgement_date,
        Case.expected_release,
        Case.actual_release,
        Case.prolific_offender,
        Case.benefit_recipient,
        User.display_name.label("case_worker"),
    ).outerjoin(User, and_(User.id == Case.case_worker_id, User.tenant_id == Case.tenant_id))
    # Excel reads UTF-8 with a byte-order mark.
    yield "\ufeff" + _csv_line([title for _key, title in CSV_COLUMNS])
    written = 0
    labels: dict = {}
    try:
        # The stream runs after the view's context has ended: a session of its own,
        # bound to the export's tenant.
        with tenant_app_context(tenant_id):
            result = db.session.execute(stmt, execution_options={"yield_per": EXPORT_BATCH})
            for batch in result.partitions():
                yield "".join(_csv_line(_csv_row(row, labels)) for row in batch)
                written += len(batch)
    except (Exception, GeneratorExit):
        _record_failed_export(actor, tenant_id, written)
        raise


def _record_failed_export(actor, tenant_id: int, written: int) -> None:
    """The export broke off (the database, or the user's connection): say so in the log."""
    access_log.warning("export failed", extra={"kind": "case_list_csv", "rows": written})
    try:
        write_access_rows(
            [
                access_row(
                    actor,
                    tenant_id=tenant_id,
                    client_id=None,
                    object_type="case_list",
                    object_id=None,
                    action=AccessAction.EXPORT,
                    result="failed",
                    detail=f"{CSV_DETAIL}: stopped after {written} rows",
                )
            ]
        )
    except Exception:  # noqa: BLE001 - the stream's own error is the one to raise
        access_log.exception("failed export not recorded")


def case_file_pdf(context: dict) -> bytes:
    """The whole file as a PDF, from the print template (no network: fonts and CSS are local)."""
    return render_pdf("cases/export.html", today=date.today(), **context)
