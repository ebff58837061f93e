"""The plan of a case: templates to tasks, with conditions and anchors.

- ``generate_plan`` makes a case's tasks from the municipality's templates at intake
  (the default template is copied in the first time a municipality needs it), only
  those whose conditions hold (``why_not``: life domain status, target group, stay,
  detention length, the care director's trajectory).
- Each task keeps its anchor (start of detention, expected release, actual release,
  intake) and its offset; a short stay gets the short-stay offsets, and a pre-release
  task made before the release falls between today and the expected release.
- ``reconcile_plan`` is called wherever what the conditions or anchors read changes:
  open tasks move with their own anchor only, tasks that stop applying are closed as
  not applicable (with the reason in the history), tasks that start applying are added.
"""

from __future__ import annotations

import json
import uuid
from datetime import date, timedelta
from pathlib import Path

from flask_babel import lazy_gettext as _
from sqlalchemy import func, select
from werkzeug.exceptions import NotFound

from app.cases import timeline
from app.cases.errors import CaseError
from app.cases.handover.models import Trajectory, TrajectoryStatus
from app.cases.models import Case, DomainStatus, LifeDomain, StayKind
from app.cases.plan.models import (
    Anchor,
    PlanPhase,
    Responsible,
    TargetGroup,
    Task,
    TaskStatus,
    TaskTemplate,
)
from app.cases.timeline import EventKind
from app.core.actions import check_version, create_once
from app.core.dates import add_months
from app.core.db import utcnow
from app.extensions import db

DEFAULT_TEMPLATE = Path(__file__).with_name("default_template.json")


def default_template_rows() -> list[dict]:
    return json.loads(DEFAULT_TEMPLATE.read_text(encoding="utf-8"))["tasks"]


def templates(include_inactive: bool = False, *, install: bool = True) -> list[TaskTemplate]:
    """This municipality's templates; the default is copied in when it has none yet
    (unless ``install`` is false: a page that only shows them must not write).

    One statement: all of them are read and the ones not in use left out here, so that
    "none yet" needs no count of its own (the plan reads them on every change of a case)."""
    query = select(TaskTemplate).order_by(TaskTemplate.position, TaskTemplate.title)
    rows = list(db.session.scalars(query))
    if not rows and install:
        rows = install_default_template()
    return rows if include_inactive else [t for t in rows if t.active]


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
            conditions=validate_conditions(row.get("conditions")),
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


# --- conditions: when a template's task applies to a case --------------------------------


def stay_of(case: Case) -> StayKind:
    """Short or long stay (``Case.stay``: four months or more from the first judgement,
    or else the start of detention, to the expected release is long); short while a
    date is unknown."""
    return case.stay or StayKind.SHORT


def target_groups(case: Case) -> set[str]:
    groups = set()
    if case.prolific_offender:
        groups.add(TargetGroup.PROLIFIC_OFFENDER.value)
    if case.benefit_recipient:
        groups.add(TargetGroup.BENEFIT_RECIPIENT.value)
    return groups or {TargetGroup.OTHERS.value}


def in_trajectory(case: Case) -> bool:
    """Whether the case has an active trajectory with the care director."""

    return (
        db.session.scalar(
            select(func.count())
            .select_from(Trajectory)
            .where(
                Trajectory.case_id == case.id,
                Trajectory.status == TrajectoryStatus.ACTIVE.value,
            )
        )
        > 0
    )


def detention_end(case: Case) -> date | None:
    return case.actual_release or case.expected_release


def _longer_than(case: Case, months: int) -> bool | None:
    end = detention_end(case)
    if case.detention_start is None or end is None:
        return None
    return end > add_months(case.detention_start, months)


def template_conditions(template: TaskTemplate) -> dict:
    conditions = dict(template.conditions or {})
    if template.long_stay_only:
        conditions.setdefault("stay", StayKind.LONG.value)
    return conditions


def why_not(
    case: Case,
    template: TaskTemplate,
    *,
    trajectory: bool | None = None,
    stay: StayKind | None = None,
    domains: dict[str, LifeDomain] | None = None,
) -> str | None:
    """None when the template's task applies to the case; else the first condition that
    fails, by its key (the history shows it in words: ``_event_text.html``).

    ``trajectory``, ``stay`` and ``domains`` (the case's life domains by kind): what the
    caller knows already, for many templates of one case (``_plans``)."""
    domain = case.domain(template.domain) if domains is None else domains.get(template.domain)
    if domain is None:
        return "domain"
    conditions = template_conditions(template)
    statuses = conditions.get("domain_status")
    if statuses and domain.status not in statuses:
        return "domain_status"
    groups = conditions.get("target_groups")
    if groups and not target_groups(case) & set(groups):
        return "target_groups"
    wanted_stay = conditions.get("stay")
    if wanted_stay and (stay or stay_of(case)).value != wanted_stay:
        return "stay"
    low, high = conditions.get("min_detention_months"), conditions.get("max_detention_months")
    if low is not None and not _longer_than(case, low):
        return "min_detention_months"
    if high is not None and _longer_than(case, high) is not False:
        return "max_detention_months"
    wanted = conditions.get("trajectory")
    if wanted is not None:
        actual = in_trajectory(case) if trajectory is None else trajectory
        if actual != wanted:
            return "trajectory"
    return None


def applies(case: Case, template: TaskTemplate, **known) -> bool:
    return why_not(case, template, **known) is None


# Words for the conditions (the template editor and the task's history).
STATUS_WORDS = {
    DomainStatus.ARRANGED: _("arranged"),
    DomainStatus.NOT_ARRANGED: _("not arranged"),
    DomainStatus.UNKNOWN: _("unknown"),
    DomainStatus.NOT_APPLICABLE: _("not applicable"),
}
GROUP_WORDS = {
    TargetGroup.PROLIFIC_OFFENDER: _("prolific offenders"),
    TargetGroup.BENEFIT_RECIPIENT: _("benefit recipients"),
    TargetGroup.OTHERS: _("other clients"),
}
STAY_WORDS = {StayKind.LONG: _("only for a long stay"), StayKind.SHORT: _("only for a short stay")}
DOMAIN_WORDS = {
    "identity": _("identity"),
    "housing": _("housing"),
    "income": _("income"),
    "debts": _("debts"),
    "care": _("care"),
    "social_network": _("social network"),
}


def _domain_word(domain: str) -> str:
    return str(DOMAIN_WORDS.get(domain, domain))


def _months(n: int) -> str:
    return str(_("one month")) if n == 1 else str(_("%(n)s months", n=n))


def _or(words: list[str]) -> str:
    words = [str(w) for w in words]
    if len(words) <= 1:
        return "".join(words)
    return str(_("%(first)s or %(last)s", first=", ".join(words[:-1]), last=words[-1]))


def describe_conditions(template: TaskTemplate) -> list[str]:
    """The template's conditions in words, e.g. "only when identity is not arranged"."""
    conditions = template_conditions(template)
    words = []
    if conditions.get("domain_status"):
        statuses = [STATUS_WORDS[DomainStatus(s)] for s in conditions["domain_status"]]
        words.append(
            _(
                "only when %(domain)s is %(statuses)s",
                domain=_domain_word(template.domain),
                statuses=_or(statuses),
            )
        )
    if conditions.get("target_groups"):
        groups = [GROUP_WORDS[TargetGroup(g)] for g in conditions["target_groups"]]
        words.append(_("only for %(groups)s", groups=_or(groups)))
    if conditions.get("stay"):
        words.append(STAY_WORDS[StayKind(conditions["stay"])])
    low, high = conditions.get("min_detention_months"), conditions.get("max_detention_months")
    if low is not None and high is not None:
        words.append(
            _(
                "only for a detention longer than %(low)s and at most %(high)s",
                low=_months(low),
                high=_months(high),
            )
        )
    elif low is not None:
        words.append(_("only for a detention longer than %(months)s", months=_months(low)))
    elif high is not None:
        words.append(_("only for a detention of at most %(months)s", months=_months(high)))
    if conditions.get("order") == DURING_DETENTION:
        words.append(_("only during detention"))
    elif conditions.get("order") == NOT_BEFORE_RELEASE:
        words.append(_("not before the release"))
    if conditions.get("trajectory") is True:
        words.append(_("only in the care director's trajectory"))
    elif conditions.get("trajectory") is False:
        words.append(_("only outside the care director's trajectory"))
    return [str(w) for w in words]


def validate_conditions(conditions: dict | None) -> dict | None:
    """The stored form of a template's conditions; raises ValueError on an unknown value."""
    if not conditions:
        return None
    clean: dict = {}
    if conditions.get("domain_status"):
        clean["domain_status"] = [DomainStatus(s).value for s in conditions["domain_status"]]
    if conditions.get("target_groups"):
        clean["target_groups"] = [TargetGroup(g).value for g in conditions["target_groups"]]
    if conditions.get("stay"):
        clean["stay"] = StayKind(conditions["stay"]).value
    for key in ("min_detention_months", "max_detention_months"):
        if conditions.get(key) is not None:
            value = int(conditions[key])
            if not 0 <= value <= 240:
                raise ValueError(key)
            clean[key] = value
    if conditions.get("trajectory") is not None:
        clean["trajectory"] = bool(conditions["trajectory"])
    if conditions.get("order"):
        if conditions["order"] not in ORDERS:
            raise ValueError("order")
        clean["order"] = conditions["order"]
    unknown = set(conditions) - {
        "order",
        "domain_status",
        "target_groups",
        "stay",
        "min_detention_months",
        "max_detention_months",
        "trajectory",
    }
    if unknown:
        raise ValueError(f"unknown conditions: {sorted(unknown)}")
    return clean or None


# --- dates: each task keeps its anchor and offset ----------------------------------------
# The order of steps (``order`` on a template, issue 11 point 8): "during_detention" (the
# re-integration start, the benefit application) is due by the release at the latest, as
# every task of a phase before the release; "not_before_release" (debt counselling) and
# every after-release task are never due before the release (the actual one, or while it
# is not recorded the expected one): moving the release later moves them along.
DURING_DETENTION, NOT_BEFORE_RELEASE = "during_detention", "not_before_release"
ORDERS = (DURING_DETENTION, NOT_BEFORE_RELEASE)


def _release_of(case: Case) -> date | None:
    return case.actual_release or case.expected_release


def _not_before_release(template: TaskTemplate) -> bool:
    """Whether the template's task waits for the release; the order of steps, when the
    template gives one, decides over its phase (a "during detention" task in the phase
    after release is still due by the release)."""
    order = template_conditions(template).get("order")
    if order == DURING_DETENTION:
        return False
    return order == NOT_BEFORE_RELEASE or template.phase == PlanPhase.AFTER_RELEASE.value


def anchor_date(case: Case, anchor: Anchor) -> date | None:
    """The date an anchor stands for in this case (None while it is unknown)."""
    if anchor == Anchor.DETENTION_START:
        return case.detention_start
    if anchor == Anchor.RELEASE:
        return case.expected_release
    if anchor == Anchor.ACTUAL_RELEASE:
        return case.actual_release or case.expected_release
    return case.created_at.date() if case.created_at else None


def _fallback_date(case: Case, today: date) -> date:
    return case.expected_release or case.actual_release or case.detention_start or today


def due_date_for(case: Case, template: TaskTemplate, today: date) -> date | None:
    """The due date of the template's task when it is made today (None: it does not apply)."""
    if not applies(case, template):
        return None
    return _new_due(case, template, today)[0]


def _new_due(
    case: Case, template: TaskTemplate, today: date, stay: StayKind | None = None
) -> tuple[date, int]:
    """(due date, offset kept on the task) for a task made today."""
    anchor = Anchor(template.anchor)
    offset = template.offset_days
    stay = stay or stay_of(case)
    if stay == StayKind.SHORT and template.short_stay_offset_days is not None:
        offset = template.short_stay_offset_days
    base = anchor_date(case, anchor)
    due = (base or _fallback_date(case, today)) + timedelta(days=offset)
    if _not_before_release(template):
        release = _release_of(case)
        if release is not None and due < release:
            due = release
    else:
        if case.actual_release is not None:
            due = min(due, today)  # released already: what was for before is due now
        else:
            # Compressed into the time left: not in the past, not after the release.
            if case.expected_release and due > case.expected_release:
                due = case.expected_release
            due = max(due, min(today, case.expected_release or today))
    # The task keeps the offset it was given (the compression included): a later move of
    # its anchor moves it by as much, a move of another date leaves it.
    kept = (due - base).days if base else offset
    return due, kept


def _current_due(case: Case, task: Task) -> date:
    """An open task's due date from its anchor and offset, as the dates stand now."""
    if task.anchor is None or task.offset_days is None:
        return task.due_date
    anchor = Anchor(task.anchor)
    if anchor == Anchor.RELEASE and case.actual_release is not None:
        base = None  # after the release the expected date is history: it moves nothing
    else:
        base = anchor_date(case, anchor)
    due = task.due_date if base is None else base + timedelta(days=task.offset_days)
    if task.before_release and case.actual_release is not None:
        due = min(due, case.actual_release)  # released: what was for before is due by then
    if not task.before_release and (release := _release_of(case)) is not None:
        due = max(due, release)  # never before the release (the order of steps)
    return due


def _task_from(
    case: Case, template: TaskTemplate, today: date, stay: StayKind | None = None
) -> Task:
    return Task(**_task_values(case, template, today, stay))


def _task_values(
    case: Case, template: TaskTemplate, today: date, stay: StayKind | None = None
) -> dict:
    """The attributes of the template's task for the case, made today."""
    due, kept = _new_due(case, template, today, stay)
    return {
        "case_id": case.id,
        "template_id": template.id,
        "domain": template.domain,
        "phase": template.phase,
        "title": template.title,
        "description": template.description,
        "responsible": template.responsible,
        "due_date": due,
        "anchor": template.anchor,
        "offset_days": kept,
        "before_release": not _not_before_release(template),
        "status": TaskStatus.OPEN.value,
        "position": template.position,
    }


def generate_plan(case: Case, actor, today: date | None = None) -> list[Task]:
    """The case's tasks from the templates whose conditions hold for it."""
    return generate_plans([case], actor, today)[0]


def generate_plans(cases: list[Case], actor, today: date | None = None) -> list[list[Task]]:
    """The plans of several new cases at once, each the same tasks and timeline row as
    ``generate_plan`` makes for it alone: the templates are read once and the active
    trajectories of all the cases in one query, so the statements sent do not grow with
    the number of cases (the rows go out in the caller's flush)."""

    def add_task(case: Case, template: TaskTemplate, today: date, stay: StayKind) -> Task:
        task = _task_from(case, template, today, stay)
        db.session.add(task)
        return task

    return _plans(cases, actor, today, add_task)


def plan_rows(cases: list[Case], actor, today: date | None = None) -> list[dict]:
    """The tasks of ``generate_plans`` as rows (a ``Task``'s attributes), for a batch of
    new cases that writes them with ``bulk.insert_new_rows`` after the cases (the intake
    batch: some fifteen tasks a case, which as ORM objects cost more to build than to
    write). The timeline row of each plan is added to the session as by
    ``generate_plans``."""
    return [row for rows in _plans(cases, actor, today, _task_values) for row in rows]


def _plans(cases: list[Case], actor, today: date | None, make) -> list[list]:
    today = today or date.today()
    active = cases_in_trajectory([case.id for case in cases])
    rows = templates()
    plans = []
    for case in cases:
        # Read once a case, not once a template (some twenty templates).
        stay = stay_of(case)
        known = {
            "trajectory": case.id in active,
            "stay": stay,
            "domains": {domain.domain: domain for domain in case.life_domains},
        }
        tasks = [
            make(case, template, today, stay)
            for template in rows
            if applies(case, template, **known)
        ]
        timeline.record(
            case.id,
            EventKind.PLAN_GENERATED,
            actor,
            tasks=len(tasks),
            stay=stay.value,
        )
        plans.append(tasks)
    return plans


def cases_in_trajectory(case_ids: list[uuid.UUID]) -> set[uuid.UUID]:
    """Which of these cases have an active trajectory with the care director (one query)."""
    if not case_ids:
        return set()
    return set(
        db.session.scalars(
            select(Trajectory.case_id).where(
                Trajectory.case_id.in_(case_ids),
                Trajectory.status == TrajectoryStatus.ACTIVE.value,
            )
        )
    )


def has_plan(case: Case) -> bool:
    return (
        db.session.scalar(
            select(func.count())
            .select_from(timeline.TimelineEntry)
            .where(
                timeline.TimelineEntry.case_id == case.id,
                timeline.TimelineEntry.kind == EventKind.PLAN_GENERATED.value,
            )
        )
        > 0
    )


def reconcile_plan(case: Case, actor=None, today: date | None = None) -> dict[str, int]:
    """Bring the case's plan in line with what its conditions and dates read now.

    Called wherever those change (a life domain saved, a date moved, the target group
    changed, a trajectory started or ended). Open tasks move with their own anchor;
    an open task whose template no longer applies is closed as not applicable, with the
    reason in the history (never deleted); a template that now applies gets its task (a
    task closed as not applicable is opened again). Done tasks and tasks added by hand
    are left as they are; so are tasks of templates no longer in use. A task whose
    template was deleted belongs to a template in use of the same life domain and title,
    if there is one (after going back to the default template an open case does not get
    its tasks a second time). A closed case, or one without a plan, is left alone."""
    counts = {"moved": 0, "closed": 0, "added": 0}
    if case.is_closed or case.id is None:
        return counts
    db.session.flush()  # what the caller changed, before the plan reads it
    tasks = tasks_of(case)
    by_template = {t.template_id: t for t in tasks if t.template_id is not None}
    # A task from a template says the plan was made; only without one is the history read.
    if not by_template and not has_plan(case):
        return counts
    if case.transferred_from and not by_template:
        return counts  # came from another municipality: its plan travels without templates
    today = today or date.today()
    for task in tasks:
        if task.is_open:
            due = _current_due(case, task)
            if due != task.due_date:
                task.due_date = due
                counts["moved"] += 1
    every = templates(include_inactive=True)
    rows = [t for t in every if t.active]
    # A task whose template was deleted (the editor's delete, or going back to the default
    # template) is the task of a template of the same life domain and title: it is taken
    # over rather than made a second time.
    known = {t.id for t in every}
    orphans = {
        (t.domain, t.title): t for t in tasks if t.template_id and t.template_id not in known
    }
    # The trajectory is read only when a template asks for it.
    wanted = any("trajectory" in template_conditions(t) for t in rows)
    trajectory = in_trajectory(case) if wanted else None
    for template in rows:
        reason = why_not(case, template, trajectory=trajectory)
        task = by_template.get(template.id)
        if task is None and (task := orphans.pop((template.domain, template.title), None)):
            task.template_id = template.id
        if reason is not None:
            if task is not None and task.is_open:
                task.status = TaskStatus.NOT_APPLICABLE.value
                timeline.record(
                    case.id,
                    EventKind.TASK_NOT_APPLICABLE,
                    actor,
                    task=task.title,
                    domain=task.domain,
                    reason=reason,
                    status=case.domain(task.domain).status if case.domain(task.domain) else None,
                    conditions=template_conditions(template),
                )
                counts["closed"] += 1
            continue
        if task is None:
            task = _task_from(case, template, today)
            db.session.add(task)
        elif task.status == TaskStatus.NOT_APPLICABLE.value:
            fresh = _task_from(case, template, today)
            task.status = TaskStatus.OPEN.value
            task.due_date, task.anchor, task.offset_days = (
                fresh.due_date,
                fresh.anchor,
                fresh.offset_days,
            )
        else:
            continue
        timeline.record(
            case.id,
            EventKind.TASK_ADDED,
            actor,
            task=task.title,
            due=task.due_date,
            reason="applies",
        )
        counts["added"] += 1
    return counts


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


def access_task(case: Case, task_id: uuid.UUID) -> Task:

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
    if task.status == TaskStatus.NOT_APPLICABLE.value:
        return  # the plan opens it again when its conditions hold (reconcile_plan)
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
