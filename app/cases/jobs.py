"""The case file's background work: release notices, the case worker's task digest and
the monitor's six-month measurement.

All three are daily reminders (``app.jobs.schedule``): they run in one tenant's context,
take the day as an argument, and are idempotent (through the notice's key; a case's
snapshot is taken once). Mail and the in-portal notice carry the same text, with no
client names in it (mail leaves the portal); the link opens the case.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, timedelta

from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import aliased, selectinload

from app.auth.api import User
from app.cases import phases, services
from app.cases.labels import DOMAIN_LABELS, STATUS_LABELS
from app.cases.models import Case, CasePhase, Client, DomainStatus, LifeDomain
from app.cases.plan.models import Task, TaskStatus
from app.cases.plan.services import tasks_of
from app.cases.release_day import tasks_of_the_day
from app.core.permissions import Permission, Role, role_has
from app.extensions import db
from app.jobs import enqueue, job
from app.jobs.schedule import daily
from app.notifications.models import Notification
from app.notifications.services import any_notice, notify

# (kind, the notice is due when the release is at most this many days away)
RELEASE_NOTICES = (("six_weeks", 42), ("two_weeks", 14), ("today", 0))
NOT_YET_ARRANGED = (DomainStatus.NOT_ARRANGED.value, DomainStatus.UNKNOWN.value)
DONE_PHASES = (CasePhase.AFTER_RELEASE.value, CasePhase.CLOSED.value)


def case_link(case_id: uuid.UUID) -> str:
    return f"/cases/{case_id}"


def name_case_links(links: list[str]) -> dict[str, str]:
    """The client's name for each notice that links to a case (the portal's notice list;
    ``notifications.add_link_namer``): notices name the client in the portal, the mail
    does not. Only for a reader who may read cases; one query for the whole list."""
    if not current_user or not role_has(current_user.role, frozenset({Permission.CASE_READ})):
        return {}
    ids = {}
    for link in links:
        prefix, _sep, rest = link.partition("/cases/")
        try:
            ids[uuid.UUID(rest)] = link
        except ValueError:
            continue
        if prefix:
            ids.pop(uuid.UUID(rest))
    if not ids:
        return {}
    rows = db.session.execute(
        select(Case.id, Client.given_name, Client.family_name)
        .join(Client, (Client.id == Case.client_id) & (Client.tenant_id == Case.tenant_id))
        .where(Case.id.in_(list(ids)))
    ).all()
    return {ids[case_id]: f"{given} {family}" for case_id, given, family in rows}


def release_notice_kind(today: date, release: date) -> str | None:
    """The notice a release on ``release`` calls for today: the nearest window it is in.

    Windows rather than exact days, so a day the plan did not run is caught up
    the next day; the key (case, kind, release date) still sends each notice once.
    """
    days = (release - today).days
    if days < 0:
        return None
    for kind, limit in reversed(RELEASE_NOTICES):
        if days <= limit:
            return kind
    return None


def _label(labels: dict, value: str):
    for key, label in labels.items():
        if key.value == value:
            return label
    return value


@daily("release_notices", label=_l("release notices"))
def release_notices(tenant_id: int, today: date) -> None:
    """The notices the releases of the coming six weeks call for today, set-based: one
    statement finds the cases in a window with a life domain not arranged (or none
    recorded), one the recipients' notices already sent; only the cases that lack one
    are loaded and sent (``notify_release``, which checks each key again). A day on
    which nothing is new costs three statements, however many cases are in a window."""
    horizon = today + timedelta(days=RELEASE_NOTICES[0][1])
    domains = select(LifeDomain.id).where(
        LifeDomain.case_id == Case.id, LifeDomain.tenant_id == Case.tenant_id
    )
    worker = aliased(User)
    rows = db.session.execute(
        select(Case.id, Case.expected_release, Case.case_worker_id, worker.active)
        .outerjoin(
            worker, (worker.id == Case.case_worker_id) & (worker.tenant_id == Case.tenant_id)
        )
        .where(
            Case.expected_release >= today,
            Case.expected_release <= horizon,
            Case.actual_release.is_(None),
            Case.phase.not_in(DONE_PHASES),
            domains.where(LifeDomain.status.in_(NOT_YET_ARRANGED)).exists() | ~domains.exists(),
        )
    ).all()
    if not rows:
        return
    admins: list[uuid.UUID] | None = None
    wanted: dict[str, uuid.UUID] = {}
    for case_id, release, worker_id, worker_active in rows:
        kind = release_notice_kind(today, release)
        if kind is None:
            continue
        if worker_id is not None and worker_active:
            recipients = [worker_id]
        else:
            if admins is None:
                admins = _active_admins()
            recipients = admins
        for user_id in recipients:
            wanted[release_notice_key(case_id, kind, release, user_id)] = case_id
    sent = set(
        db.session.scalars(
            select(Notification.dedupe_key).where(Notification.dedupe_key.in_(list(wanted)))
        )
    )
    missing = {case_id for key, case_id in wanted.items() if key not in sent}
    if not missing:
        return
    cases = db.session.scalars(
        select(Case).where(Case.id.in_(missing)).options(selectinload(Case.life_domains))
    ).all()
    for case in sorted(cases, key=lambda c: (c.expected_release, str(c.id))):
        notify_release(case, today)


def _active_admins() -> list[uuid.UUID]:
    return list(
        db.session.scalars(
            select(User.id).where(User.role == Role.TENANT_ADMIN.value, User.active.is_(True))
        )
    )


def release_notice_recipients(case: Case) -> list[tuple[uuid.UUID, bool]]:
    """Who hears of the release: the case's worker while active, else (no worker, or one
    deactivated) every active tenant admin, who sees the unassigned cases on the start
    page. Pairs of (user id, is the case worker)."""
    if case.case_worker_id is not None:
        worker = db.session.get(User, (case.tenant_id, case.case_worker_id))
        if worker is not None and worker.active:
            return [(worker.id, True)]
    return [(user_id, False) for user_id in _active_admins()]


def release_notice_key(case_id: uuid.UUID, kind: str, release: date, user_id: uuid.UUID) -> str:
    """One notice per case, kind, release date and person: a new case worker (reassigned,
    or the old one deactivated) or the tenant admin gets the warning of the window the
    release is in, even when someone else had it before."""
    return f"release:{case_id}:{kind}:{release.isoformat()}:{user_id}"


def _open_domains(case: Case) -> list[dict]:
    return [
        {"domain": _label(DOMAIN_LABELS, d.domain), "status": _label(STATUS_LABELS, d.status)}
        for d in case.life_domains
        if d.status in NOT_YET_ARRANGED
    ]


def _day_checklist(case: Case, release: date) -> list[str]:
    """The open tasks of the release day for the day-of-release notice: only the tasks
    made from templates (their titles are the plan's words; a task added by hand may
    name the client, and the mail carries no personal data). The address and the prison
    caseworker's contact are on the printable checklist in the portal."""
    return [t.title for t in tasks_of_the_day(tasks_of(case), release) if t.template_id]


def _send_release_notice(case: Case, kind: str, release: date, today: date) -> None:
    open_domains = _open_domains(case)
    if case.life_domains and not open_domains:
        return  # every life domain arranged (or not applicable): nothing to warn about
    checklist = _day_checklist(case, release) if kind in ("today", "released") else []
    for user_id, is_worker in release_notice_recipients(case):
        notify(
            user_id,
            kind=f"release_{kind}",
            dedupe_key=release_notice_key(case.id, kind, release, user_id),
            template="release_notice",
            context={
                "kind": kind,
                "release_date": release,
                "days": (release - today).days,
                "open_domains": open_domains,
                "unassigned": not is_worker,
                "link": case_link(case.id),
                "checklist": checklist,
                "checklist_link": f"{case_link(case.id)}?print=release-day",
            },
            link=case_link(case.id),
        )


def notify_release(case: Case, today: date) -> None:
    """The notice the case's release date calls for today, unless it was sent already: to
    the case worker, or without one to every tenant admin (the case is on the queue)."""
    if case.expected_release is None:
        return
    kind = release_notice_kind(today, case.expected_release)
    if kind is None:
        return
    _send_release_notice(case, kind, case.expected_release, today)


def notify_unannounced_release(case: Case, released_on: date, today: date) -> None:
    """A release recorded before anyone able to act now was warned (an early release, a
    release far ahead of the expected date): the notice goes out now, naming the life
    domains still not arranged. Nothing when one of the release notices reached them."""
    recipients = [user_id for user_id, _worker in release_notice_recipients(case)]
    if not recipients:
        return
    if not any_notice(recipients, f"release:{case.id}:"):
        _send_release_notice(case, "released", released_on, today)


@job(label=_l("Release notice after a date change"))
def release_notice_for_case(tenant_id: int, case_id: str) -> None:
    case = db.session.get(Case, (tenant_id, uuid.UUID(case_id)))
    if case is not None and case.actual_release is None and case.phase not in DONE_PHASES:
        notify_release(case, date.today())


def release_date_moved(case: Case) -> None:
    """Hook for the case services: a release date moved into a notice window, and a new
    case (intake, transfer in) whose release is in one, are announced now (by a job
    after the commit), not only by tomorrow's daily plan."""
    if case.expected_release is None:
        return
    if release_notice_kind(date.today(), case.expected_release) is not None:
        enqueue(release_notice_for_case, case_id=str(case.id))


@dataclass(frozen=True)
class DigestItem:
    title: str
    due_date: date
    link: str


def open_tasks_for(user_id: uuid.UUID, until: date) -> list[DigestItem]:
    """Open tasks due on or before ``until`` in the cases ``user_id`` works on."""
    rows = db.session.execute(
        select(Task.title, Task.due_date, Task.case_id)
        .join(Case, (Case.id == Task.case_id) & (Case.tenant_id == Task.tenant_id))
        .where(
            Case.case_worker_id == user_id,
            Task.status == TaskStatus.OPEN.value,
            Task.due_date <= until,
        )
        .order_by(Task.due_date, Task.title)
    ).all()
    return [DigestItem(title, due, case_link(case_id)) for title, due, case_id in rows]


def task_digest_for(user_id: uuid.UUID, today: date, *, on_request: bool = False):
    """The digest notice (and mail) of one case worker: overdue and due this week."""
    week_end = today + timedelta(days=6 - today.weekday())
    items = open_tasks_for(user_id, week_end)
    overdue = [item for item in items if item.due_date < today]
    this_week = [item for item in items if item.due_date >= today]
    if not items and not on_request:
        return None
    suffix = f":{uuid.uuid4().hex}" if on_request else ""
    return notify(
        user_id,
        kind="task_digest",
        dedupe_key=f"digest:{user_id}:{today.isoformat()}{suffix}",
        template="task_digest",
        context={"overdue": overdue, "this_week": this_week, "week_end": week_end},
        link="/cases/",
    )


@daily("task_digest", label=_l("task digest"))
def task_digest(tenant_id: int, today: date) -> None:
    workers = db.session.scalars(
        select(User.id).where(User.role == Role.CASE_WORKER.value, User.active.is_(True))
    ).all()
    for user_id in workers:
        task_digest_for(user_id, today)


@daily("six_month_snapshots", label=_l("six-month measurement"))
def six_month_snapshots(tenant_id: int, today: date) -> None:
    # The national monitor's third measuring point; cases that have it already are skipped.
    services.take_due_six_month_snapshots(today)


@daily("phases_from_dates", label=_l("phases from the dates"))
def phases_from_dates(tenant_id: int, today: date) -> None:
    # In detention from its start, release preparation N weeks before the expected release,
    # after release once it is recorded; each move in the history with its cause.
    phases.move_phases_by_dates(today)
