"""The release date: moving the expected date, and recording the release itself.

Both move the plan along through ``plan.reconcile_plan``: the open tasks anchored on
the date that moved, and the task set when the stay changes with it.
"""

from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _

from app.cases import phases, timeline
from app.cases.errors import CaseError
from app.cases.jobs import release_date_moved
from app.cases.models import Case, CasePhase, MonitorMoment
from app.cases.plan import services as plan
from app.cases.services import has_snapshot, take_snapshot
from app.cases.timeline import EventKind
from app.core.signals import case_released
from app.extensions import db


def move_expected_release(case: Case, new_date: date | None, actor) -> int:
    """Set a new expected release date; the open tasks anchored on it move by as much.

    Returns the shift in days (0 when there was no earlier date to shift from, or when the
    release is already recorded: then the tasks are keyed to the actual release).
    """
    old = case.expected_release
    if new_date == old:
        return 0
    if new_date and case.detention_start and new_date < case.detention_start:
        raise CaseError(_("The release date cannot be before the start of detention."))
    case.expected_release = new_date
    shift = (new_date - old).days if (old and new_date) else 0
    if case.actual_release is not None:
        # After the release the plan follows the actual date; the expected one is history.
        shift = 0
    plan.reconcile_plan(case, actor)
    timeline.record(
        case.id, EventKind.RELEASE_MOVED, actor, old=old, new=new_date, shift_days=shift
    )
    release_date_moved(case)  # the notice, if the new date calls for one
    return shift


def record_release(case: Case, released_on: date, actor, *, today: date | None = None) -> None:
    """The client left prison on ``released_on``: phase, release snapshot, plan.

    A release before the expected date is an immediate release: every open task
    that was meant for before the release is due by the release day. The open tasks
    anchored on the actual release move with it.
    """
    today = today or date.today()
    if case.actual_release is not None:
        raise CaseError(_("The release has already been recorded."))
    if released_on > today:
        raise CaseError(_("A release can only be recorded on or after the day itself."))
    expected = case.expected_release
    immediate = expected is None or released_on < expected
    case.actual_release = released_on
    if CasePhase(case.phase) != CasePhase.AFTER_RELEASE:
        phases.change_phase(case, CasePhase.AFTER_RELEASE, actor)
    shift = (released_on - expected).days if expected else 0
    plan.reconcile_plan(case, actor, today)
    timeline.record(
        case.id,
        EventKind.RELEASED,
        actor,
        released_on=released_on,
        immediate=immediate,
        shift_days=shift,
    )
    # One taken by hand on the day itself stays: the monitor keeps the first measurement.
    if not has_snapshot(case, MonitorMoment.RELEASE):
        take_snapshot(case, MonitorMoment.RELEASE, actor)
    db.session.flush()
    case_released.send(case, released_on=released_on, actor=actor)
