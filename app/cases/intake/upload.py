"""A file of intake documents (CSV or JSON), validated row by row.

Valid rows are received through ``receive_intake`` (each once, also when the
file comes again); invalid rows are reported with their line and the reason in
Dutch, and do not stop the others. Each row is saved in a savepoint of its own.
"""

from __future__ import annotations

import csv
import io
import json
import uuid
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _
from sqlalchemy.exc import IntegrityError

from app.cases.intake.document import flat_row_to_document, parse_document
from app.cases.intake.services import Source, receive_intake
from app.cases.labels import intake_field_label
from app.extensions import db

MAX_ROWS = 5000


@dataclass
class RowProblem:
    line: int
    messages: list[str]


@dataclass
class UploadReport:
    created: list[uuid.UUID] = field(default_factory=list)
    already_received: list[uuid.UUID] = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)
    file_error: str | None = None


def read_rows(filename: str, content: bytes) -> list[tuple[int, object]]:
    """(line, raw document) pairs; the line is the CSV line or the JSON array position."""
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ValueError(_("The file is not UTF-8 text.")) from error
    if filename.lower().endswith(".json") or text.lstrip().startswith(("[", "{")):
        try:
            data = json.loads(text)
        except json.JSONDecodeError as error:
            raise ValueError(
                _("The file is not valid JSON (line %(n)s).", n=error.lineno)
            ) from error
        if isinstance(data, dict) and isinstance(data.get("documents"), list):
            data = data["documents"]
        if not isinstance(data, list):
            raise ValueError(_("A JSON file holds a list of intake documents."))
        return list(enumerate(data, start=1))
    sample = text[:4096]
    delimiter = ";" if sample.count(";") > sample.count(",") else ","
    reader = csv.DictReader(io.StringIO(text), delimiter=delimiter)
    if not reader.fieldnames:
        raise ValueError(_("The file is empty."))
    rows = []
    for row in reader:
        if None in row:
            rows.append((reader.line_num, {"__too_many_columns__": True}))
            continue
        rows.append((reader.line_num, flat_row_to_document(row)))
    return rows


def import_file(filename: str, content: bytes, actor) -> UploadReport:
    report = UploadReport()
    try:
        rows = read_rows(filename, content)
    except ValueError as error:
        report.file_error = str(error)
        return report
    if len(rows) > MAX_ROWS:
        report.file_error = str(_("A file may hold at most %(n)s rows.", n=MAX_ROWS))
        return report
    for line, raw in rows:
        if isinstance(raw, dict) and raw.get("__too_many_columns__"):
            report.problems.append(
                RowProblem(line, [str(_("the row has more columns than the header"))])
            )
            continue
        document, errors = parse_document(raw)
        if errors:
            report.problems.append(
                RowProblem(
                    line, [f"{intake_field_label(name)}: {message}" for name, message in errors]
                )
            )
            continue
        try:
            with db.session.begin_nested():
                result = receive_intake(document, actor, Source.UPLOAD)
        except IntegrityError:
            report.problems.append(
                RowProblem(line, [str(_("conflicts with another row of the file; try again"))])
            )
            continue
        (report.created if result.created else report.already_received).append(result.case_id)
    return report
