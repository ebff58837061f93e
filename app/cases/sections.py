"""The case page's long sections, a page at a time (issue 14): the plan's tasks, the notes
and the timeline. The page shows each section's first page; "Meer tonen" fetches the next
(``cases.case_tasks``, ``cases.case_notes``, ``cases.case_timeline`` at
``/cases/<id>/tasks|notes|timeline?page=N``: with htmx the rows of that page, without
JavaScript the case page with that page of the section).

- The plan: 20 tasks a page, the open ones first, then by due date (then the template's
  position, the title, the id, so that a page border never splits ties differently).
  A plan made from the templates has 14-16 tasks, so its first page is the whole plan.
- The notes: 10 a page, newest first, each with its earlier versions.
- The timeline: 20 events a page, newest first.

Each function reads one row more than it shows, to know whether there is a next page: no
count of the section. Pages are numbered (offset paging): a row added at the top between
two clicks shows once more at the next page's top, nothing is skipped; a task marked done on
the page moves behind the open ones, so one open task can move onto a page already shown
(it is there after a reload). A page past the end (its rows were removed since the button
was drawn) is an empty page, not an error: the button just does not come back. A page
number that is not a whole number from 1 to ``MAX_PAGE`` answers 404.

The PDF of the file (``cases.export_case_pdf``) and the printable release-day checklist
are never paged: they read the whole lists (``app.cases.views.file_context``).

Measured with the Flask test client on PostgreSQL (``bench/case_page.py``: one case with
1,000 tasks, notes and events; median of 20 requests; before = ``main`` at 66ee439, run
right before the after on the same shared 2-CPU machine, while another test run was busy):

| request | ms | bytes | statements |
|---|---|---|---|
| case page, before (everything on one page) | 979 | 2,492,795 | 25 |
| case page, after | 139 | 100,083 | 24 |
| plan, page 2 (htmx fragment) | 62 | 40,481 | 10 |
| notes, page 2 (htmx fragment) | 92 | 18,197 | 11 |
| timeline, page 2 (htmx fragment) | 35 | 5,851 | 10 |
| notes, page 2 (no JavaScript: the case page) | 139 | 100,096 | 24 |

(An earlier "before" on a quieter moment: 598 ms.) The page no longer grows with the
file: its statement count is the same with 10 and with 1,000 rows of each
(``tests/perf/test_statement_counts.py``, CASE_PAGE).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import case as when
from sqlalchemy import select
from sqlalchemy.orm import joinedload
from werkzeug.exceptions import NotFound

from app.cases.models import Case
from app.cases.notes import Note
from app.cases.plan.models import Task, TaskStatus
from app.cases.timeline import TimelineEntry
from app.core.db import inline_number
from app.extensions import db

TASKS_PER_PAGE = 20  # a task row was a tenth of the case page's time (30 rows)
NOTES_PER_PAGE = 10
EVENTS_PER_PAGE = 20
# No file has 10,000 pages of anything; the bound keeps the offset a small number.
MAX_PAGE = 10_000

SECTIONS = ("tasks", "notes", "timeline")


@dataclass(frozen=True)
class SectionPage:
    """One page of a section: its rows, its number, and whether a next page exists."""

    rows: list[Any]
    number: int
    has_more: bool

    @property
    def next_number(self) -> int:
        return self.number + 1


def page_number(raw: str | None) -> int:
    """The ``page`` argument: 1 when absent; 404 unless a whole number from 1 to MAX_PAGE."""
    if raw is None or raw == "":
        return 1
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_PAGE:
        raise NotFound()
    return int(raw)


def _page(statement, number: int, size: int) -> SectionPage:
    # Written into the statement, so PostgreSQL keeps one plan for it (core.db.inline_number).
    page = statement.offset(inline_number((number - 1) * size)).limit(inline_number(size + 1))
    rows = list(db.session.scalars(page).unique())  # unique: a collection may be joined
    return SectionPage(rows=rows[:size], number=number, has_more=len(rows) > size)


def plan_page(case: Case, number: int = 1) -> SectionPage:
    """The plan's tasks, a page at a time: the open ones first, then by due date."""
    open_first = when((Task.status == TaskStatus.OPEN.value, 0), else_=1)
    statement = (
        select(Task)
        .where(Task.case_id == case.id)
        .order_by(open_first, Task.due_date, Task.position, Task.title, Task.id)
    )
    return _page(statement, number, TASKS_PER_PAGE)


def notes_page(case: Case, number: int = 1) -> SectionPage:
    """The notes, a page at a time, newest first, with the earlier versions of those only
    (joined to the page of notes: one statement, not one more for the versions)."""
    statement = (
        select(Note)
        .where(Note.case_id == case.id)
        .options(joinedload(Note.revisions))
        .order_by(Note.created_at.desc(), Note.id.desc())
    )
    return _page(statement, number, NOTES_PER_PAGE)


def timeline_page(case_id: uuid.UUID, number: int = 1) -> SectionPage:
    """The timeline, 20 events a page, newest first (the export's order)."""
    statement = (
        select(TimelineEntry)
        .where(TimelineEntry.case_id == case_id)
        .order_by(TimelineEntry.at.desc(), TimelineEntry.id)
    )
    return _page(statement, number, EVENTS_PER_PAGE)


def section_pages(case: Case, pages: dict[str, int] | None = None) -> dict[str, SectionPage]:
    """The plan's and the notes' page for the case page: page 1, or the number ``pages``
    names (the timeline is a panel: ``app.cases.panels``, shown on demand)."""
    pages = pages or {}
    return {
        "plan": plan_page(case, pages.get("tasks", 1)),
        "note_page": notes_page(case, pages.get("notes", 1)),
    }
