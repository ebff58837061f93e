"""The matching as the coordinator uses it: a run over the whole waiting list as an rq job,
its proposals with their explanations, and the coordinator's decision on each.

A run is a row (``MatchingRun``) written when the coordinator asks for it; the job
(``jobs.run_matching``, through the project's job wrapper) reads the rows through
``matching_input.gather``, solves, and stores plain data in ``result``. The page renders
the explanations in Dutch from the stored reason codes. Asking again while a run is
queued returns that run (no second job). Circles already formed stay as they are: they
go to the matching as accepted circles and take their volunteers' places.

The coordinator accepts a proposal as it is or changed (other volunteers ticked), which
forms the circle (phase ``vorming``) with those volunteers, each checked again (active,
VOG valid today, at most five); each of them is invited and accepts in the portal. A
rejected proposal stays visible as rejected until the next run.
"""

from __future__ import annotations

import logging
import uuid
from datetime import date, timedelta

from flask_babel import lazy_gettext as _
from sqlalchemy import select
from sqlalchemy.orm.attributes import flag_modified
from werkzeug.exceptions import NotFound

from app.core.actions import check_version
from app.core.db import utcnow
from app.extensions import db
from app.volunteers import circles, matching, matching_input, referrals, services
from app.volunteers.matching_reasons import blocker_text, render_reason
from app.volunteers.models import (
    MatchingRun,
    MatchingRunStatus,
    ProgrammeReferral,
    ReferralStatus,
    Volunteer,
)
from app.volunteers.services import VolunteerRefused

log = logging.getLogger("nazorg.volunteers")
OPEN, ACCEPTED, REJECTED = "open", "accepted", "rejected"
# A run in the coordinator's hands: seconds before the solver returns its best so far.
TIME_LIMIT_SECONDS = 60.0
STALE_AFTER = timedelta(minutes=15)


def latest_run() -> MatchingRun | None:
    return db.session.scalars(
        select(MatchingRun).order_by(MatchingRun.created_at.desc()).limit(1)
    ).first()


def request_run(actor, enqueue_job) -> MatchingRun:
    """A new run, unless one is still queued (then that one). A run queued longer than
    ``STALE_AFTER`` (a lost job) is marked failed and no longer holds a new one back."""
    queued = db.session.scalars(
        select(MatchingRun).where(MatchingRun.status == MatchingRunStatus.QUEUED.value)
    ).first()
    if queued is not None and utcnow() - queued.created_at < STALE_AFTER:
        return queued
    if queued is not None:
        queued.status = MatchingRunStatus.FAILED.value
        queued.finished_at = utcnow()
    run = MatchingRun(
        id=uuid.uuid4(),
        requested_by=getattr(actor, "display_name", str(actor)),
        status=MatchingRunStatus.QUEUED.value,
        result={},
    )
    db.session.add(run)
    db.session.flush()
    enqueue_job(run_id=str(run.id))
    return run


def _plain(value):
    """Reason parameters as JSON values (tuples become lists)."""
    if isinstance(value, tuple | list):
        return [_plain(item) for item in value]
    return value


def compute(run: MatchingRun, today: date) -> MatchingRun:
    """Solve over the waiting list and store the answer in ``run`` (the job's work)."""
    waiting = referrals.waiting_list()
    inputs = matching_input.gather(waiting, today)
    settings = matching.MatchSettings(time_limit=TIME_LIMIT_SECONDS)
    answer = matching.match(inputs.waiting, inputs.candidates, inputs.accepted, settings)
    names = {referral.id: referral.first_name for referral in waiting}
    volunteers = {
        volunteer.id: volunteer.first_name
        for volunteer in db.session.scalars(
            select(Volunteer).where(Volunteer.id.in_([c.id for c in inputs.candidates]))
        )
    }
    run.result = {
        "optimal": answer.optimal,
        "min_size": settings.min_size,
        "max_km": settings.max_km,
        "proposals": [
            {
                "referral_id": str(proposal.client_id),
                "first_name": names.get(proposal.client_id),
                "approximate": proposal.client_id in inputs.approximate,
                "score": proposal.score,
                "state": OPEN,
                "volunteers": [
                    {
                        "id": str(member.volunteer_id),
                        "first_name": volunteers.get(member.volunteer_id, ""),
                        "score": member.score,
                        "reasons": [
                            [reason.code, [[k, _plain(v)] for k, v in reason.params]]
                            for reason in member.reasons
                        ],
                    }
                    for member in proposal.volunteers
                ],
            }
            for proposal in answer.proposals
        ],
        "unmatched": [
            {
                "referral_id": str(unmatched.client_id),
                "first_name": names.get(unmatched.client_id),
                "blocker": unmatched.blocker.value,
            }
            for unmatched in answer.unmatched
        ],
    }
    run.status = MatchingRunStatus.DONE.value
    run.finished_at = utcnow()
    db.session.flush()
    return run


def _reason(stored) -> matching.Reason:
    code, params = stored
    return matching.Reason(
        code,
        tuple(
            (
                name,
                tuple(tuple(s) for s in value)
                if name == "slots"
                else tuple(value)
                if isinstance(value, list)
                else value,
            )
            for name, value in params
        ),
    )


def explanation(volunteer: dict) -> str:
    """'beschikbaar op dinsdagavond, spreekt Arabisch, 4 km' from the stored codes."""
    return ", ".join(render_reason(_reason(stored)) for stored in volunteer["reasons"])


def blocker(run: MatchingRun, unmatched: dict) -> str:
    fake = matching.Unmatched(None, matching.Blocker(unmatched["blocker"]), ())
    return blocker_text(fake, run.result.get("min_size", 3), run.result.get("max_km", 25.0))


def access_run(run_id: uuid.UUID) -> MatchingRun:
    run = db.session.scalars(select(MatchingRun).where(MatchingRun.id == run_id)).one_or_none()
    if run is None:
        log.warning("matching run %s not found", run_id)
        raise NotFound()
    return run


def _proposal(run: MatchingRun, referral_id: uuid.UUID) -> dict:
    for proposal in run.result.get("proposals", []):
        if proposal["referral_id"] == str(referral_id):
            return proposal
    raise VolunteerRefused(_("This proposal is not part of the run."))


def accept(
    run: MatchingRun,
    referral_id: uuid.UUID,
    volunteer_ids: list[uuid.UUID],
    actor,
    *,
    today: date,
    version: int | None = None,
):
    """Form the circle of a proposal with the volunteers the coordinator kept or chose
    (the proposal's, or changed); every one is checked again and invited."""
    check_version(run, version)
    proposal = _proposal(run, referral_id)
    if proposal["state"] != OPEN:
        raise VolunteerRefused(_("This proposal has been decided already."))
    referral = db.session.scalars(
        select(ProgrammeReferral).where(ProgrammeReferral.id == referral_id)
    ).one_or_none()
    if referral is None or referral.status != ReferralStatus.WAITING.value:
        raise VolunteerRefused(_("This client is no longer waiting for a circle."))
    chosen = list(dict.fromkeys(volunteer_ids))
    if not circles.INNER_MIN <= len(chosen) <= circles.INNER_MAX:
        raise VolunteerRefused(
            _(
                "Choose %(low)s to %(high)s volunteers for the circle.",
                low=circles.INNER_MIN,
                high=circles.INNER_MAX,
            ),
            field="volunteer_ids",
        )
    circle = circles.form_circle(referral, actor)
    for volunteer_id in chosen:
        volunteer = services.access_volunteer(actor, volunteer_id)
        circles.add_volunteer(circle, volunteer, today)
    proposal["state"] = ACCEPTED
    proposal["circle_id"] = str(circle.id)
    proposal["accepted_volunteers"] = [str(v) for v in chosen]
    flag_modified(run, "result")
    db.session.flush()
    return circle


def reject(run: MatchingRun, referral_id: uuid.UUID, *, version: int | None = None) -> None:
    check_version(run, version)
    proposal = _proposal(run, referral_id)
    if proposal["state"] != OPEN:
        raise VolunteerRefused(_("This proposal has been decided already."))
    proposal["state"] = REJECTED
    flag_modified(run, "result")
    db.session.flush()
