"""The release date: moving the expected date, and recording the release itself.

Both move the plan along through ``plan.reconcile_plan``: the open tasks anchored on
the date that moved, and the task set when the stay changes with it. Each change also
sends ``signals.release_changed``, so that what else is dated from the release follows
it without this module knowing it (the referrals whose help starts after the release).
"""

from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _

from app.cases import phases, timeline
from app.cases.errors import CaseError
from app.cases.jobs import notify_unannounced_release, release_date_moved
from app.cases.models import Case, CasePhase, MonitorMoment
from app.cases.plan import services as plan
from app.cases.services import (
    has_snapshot,
    six_month_window,
    take_snapshot,
    valid_snapshots,
    void_snapshot,
)
from app.cases.timeline import EventKind
from app.core.signals import case_released, release_changed
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
    db.session.flush()
    release_changed.send(case, cause="release_moved", actor=actor)
    release_date_moved(case)  # the notice, if the new date calls for one
    if not case.is_closed:
        phases.sync_phase(case, date.today(), actor)  # e.g. into or out of release preparation
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
        take_snapshot(case, MonitorMoment.RELEASE, actor, today=today)
    db.session.flush()
    release_changed.send(case, cause="released", actor=actor)
    notify_unannounced_release(case, released_on, today)  # no release unannounced
    case_released.send(case, released_on=released_on, actor=actor)


def correct_release(
    case: Case, released_on: date, reason: str | None, actor, *, today: date | None = None
) -> None:
    """Correct a recorded release date that was wrong, with a reason.

    The plan moves with it (the tasks anchored on the actual release). A release
    measurement taken before the corrected day was taken before the client left: it is
    voided (kept as history) and taken again today. A six-month measurement whose day
    falls outside the window of the corrected date is voided; the daily plan, or the
    case worker in the window, takes it again.
    """
    today = today or date.today()
    reason = (reason or "").strip()
    old = case.actual_release
    if old is None:
        raise CaseError(_("No release has been recorded yet: record the release instead."))
    if case.is_closed:
        raise CaseError(_("A closed case cannot be changed."))
    if not reason:
        raise CaseError(_("Give a reason for correcting the release date."), field="reason")
    if released_on > today:
        raise CaseError(_("A release can only be recorded on or after the day itself."))
    if case.detention_start and released_on < case.detention_start:
        raise CaseError(_("The release date cannot be before the start of detention."))
    if released_on == old:
        raise CaseError(_("This is the release date already recorded."), field="released_on")
    case.actual_release = released_on
    plan.reconcile_plan(case, actor, today)
    timeline.record(
        case.id, EventKind.RELEASE_CORRECTED, actor, old=old, new=released_on, reason=reason
    )
    why = _("Release date corrected: %(reason)s", reason=reason)
    taken = [s for s in valid_snapshots(case) if s.moment == MonitorMoment.RELEASE.value]
    if taken and min(s.taken_at.date() for s in taken) < released_on:
        void_snapshot(case, MonitorMoment.RELEASE, str(why), actor)
        take_snapshot(case, MonitorMoment.RELEASE, actor, today=today)
    six = [s for s in valid_snapshots(case) if s.moment == MonitorMoment.SIX_MONTHS.value]
    window = six_month_window(case)
    if six and not (window[0] <= six[0].taken_at.date() <= window[1]):
        void_snapshot(case, MonitorMoment.SIX_MONTHS, str(why), actor)
    db.session.flush()
    release_changed.send(case, cause="release_corrected", actor=actor)
