"""Exports: the whole file as PDF (WeasyPrint) and the case list as CSV.

Every export goes through ``record_export``, which writes the event to the
``nazorg.access`` logger and, for a case, to its timeline. The access log (NEN 7513)
rows come from the export views: ``@access_action(AccessAction.EXPORT)`` with
``note_access`` (via ``access_case`` for the PDF), one row per client whose data left
the portal. The PDF is also the print of the file; it is logged as an export.
"""

from __future__ import annotations

import csv
import io
import logging
import uuid
from datetime import date

from app.cases import timeline
from app.cases.bsn import mask_bsn
from app.cases.labels import label
from app.cases.models import Case
from app.cases.timeline import EventKind
from app.core.pdf import render_pdf

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


def case_list_csv(cases: list[Case]) -> str:
    buffer = io.StringIO()
    buffer.write("\ufeff")  # Excel reads UTF-8 with a byte-order mark
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow([title for _key, title in CSV_COLUMNS])
    for case in cases:
        row = {
            "client": case.client.full_name,
            "bsn": mask_bsn(case.client.bsn),
            "phase": label("phase", case.phase),
            "facility": case.facility,
            "detention_start": case.detention_start,
            "expected_release": case.expected_release,
            "actual_release": case.actual_release,
            "stay": label("stay", case.stay),
            "prolific_offender": _yes(case.prolific_offender),
            "benefit_recipient": _yes(case.benefit_recipient),
            "case_worker": case.case_worker.display_name if case.case_worker else "",
        }
        writer.writerow([_cell(row[key]) for key, _title in CSV_COLUMNS])
    return buffer.getvalue()


def case_file_pdf(context: dict) -> bytes:
    """The whole file as a PDF, from the print template (no network: fonts and CSS are local)."""
    return render_pdf("cases/export.html", today=date.today(), **context)
