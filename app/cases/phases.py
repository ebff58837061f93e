"""The phase machine of a case: explicit transitions, each written as a history row.

registered ─> in_detention ─> release_preparation ─> after_release ─> closed ─> reopened
    (a step may be skipped forward; release may be postponed back into detention;
     every open phase may be closed, with a reason; only a closed case reopens)
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _
from sqlalchemy import select

from app.cases import timeline
from app.cases.errors import CaseError, InvalidTransition
from app.cases.models import Case, CasePhase, PhaseChange
from app.cases.timeline import EventKind
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


def change_phase(case: Case, to: CasePhase, actor, reason: str | None = None) -> PhaseChange:
    """Move ``case`` to ``to`` if the machine allows it; closing needs a reason."""
    current = CasePhase(case.phase)
    to = CasePhase(to)
    if to not in TRANSITIONS[current]:
        raise InvalidTransition(_("A case cannot go from this phase to the chosen one."))
    reason = (reason or "").strip() or None
    if to == CasePhase.CLOSED and not reason:
        raise InvalidTransition(_("Give a reason for closing the case."))
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
    timeline.record(case.id, EventKind.PHASE, actor, old=current.value, new=to.value, reason=reason)
    return change


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
