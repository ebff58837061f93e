"""The overview and the monitor's figures as files: CSV (semicolons, as Dutch spreadsheets
read it) and XLSX (openpyxl). A file holds exactly what the page shows: the same
suppression ("< 5", "—") for other municipalities' figures, the reader's own exact."""

from __future__ import annotations

import csv
import io

from flask_babel import gettext as _
from openpyxl import Workbook

from app.cases.api import NOW_PHASES
from app.regional.overview import STATUS_KINDS, TRAJECTORY_GROUPS, Overview, Row

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def status_kind_label(kind: str) -> str:
    return {
        "applicable": _("applicable"),
        "arranged": _("arranged"),
        "not_arranged": _("not arranged"),
        "unknown": _("unknown"),
    }[kind]


def group_label(group: str) -> str:
    return {"started": _("started"), "running": _("running"), "finished": _("finished")}[group]


def overview_lines(overview: Overview, label) -> list[list[str]]:
    """Header and one line per municipality (and the region): every figure as shown."""
    header = [_("Municipality"), _("Period")]
    header += [_("Open: %(phase)s", phase=label("phase", p.value)) for p in NOW_PHASES]
    header += [_("Open in all"), _("Release expected within 6 weeks"), _("Overdue tasks")]
    header += [_("Released in the period"), _("Back in detention within two years")]
    header += [_("Not back in detention")]
    for moment in overview.moments:
        for domain in overview.domains:
            for kind in STATUS_KINDS:
                header.append(
                    f"{label('moment', moment.value)}: {label('domain', domain)}:"
                    f" {status_kind_label(kind)}"
                )
    for group in TRAJECTORY_GROUPS:
        header += [
            _("Trajectories %(group)s", group=group_label(group)),
            _("Cost of trajectories %(group)s (EUR)", group=group_label(group)),
        ]
    lines = [header]
    for row in overview.all_rows:
        lines.append(_line(overview, row))
    return lines


def _line(overview: Overview, row: Row) -> list[str]:
    line = [row.name, overview.period.key]
    line += [str(row.get("phase", p.value)) for p in NOW_PHASES]
    line += [str(row.get("open")), str(row.get("releases_soon")), str(row.get("overdue_tasks"))]
    line += [str(row.get("cohort")), str(row.get("back")), str(row.get("not_back"))]
    for moment in overview.moments:
        for domain in overview.domains:
            line += [str(row.get("domain", moment.value, domain, k)) for k in STATUS_KINDS]
    for group in TRAJECTORY_GROUPS:
        line += [str(row.get("trajectories", group)), f"{row.costs[group] / 100:.2f}"]
    return line


def monitor_lines(overview: Overview, label) -> list[list[str]]:
    """The national monitor: per municipality (and the region), cohort, moment and life
    domain: applicable, arranged, not arranged, unknown and the percentage arranged."""
    lines = [
        [
            _("Municipality"),
            _("Release cohort"),
            _("Moment"),
            _("Life domain"),
            *[status_kind_label(k) for k in STATUS_KINDS],
            _("Percentage arranged"),
        ]
    ]
    for row in overview.all_rows:
        for moment in overview.moments:
            for domain in overview.domains:
                percent = row.percent(moment.value, domain)
                lines.append(
                    [
                        row.name,
                        overview.period.key,
                        label("moment", moment.value),
                        label("domain", domain),
                        *[str(row.get("domain", moment.value, domain, k)) for k in STATUS_KINDS],
                        "" if percent is None else str(percent),
                    ]
                )
    return lines


def _safe(text: str) -> str:
    return "'" + text if text.startswith(FORMULA_PREFIXES) and text != "-" else text


def as_csv(lines: list[list[str]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    for line in lines:
        writer.writerow([_safe(str(v)) for v in line])
    # With a byte order mark, so that a spreadsheet reads the accents as UTF-8.
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def as_xlsx(lines: list[list[str]], title: str, notes: list[str]) -> bytes:
    """One sheet with the figures (numbers as numbers, "< 5" and "—" as text) and one with
    what they mean."""
    book = Workbook()
    sheet = book.active
    sheet.title = title[:31]
    for line in lines:
        sheet.append([_cell(v) for v in line])
    about = book.create_sheet(_("Explanation")[:31])
    for note in notes:
        about.append([note])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _cell(value: str):
    if value.isdigit():
        return int(value)
    return _safe(value)
