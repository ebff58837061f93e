"""The release day's one checklist (issue 11, point 6).

Shown on the case page from two weeks before the release (the expected one, or the
recorded one) to a week after it, printable on its own (``?print=release-day`` on the case
page), and named by the day-of-release notice: the open tasks of the day (what was for
before the release and is not done, and what falls on the day itself: pocket money,
health insurance active, the benefit starting), the address the client goes to, the
prison caseworker's contact, and the life domains not arranged.

Built from what the case page has loaded already (the case, its client, its life
domains), plus one query for the open tasks of the day, only while the checklist shows.
The case page shows at most ``SHOWN_ON_CASE_PAGE`` of them (and says that the printable
checklist has the rest); the printable checklist shows them all.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import or_, select

from app.cases.models import Case, DomainStatus, LifeDomain
from app.cases.plan.models import Task, TaskStatus
from app.extensions import db

DAYS_BEFORE, DAYS_AFTER = 14, 7
NOT_ARRANGED = (DomainStatus.NOT_ARRANGED.value, DomainStatus.UNKNOWN.value)
SHOWN_ON_CASE_PAGE = 30


@dataclass(frozen=True)
class ReleaseChecklist:
    release_date: date
    released: bool
    tasks: list[Task]
    address: str | None
    postal_address: str | None
    prison_caseworker_name: str | None
    prison_caseworker_contact: str | None
    open_domains: list[LifeDomain]
    # More open tasks of the day than ``tasks`` holds (the case page's shortened list).
    more_tasks: bool = False


def tasks_of_the_day(tasks: list[Task], day: date) -> list[Task]:
    """The open tasks the release day asks for: every open task meant for before the
    release, and every open task due on or before the day."""
    return [t for t in tasks if t.is_open and (t.before_release or t.due_date <= day)]


def open_tasks_of_the_day(case: Case, day: date, limit: int | None = None) -> list[Task]:
    """``tasks_of_the_day`` in SQL, in the plan's order: at most ``limit`` rows read."""
    statement = (
        select(Task)
        .where(
            Task.case_id == case.id,
            Task.status == TaskStatus.OPEN.value,
            or_(Task.before_release.is_(True), Task.due_date <= day),
        )
        .order_by(Task.due_date, Task.position, Task.title, Task.id)
    )
    if limit is not None:
        statement = statement.limit(limit)
    return list(db.session.scalars(statement))


def release_checklist(
    case: Case, today: date, *, limit: int | None = None
) -> ReleaseChecklist | None:
    """The checklist while the release is near (None otherwise, or for a closed case), with
    at most ``limit`` of the day's open tasks (all of them without a limit: the print)."""
    if case.is_closed:
        return None
    day = case.actual_release or case.expected_release
    if day is None or not day - timedelta(days=DAYS_BEFORE) <= today <= day + timedelta(
        days=DAYS_AFTER
    ):
        return None
    tasks = open_tasks_of_the_day(case, day, None if limit is None else limit + 1)
    return ReleaseChecklist(
        release_date=day,
        released=case.actual_release is not None,
        tasks=tasks[:limit],
        more_tasks=limit is not None and len(tasks) > limit,
        address=case.client.address,
        postal_address=case.client.postal_address,
        prison_caseworker_name=case.prison_caseworker_name,
        prison_caseworker_contact=case.prison_caseworker_contact,
        open_domains=[d for d in case.life_domains if d.status in NOT_ARRANGED],
    )
