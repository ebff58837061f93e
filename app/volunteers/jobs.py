"""The volunteer programme's daily job: the renewal reminder of certificates of conduct."""

from __future__ import annotations

import logging
import uuid
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.auth.api import User
from app.cases.api import Case
from app.core.db import utcnow
from app.core.permissions import Role
from app.extensions import db
from app.jobs import job
from app.jobs.schedule import daily
from app.notifications.services import notify
from app.volunteers import matching_runs, referrals, services
from app.volunteers.models import MatchingRun, MatchingRunStatus

log = logging.getLogger("nazorg.volunteers")


def coordinators() -> list[User]:
    return list(
        db.session.scalars(
            select(User).where(User.role == Role.CIRCLE_COORDINATOR.value, User.active.is_(True))
        )
    )


@daily("vog_renewal", label=_l("certificate of conduct renewal"))
def vog_renewal(tenant_id: int, today: date) -> None:
    """Each circle coordinator hears once per certificate, ``VOG_REMINDER_DAYS`` before it
    expires (or at once when it is found later); volunteers exist only in the centre."""
    due = services.due_vog_reminders(today)
    if not due:
        return
    people = coordinators()
    for volunteer, expires in due:
        for coordinator in people:
            notify(
                coordinator.id,
                kind="vog_renewal",
                dedupe_key=f"vog:{volunteer.id}:{volunteer.vog_issued_on.isoformat()}:{coordinator.id}",
                template="volunteers/vog_renewal",
                context={
                    "first_name": volunteer.first_name,
                    "expires_on": expires,
                    "link": "/mentor/coordinator/certificates",
                },
                link="/mentor/coordinator/certificates",
            )
        volunteer.vog_reminded_for = volunteer.vog_issued_on
    db.session.flush()


@job("default", label=_l("End a referral to the circle programme"))
def end_programme_referral(tenant_id: int, case_id: str, actor: str) -> None:
    """After a withdrawal of consent is committed in the referring municipality: remove
    the programme's copy when nothing may go to the volunteers any more."""
    case = db.session.get(Case, (tenant_id, uuid.UUID(case_id)))
    if case is not None:
        referrals.withdraw_if_consent_gone(case, actor)


@job("default", label=_l("Run the circle matching"))
def run_matching(tenant_id: int, run_id: str) -> None:
    """Solve the whole waiting list and store the proposals on the run. A failure is
    written on the run (the coordinator's page shows it) instead of leaving it queued."""
    run = db.session.scalars(
        select(MatchingRun).where(MatchingRun.id == uuid.UUID(run_id))
    ).one_or_none()
    if run is None or run.status != MatchingRunStatus.QUEUED.value:
        return  # gone, or done by an earlier delivery of this job
    try:
        with db.session.begin_nested():
            matching_runs.compute(run, date.today())
    except Exception:
        log.exception("matching run %s failed", run_id)
        run.status = MatchingRunStatus.FAILED.value
        run.finished_at = utcnow()
        db.session.flush()


@job("default", label=_l("Report a circle's news to the referring case worker"))
def report_to_referrer(tenant_id: int, referral_id: str, kind: str, key: str, context: dict):
    """After the centre's commit: the notice in the referring municipality (once per key)."""
    referral = referrals.access_referral_by_id(uuid.UUID(referral_id))
    if referral is not None:
        referrals.report_to_referrer(referral, kind, key, context)
