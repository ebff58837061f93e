"""The municipality's queue of unassigned cases: every open case without an active case
worker (none chosen, or the chosen one deactivated). New cases from any channel (form,
upload, API) and from a transfer arrive without a case worker and land here; the team
sees the queue at the top of the case list (their start page), the tenant admin on the
start page. The release notices of such a case go to the tenant admins
(``jobs.release_notice_recipients``)."""

from __future__ import annotations

from flask_login import current_user
from sqlalchemy import ColumnElement, and_, func, select, union_all

from app.auth.api import User
from app.cases.listing import COUNT_LIMIT
from app.cases.models import Case, CasePhase
from app.core.permissions import Permission, role_has
from app.extensions import db

# Who sees the queue: the team (case workers) and the tenant admin.
SEES_QUEUE = frozenset({Permission.CASE_WRITE, Permission.TENANT_ADMIN})


def unassigned_count_column() -> ColumnElement:
    """Open cases without an active case worker, counted up to ``COUNT_LIMIT`` + 1, as a
    scalar subquery (the case list reads it as a column of its page statement): the
    queue is on every case-list view, so its cost must not grow with the municipality
    (the panel says "more than 1,000" beyond, as the list does)."""
    # Two arms, each read through the index on (tenant_id, case_worker_id): an OR with a
    # correlated "no active worker" read every open case of the municipality (14 ms at
    # 20,000 cases) to find a queue that is usually empty.
    still_open = Case.phase != CasePhase.CLOSED.value
    without_worker = select(Case.id).where(still_open, Case.case_worker_id.is_(None))
    with_inactive_worker = (
        select(Case.id)
        .join(User, and_(User.id == Case.case_worker_id, User.tenant_id == Case.tenant_id))
        .where(still_open, User.active.is_(False))
    )
    queue = union_all(without_worker, with_inactive_worker).limit(COUNT_LIMIT + 1).subquery()
    return select(func.count()).select_from(queue).scalar_subquery()


def unassigned_count() -> int:
    return db.session.scalar(select(unassigned_count_column()))


def sees_queue() -> bool:
    return any(role_has(current_user.role, frozenset({p})) for p in SEES_QUEUE)


def start_panel(counted: int | None = None) -> dict | None:
    """The queue on the start page (registered as a start panel: the template to include
    and what it shows, as ``panel``); None for roles that do not see it. ``counted``: the
    count read already (``unassigned_count_column`` in another statement)."""
    if not sees_queue():
        return None
    count = unassigned_count() if counted is None else counted
    return {
        "template": "cases/_unassigned.html",
        "unassigned": min(count, COUNT_LIMIT),
        "more": count > COUNT_LIMIT,
    }
