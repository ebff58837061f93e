"""The plan of a case: templates to tasks, keyed to the expected release date.

- ``generate_plan`` makes a case's tasks from the municipality's templates at intake
  (the default template is copied in the first time a municipality needs it).
- A short stay gets the compressed plan: the short-stay offsets, no long-stay-only
  tasks, and every pre-release task falls between today and the release date.
- ``shift_open_tasks`` moves every open due date by the same number of days when
  the expected release moves; ``make_pre_release_tasks_due`` handles an immediate release,
  and ``shift_open_after_release_tasks`` keys the rest to the actual release.
"""

from __future__ import annotations

import json
import uuid
from datetime import date, timedelta
from pathlib import Path

from flask_babel import lazy_gettext as _
from sqlalchemy import func, select

from app.cases import timeline
from app.cases.errors import CaseError
from app.cases.models import Case, StayKind
from app.cases.plan.models import Anchor, PlanPhase, Responsible, Task, TaskStatus, TaskTemplate
from app.cases.timeline import EventKind
from app.core.actions import check_version, create_once
from app.core.db import utcnow
from app.extensions import db

DEFAULT_TEMPLATE = Path(__file__).with_name("default_template.json")


def default_template_rows() -> list[dict]:
    return json.loads(DEFAULT_TEMPLATE.read_text(encoding="utf-8"))["tasks"]


def templates(include_inactive: bool = False, *, install: bool = True) -> list[TaskTemplate]:
    """This municipality's templates; the default is copied in when it has none yet
    (unless ``install`` is false: a page that only shows them must not write)."""
    if install and db.session.scalar(select(func.count()).select_from(TaskTemplate)) == 0:
        install_default_template()
    query = select(TaskTemplate).order_by(TaskTemplate.position, TaskTemplate.title)
    if not include_inactive:
        query = query.where(TaskTemplate.active.is_(True))
    return list(db.session.scalars(query))


def default_template_preview() -> list[TaskTemplate]:
    """The shipped default template as unsaved rows, to show before a municipality has its own."""
    return [
        TaskTemplate(
            domain=row["domain"],
            phase=PlanPhase(row["phase"]).value,
            title=row["title"],
            description=row.get("description"),
            responsible=Responsible(row["responsible"]).value,
            anchor=Anchor(row["anchor"]).value,
            offset_days=row["offset_days"],
            short_stay_offset_days=row.get("short_stay_offset_days"),
            long_stay_only=row.get("long_stay_only", False),
            position=position * 10,
            active=True,
        )
        for position, row in enumerate(default_template_rows())
    ]


def install_default_template() -> list[TaskTemplate]:
    rows = []
    for template in default_template_preview():
        db.session.add(template)
        rows.append(template)
    db.session.flush()
    return rows


def _anchor_date(case: Case, anchor: Anchor, today: date) -> date:
    if anchor == Anchor.DETENTION_START:
        return case.detention_start or case.expected_release or today
    return case.expected_release or case.actual_release or case.detention_start or today


def due_date_for(case: Case, template: TaskTemplate, today: date) -> date | None:
    """The task's due date for this case, or None when the task is not in its plan."""
    short = (case.stay or StayKind.SHORT) == StayKind.SHORT
    if short and template.long_stay_only:
        return None
    offset = template.offset_days
    if short and template.short_stay_offset_days is not None:
        offset = template.short_stay_offset_days
    due = _anchor_date(case, Anchor(template.anchor), today) + timedelta(days=offset)
    if template.phase != PlanPhase.AFTER_RELEASE.value:
        # Compressed into the time left: not in the past, not after the release.
        if case.expected_release and due > case.expected_release:
            due = case.expected_release
        due = max(due, min(today, case.expected_release or today))
    return due


def generate_plan(case: Case, actor, today: date | None = None) -> list[Task]:
    """The case's tasks from the templates that apply to its life domains and stay."""
    today = today or date.today()
    kinds = {d.domain for d in case.life_domains}
    tasks = []
    for template in templates():
        if template.domain not in kinds:
            continue
        due = due_date_for(case, template, today)
        if due is None:
            continue
        task = Task(
            case_id=case.id,
            template_id=template.id,
            domain=template.domain,
            phase=template.phase,
            title=template.title,
            description=template.description,
            responsible=template.responsible,
            due_date=due,
            before_release=template.phase != PlanPhase.AFTER_RELEASE.value,
            status=TaskStatus.OPEN.value,
            position=template.position,
        )
        db.session.add(task)
        tasks.append(task)
    timeline.record(
        case.id,
        EventKind.PLAN_GENERATED,
        actor,
        tasks=len(tasks),
        stay=(case.stay or StayKind.SHORT).value,
    )
    return tasks


def tasks_of(case: Case) -> list[Task]:
    return list(
        db.session.scalars(
            select(Task)
            .where(Task.case_id == case.id)
            .order_by(Task.due_date, Task.position, Task.title)
        )
    )


def open_tasks(case: Case) -> list[Task]:
    return [t for t in tasks_of(case) if t.is_open]


def shift_open_tasks(case: Case, days: int) -> int:
    """Move every open task's due date by ``days``; done tasks keep their dates."""
    moved = 0
    for task in open_tasks(case):
        task.due_date = task.due_date + timedelta(days=days)
        moved += 1
    return moved


def shift_open_after_release_tasks(case: Case, days: int) -> int:
    """The release came ``days`` later (or earlier, negative) than expected: every open
    task for after the release moves with it."""
    moved = 0
    for task in open_tasks(case):
        if not task.before_release:
            task.due_date = task.due_date + timedelta(days=days)
            moved += 1
    return moved


def make_pre_release_tasks_due(case: Case, today: date) -> int:
    """Immediate release: every open task meant for before the release is due today."""
    moved = 0
    for task in open_tasks(case):
        if task.before_release and task.due_date != today:
            task.due_date = today
            moved += 1
    return moved


def access_task(case: Case, task_id: uuid.UUID) -> Task:
    from werkzeug.exceptions import NotFound

    task = db.session.scalars(
        select(Task).where(Task.id == task_id, Task.case_id == case.id)
    ).one_or_none()
    if task is None:
        raise NotFound()
    return task


def complete_task(
    task: Task, actor, *, done: bool = True, expected_version: int | None = None
) -> None:
    check_version(task, expected_version)
    if done == (not task.is_open):
        return
    if done:
        task.status = TaskStatus.DONE.value
        task.done_at = utcnow()
        task.done_by = timeline.actor_name(actor)
        kind = EventKind.TASK_DONE
    else:
        task.status = TaskStatus.OPEN.value
        task.done_at = None
        task.done_by = None
        kind = EventKind.TASK_REOPENED
    timeline.record(task.case_id, kind, actor, task=task.title, domain=task.domain)


MAX_TASK_TITLE = 200  # tasks.title


def add_task(
    case: Case,
    actor,
    *,
    domain: str,
    title: str,
    responsible: str,
    due_date: date,
    submission_key: uuid.UUID | None = None,
) -> Task:
    """A task added by hand; the same form posted again (same ``submission_key``) returns
    the first task."""

    def build() -> Task:
        if not title.strip():
            raise CaseError(_("Give the task a title."), field="title")
        if len(title.strip()) > MAX_TASK_TITLE:
            raise CaseError(
                _("A title can be at most %(n)s characters.", n=MAX_TASK_TITLE), field="title"
            )
        return Task(
            case_id=case.id,
            domain=domain,
            phase=PlanPhase.AFTER_RELEASE.value
            if case.actual_release
            else PlanPhase.IN_DETENTION.value,
            title=title.strip(),
            responsible=Responsible(responsible).value,
            due_date=due_date,
            before_release=case.actual_release is None,
            status=TaskStatus.OPEN.value,
            position=10_000,
        )

    task, created = create_once(Task, submission_key, build)
    if created:
        timeline.record(case.id, EventKind.TASK_ADDED, actor, task=task.title, due=due_date)
    return task
