"""The phase machine of a case: explicit transitions, each written as a history row.

registered ─> in_detention ─> release_preparation ─> after_release ─> closed ─> reopened
    (a step may be skipped forward; release may be postponed back into detention;
     every open phase may be closed, with a reason; only a closed case reopens)
"""

from __future__ import annotations

from datetime import date, timedelta

from flask import current_app
from flask_babel import force_locale, gettext
from flask_babel import lazy_gettext as _
from sqlalchemy import or_, select

from app.cases import timeline
from app.cases.errors import CaseError, InvalidTransition
from app.cases.models import (
    Case,
    CasePhase,
    CloseOutcome,
    PhaseChange,
)
from app.cases.timeline import EventKind
from app.core.settings import get_setting
from app.extensions import db

P = CasePhase
TRANSITIONS: dict[CasePhase, frozenset[CasePhase]] = {
    P.REGISTERED: frozenset({P.IN_DETENTION, P.RELEASE_PREPARATION, P.AFTER_RELEASE, P.CLOSED}),
    P.IN_DETENTION: frozenset({P.RELEASE_PREPARATION, P.AFTER_RELEASE, P.CLOSED}),
    P.RELEASE_PREPARATION: frozenset({P.IN_DETENTION, P.AFTER_RELEASE, P.CLOSED}),
    P.AFTER_RELEASE: frozenset({P.CLOSED}),
    P.CLOSED: frozenset({P.REOPENED}),
    P.REOPENED: frozenset({P.IN_DETENTION, P.RELEASE_PREPARATION, P.AFTER_RELEASE, P.CLOSED}),
}


def allowed_next(case: Case) -> list[CasePhase]:
    current = CasePhase(case.phase)
    return [phase for phase in CasePhase if phase in TRANSITIONS[current]]


def start_history(case: Case, actor) -> None:
    """The first history row of a new case (nothing -> its initial phase)."""
    db.session.add(
        PhaseChange(
            case_id=case.id,
            from_phase=None,
            to_phase=case.phase,
            actor_name=timeline.actor_name(actor),
        )
    )


def change_phase(
    case: Case,
    to: CasePhase,
    actor,
    reason: str | None = None,
    outcome: CloseOutcome | str | None = None,
) -> PhaseChange:
    """Move ``case`` to ``to`` if the machine allows it.

    "After release" only once the release is recorded (``release.record_release``).
    Closing needs an outcome from ``CloseOutcome``; "other" needs a text (the reason).
    A caller that gives only a reason closes with outcome "other" and that reason.
    """
    current = CasePhase(case.phase)
    to = CasePhase(to)
    if to not in TRANSITIONS[current]:
        raise InvalidTransition(_("A case cannot go from this phase to the chosen one."))
    if to == CasePhase.AFTER_RELEASE and case.actual_release is None:
        raise InvalidTransition(
            _(
                "Record the release first: a case is after release only once the release "
                "is recorded."
            )
        )
    reason = (reason or "").strip() or None
    if to == CasePhase.CLOSED:
        outcome = CloseOutcome(outcome) if outcome else None
        if outcome is None and reason:
            outcome = CloseOutcome.OTHER
        if outcome is None:
            raise InvalidTransition(_("Choose the outcome of the aftercare to close the case."))
        if outcome == CloseOutcome.OTHER and not reason:
            raise InvalidTransition(_("Give a reason for closing the case."))
        if outcome == CloseOutcome.MOVED_OUT and not reason:
            # The client settles outside the region: the reason is the hand-off note.
            raise InvalidTransition(
                _(
                    "Write the hand-off note: to which municipality, and to whom there, "
                    "the client was handed off."
                )
            )
    if current == CasePhase.CLOSED:
        refuse_a_second_open_case(case, case.detention_start)
    change = PhaseChange(
        case_id=case.id,
        from_phase=current.value,
        to_phase=to.value,
        reason=reason,
        actor_name=timeline.actor_name(actor),
    )
    db.session.add(change)
    case.phase = to.value
    case.closed_reason = reason if to == CasePhase.CLOSED else None
    case.close_outcome = outcome.value if to == CasePhase.CLOSED else None
    details = {"outcome": outcome.value} if to == CasePhase.CLOSED else {}
    timeline.record(
        case.id, EventKind.PHASE, actor, old=current.value, new=to.value, reason=reason, **details
    )
    return change


# --- phases from the dates -----------------------------------------------------------------

# The phases the dates move; after release and closed are left to the case worker.
DATE_DRIVEN = (
    CasePhase.REGISTERED,
    CasePhase.IN_DETENTION,
    CasePhase.RELEASE_PREPARATION,
    CasePhase.REOPENED,
)
DAILY_PLAN_ACTOR = "dagelijkse planning"


def preparation_weeks() -> int:
    return get_setting("cases.release_preparation_weeks")


def phase_from_dates(case: Case, today: date, weeks: int) -> tuple[CasePhase, str] | None:
    """The phase the case's dates call for today, with the cause in words; None when
    the dates say nothing (no start of detention yet, or a phase the dates do not move).

    - after release: once the release is recorded;
    - release preparation: from ``weeks`` weeks before the expected release;
    - in detention: from the start of detention.
    """
    if CasePhase(case.phase) not in DATE_DRIVEN:
        return None
    # The cause is kept as text in the history: in the portal's language, also in a job.
    with force_locale(current_app.config.get("BABEL_DEFAULT_LOCALE", "nl")):
        return _dated_phase(case, today, weeks)


def _dated_phase(case: Case, today: date, weeks: int) -> tuple[CasePhase, str] | None:
    if case.actual_release is not None:
        return CasePhase.AFTER_RELEASE, gettext(
            "Release recorded on %(day)s.", day=case.actual_release.isoformat()
        )
    if case.expected_release is not None and today >= case.expected_release - timedelta(
        weeks=weeks
    ):
        return CasePhase.RELEASE_PREPARATION, gettext(
            "Expected release on %(day)s, within %(weeks)s weeks.",
            day=case.expected_release.isoformat(),
            weeks=weeks,
        )
    if case.detention_start is not None and case.detention_start <= today:
        return CasePhase.IN_DETENTION, gettext(
            "In detention since %(day)s.", day=case.detention_start.isoformat()
        )
    return None


def sync_phase(case: Case, today: date, actor=None, weeks: int | None = None) -> bool:
    """Move the case to the phase its dates call for, with the cause as the history's
    reason; True when it moved. A step the machine does not allow is left alone."""
    weeks = preparation_weeks() if weeks is None else weeks
    target = phase_from_dates(case, today, weeks)
    if target is None:
        return False
    phase, cause = target
    current = CasePhase(case.phase)
    if phase == current or phase not in TRANSITIONS[current]:
        return False
    change_phase(case, phase, actor or DAILY_PLAN_ACTOR, cause)
    return True


def move_phases_by_dates(today: date) -> int:
    """The daily plan's step for the bound tenant: every open case whose dates call for
    another phase moves there. Idempotent: a second run the same day moves nothing."""
    weeks = preparation_weeks()
    # Only the cases whose dates call for another phase than theirs are loaded (the SQL
    # form of ``_dated_phase``); ``sync_phase`` decides for each as before.
    preparing = Case.expected_release <= today + timedelta(weeks=weeks)
    not_released = Case.actual_release.is_(None)
    cases = db.session.scalars(
        select(Case).where(
            Case.phase.in_([p.value for p in DATE_DRIVEN]),
            or_(
                Case.actual_release.is_not(None),
                not_released & preparing & (Case.phase != P.RELEASE_PREPARATION.value),
                not_released
                & or_(Case.expected_release.is_(None), ~preparing)
                & (Case.detention_start <= today)
                & (Case.phase != P.IN_DETENTION.value),
            ),
        )
    ).all()
    return sum(1 for case in cases if sync_phase(case, today, weeks=weeks))


def refuse_a_second_open_case(case: Case, detention_start, field: str | None = None) -> None:
    """One open case per client and detention (the database's unique index): reopening a
    case, or moving its start of detention onto another open case's, is refused in words
    instead of failing on the index."""
    same_start = (
        Case.detention_start.is_(None)
        if detention_start is None
        else Case.detention_start == detention_start
    )
    other = db.session.scalar(
        select(Case.id)
        .where(Case.client_id == case.client_id, Case.id != case.id, same_start)
        .where(Case.phase != CasePhase.CLOSED.value)
        .limit(1)
    )
    if other is not None:
        raise CaseError(
            _(
                "This client already has an open case for this detention: "
                "continue in that case, or close it first."
            ),
            field=field,
        )
