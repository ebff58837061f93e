"""A file of intake documents (CSV or JSON), validated row by row.

Valid rows are received through ``receive_intake`` (each once, also when the
file comes again); invalid rows are reported with their line and the reason in
Dutch, and do not stop the others. Each row is saved in a savepoint of its own.

The file is judged before any row is: JSON too deep or with a too large number is
refused whole (``app.core.input.json_shape_problem``); CSV is read with universal
newlines, so the carriage-return-only lines of old Excel count as lines, and a row
with fewer or more columns than the header is refused with its line.
"""

from __future__ import annotations

import csv
import io
import json
import uuid
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from app.cases.intake.checklist import waiting_message
from app.cases.intake.document import flat_row_to_document, parse_document
from app.cases.intake.facilities import known_facilities
from app.cases.intake.services import IntakeRefused, Source, receive_intake_once
from app.cases.labels import intake_field_label
from app.core.input import json_shape_problem

MAX_ROWS = 5000
_MISSING = object()  # DictReader's filler for a row with fewer columns than the header


@dataclass
class RowProblem:
    line: int
    messages: list[str]


@dataclass
class UploadReport:
    created: list[uuid.UUID] = field(default_factory=list)
    already_received: list[uuid.UUID] = field(default_factory=list)
    updated: list[uuid.UUID] = field(default_factory=list)  # new versions for known cases
    problems: list[RowProblem] = field(default_factory=list)
    file_error: str | None = None


def read_rows(filename: str, content: bytes) -> list[tuple[int, object]]:
    """(line, raw document or RowProblem) pairs; the line is the CSV line or the JSON
    array position. Raises ValueError with a Dutch reason for a file that is unreadable
    as a whole."""
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ValueError(_("The file is not UTF-8 text.")) from error
    if filename.lower().endswith(".json") or text.lstrip().startswith(("[", "{")):
        return _json_rows(text)
    return _csv_rows(text)


def _json_rows(text: str) -> list[tuple[int, object]]:
    problem = json_shape_problem(text)
    if problem is not None:
        raise ValueError(problem)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise ValueError(_("The file is not valid JSON (line %(n)s).", n=error.lineno)) from error
    except (ValueError, RecursionError) as error:
        raise ValueError(_("The file is not valid JSON.")) from error
    if isinstance(data, dict) and isinstance(data.get("documents"), list):
        data = data["documents"]
    if not isinstance(data, list):
        raise ValueError(_("A JSON file holds a list of intake documents."))
    return list(enumerate(data, start=1))


def _csv_rows(text: str) -> list[tuple[int, object]]:
    sample = text[:4096]
    delimiter = ";" if sample.count(";") > sample.count(",") else ","
    # newline=None: "\r\n", "\n" and a lone "\r" (old Excel) all end a line.
    reader = csv.DictReader(io.StringIO(text, newline=None), delimiter=delimiter, restval=_MISSING)
    rows: list[tuple[int, object]] = []
    try:
        if not reader.fieldnames:
            raise ValueError(_("The file is empty."))
        expected = len(reader.fieldnames)
        for row in reader:
            rows.append((reader.line_num, _csv_row(row, expected)))
            if len(rows) > MAX_ROWS:
                break
    except csv.Error as error:
        raise ValueError(
            _("The file is not a readable CSV file (line %(n)s).", n=reader.line_num)
        ) from error
    return rows


def _csv_row(row: dict, expected: int):
    if None in row:
        got = expected + len(row[None])
        return RowProblem(
            0, [str(_("the row has %(got)s columns, the header %(n)s", got=got, n=expected))]
        )
    if _MISSING in row.values():
        got = sum(1 for value in row.values() if value is not _MISSING)
        return RowProblem(
            0, [str(_("the row has %(got)s columns, the header %(n)s", got=got, n=expected))]
        )
    return flat_row_to_document(row)


def import_file(filename: str, content: bytes, actor) -> UploadReport:
    report = UploadReport()
    try:
        rows = read_rows(filename, content)
    except ValueError as error:
        report.file_error = str(error.args[0]) if error.args else str(error)
        return report
    if len(rows) > MAX_ROWS:
        report.file_error = str(_("A file may hold at most %(n)s rows.", n=MAX_ROWS))
        return report
    import_rows(rows, actor, report)
    return report


def import_rows(rows: list[tuple[int, object]], actor, report: UploadReport) -> None:
    """Receive each valid row once (in a savepoint of its own); report the others."""
    facilities = known_facilities()
    for line, raw in rows:
        if isinstance(raw, RowProblem):
            report.problems.append(RowProblem(line, raw.messages))
            continue
        document, errors = parse_document(raw, facilities=facilities)
        if errors:
            report.problems.append(
                RowProblem(
                    line, [f"{intake_field_label(name)}: {message}" for name, message in errors]
                )
            )
            continue
        try:
            result = receive_intake_once(document, actor, Source.UPLOAD)
        except IntakeRefused as refusal:
            name = intake_field_label(refusal.field or "kind")
            report.problems.append(RowProblem(line, [f"{name}: {refusal.message}"]))
            continue
        except (IntegrityError, StaleDataError):
            # Lost again after every retry (another upload of the same rows at once).
            report.problems.append(
                RowProblem(line, [str(_("conflicts with another row of the file; try again"))])
            )
            continue
        if result.waiting:
            # Nothing saved to a case: the row waits in the check list.
            report.problems.append(RowProblem(line, [str(waiting_message())]))
        elif result.created:
            report.created.append(result.case_id)
        elif result.updated:
            report.updated.append(result.case_id)
        else:
            report.already_received.append(result.case_id)
