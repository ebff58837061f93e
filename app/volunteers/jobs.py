"""The volunteer programme's daily job: the renewal reminder of certificates of conduct."""

from __future__ import annotations

import uuid
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.auth.api import User
from app.cases.api import Case
from app.core.permissions import Role
from app.extensions import db
from app.jobs import job
from app.jobs.schedule import daily
from app.notifications.services import notify
from app.volunteers import referrals, services


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
