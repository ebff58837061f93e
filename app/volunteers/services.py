"""The volunteers' rules: application, certificate of conduct, training and status.

Services flush and never commit; views call them through ``app.core.actions.act``.
Every row here belongs to the centre municipality's tenant (the volunteer programme).
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import date, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _
from sqlalchemy import select
from werkzeug.exceptions import NotFound

from app.auth.api import invite_local_account
from app.core.actions import Refused, check_version, create_once
from app.core.dates import add_months
from app.core.permissions import Role
from app.extensions import db
from app.tenants.api import Tenant
from app.volunteers.models import (
    DayPart,
    GenderPreference,
    OffenceKind,
    TrainingCompletion,
    TrainingModule,
    Volunteer,
    VolunteerStatus,
    VolunteerStatusChange,
    Weekday,
)

security_log = logging.getLogger("nazorg.security")

# Which status may follow which (the coordinator moves a volunteer along the pipeline).
TRANSITIONS: dict[VolunteerStatus, frozenset[VolunteerStatus]] = {
    VolunteerStatus.APPLIED: frozenset({VolunteerStatus.SCREENED, VolunteerStatus.STOPPED}),
    VolunteerStatus.SCREENED: frozenset({VolunteerStatus.TRAINED, VolunteerStatus.STOPPED}),
    VolunteerStatus.TRAINED: frozenset({VolunteerStatus.ACTIVE, VolunteerStatus.STOPPED}),
    VolunteerStatus.ACTIVE: frozenset({VolunteerStatus.PAUSED, VolunteerStatus.STOPPED}),
    VolunteerStatus.PAUSED: frozenset({VolunteerStatus.ACTIVE, VolunteerStatus.STOPPED}),
    VolunteerStatus.STOPPED: frozenset({VolunteerStatus.APPLIED}),
}
APPLICANT = "aanmeldformulier"


class VolunteerRefused(Refused):
    pass


@dataclass(frozen=True)
class Application:
    first_name: str
    last_name: str
    email: str
    phone: str | None
    postcode: str
    languages: list[str]
    availability: list[str]
    capacity: int
    excluded_offences: list[str]
    gender_preference: str
    skills: str
    motivation: str


# --- certificate of conduct ----------------------------------------------------------------


def vog_expires_on(volunteer: Volunteer) -> date | None:
    if volunteer.vog_issued_on is None:
        return None
    return add_months(volunteer.vog_issued_on, current_app.config["VOG_VALID_MONTHS"])


def vog_valid(volunteer: Volunteer, today: date) -> bool:
    expires = vog_expires_on(volunteer)
    return expires is not None and volunteer.vog_issued_on <= today < expires


def missing_training(volunteer: Volunteer) -> list[TrainingModule]:
    done = {training.module for training in volunteer.trainings}
    return [module for module in TrainingModule if module.value not in done]


def activation_refusal(volunteer: Volunteer, today: date):
    """Why this volunteer may not be active today (None when they may)."""
    if volunteer.vog_issued_on is None:
        return _("A volunteer becomes active only with a certificate of conduct (VOG).")
    if not vog_valid(volunteer, today):
        return _("The certificate of conduct (VOG) has expired: record a new one first.")
    if missing_training(volunteer):
        return _("A volunteer becomes active only when every training module is completed.")
    return None


# --- the application -------------------------------------------------------------------------


def apply(application: Application, submission_key: uuid.UUID | None = None) -> Volunteer:
    """A volunteer who applied through the public form: status ``aangemeld``."""

    def build() -> Volunteer:
        volunteer = Volunteer(
            id=uuid.uuid4(),
            first_name=application.first_name,
            last_name=application.last_name,
            email=application.email.lower(),
            phone=application.phone or None,
            postcode=application.postcode,
            languages=sorted(set(application.languages)),
            availability=sorted(set(application.availability)),
            capacity=application.capacity,
            excluded_offences=sorted(set(application.excluded_offences)),
            gender_preference=application.gender_preference,
            skills=application.skills,
            motivation=application.motivation,
            status=VolunteerStatus.APPLIED.value,
        )
        volunteer.history.append(
            VolunteerStatusChange(
                from_status=None,
                to_status=VolunteerStatus.APPLIED.value,
                changed_by=APPLICANT,
            )
        )
        return volunteer

    volunteer, _new = create_once(Volunteer, submission_key, build)
    db.session.flush()
    return volunteer


# --- the coordinator's work ------------------------------------------------------------------


def access_volunteer(user, volunteer_id: uuid.UUID) -> Volunteer:
    """The volunteer of the programme (the session is bound to the centre's tenant); 404
    alike for another municipality's and a missing one."""
    volunteer = db.session.scalars(
        select(Volunteer).where(Volunteer.id == volunteer_id)
    ).one_or_none()
    if volunteer is None:
        security_log.warning(
            "volunteer %s not found for user %s", volunteer_id, getattr(user, "id", None)
        )
        raise NotFound()
    return volunteer


def change_status(
    volunteer: Volunteer,
    to_status: str,
    actor_name: str,
    *,
    today: date,
    reason: str = "",
    version: int | None = None,
) -> Volunteer:
    check_version(volunteer, version)
    try:
        target = VolunteerStatus(to_status)
    except ValueError:
        raise VolunteerRefused(_("Choose a status from the list."), field="status") from None
    current = VolunteerStatus(volunteer.status)
    if target is current:
        if reason.strip():
            # The form shows the current status chosen: a reason typed without choosing
            # another would otherwise be dropped while the page says "saved".
            raise VolunteerRefused(
                _("The volunteer has this status already: choose the new status."),
                field="status",
            )
        return volunteer
    if target not in TRANSITIONS[current]:
        raise VolunteerRefused(
            _(
                "A volunteer cannot go from %(from)s to %(to)s.",
                **{"from": status_label(current), "to": status_label(target)},
            ),
            field="status",
        )
    if target is VolunteerStatus.ACTIVE:
        refusal = activation_refusal(volunteer, today)
        if refusal is not None:
            raise VolunteerRefused(refusal, field="status")
    volunteer.status = target.value
    volunteer.history.append(
        VolunteerStatusChange(
            from_status=current.value,
            to_status=target.value,
            changed_by=actor_name,
            reason=reason.strip(),
        )
    )
    db.session.flush()
    if target is VolunteerStatus.ACTIVE and volunteer.user_id is None:
        invite_to_portal(volunteer)
    return volunteer


def invite_to_portal(volunteer: Volunteer) -> None:
    """On activation: the invitation to the mentor portal (a local account with password
    and authenticator app, ``app.auth``), linked to the volunteer. Its mail joins this
    transaction. Reactivating a volunteer who has an account sends nothing."""
    tenant = db.session.get(Tenant, volunteer.tenant_id)
    user = invite_local_account(
        volunteer.tenant_id,
        tenant.slug,
        f"{volunteer.first_name} {volunteer.last_name}",
        volunteer.email,
        Role.VOLUNTEER,
    )
    if user is None:
        security_log.warning(
            "volunteer %s: %s has an account of another role; no portal invitation",
            volunteer.id,
            volunteer.email,
        )
        return
    volunteer.user_id = user.id
    db.session.flush()


def record_vog(
    volunteer: Volunteer,
    issued_on: date,
    profile: str,
    *,
    today: date,
    version: int | None = None,
) -> Volunteer:
    check_version(volunteer, version)
    if issued_on > today:
        raise VolunteerRefused(_("The date of issue cannot lie in the future."), field="issued_on")
    profile = (profile or "").strip()
    if not profile:
        raise VolunteerRefused(_("Fill in the screening profile."), field="profile")
    volunteer.vog_issued_on = issued_on
    volunteer.vog_profile = profile
    db.session.flush()
    return volunteer


def record_training(volunteer: Volunteer, module: str, completed_on: date, *, today: date):
    try:
        chosen = TrainingModule(module)
    except ValueError:
        raise VolunteerRefused(_("Choose a module from the list."), field="module") from None
    if completed_on > today:
        raise VolunteerRefused(
            _("The completion date cannot lie in the future."), field="completed_on"
        )
    existing = next((t for t in volunteer.trainings if t.module == chosen.value), None)
    if existing is not None:
        existing.completed_on = completed_on
    else:
        volunteer.trainings.append(
            TrainingCompletion(module=chosen.value, completed_on=completed_on)
        )
    db.session.flush()
    return volunteer


# --- the coordinator's views -------------------------------------------------------------------


def pipeline() -> dict[VolunteerStatus, list[Volunteer]]:
    """Every volunteer, grouped by status in the pipeline's order."""
    grouped: dict[VolunteerStatus, list[Volunteer]] = {status: [] for status in VolunteerStatus}
    for volunteer in db.session.scalars(
        select(Volunteer).order_by(Volunteer.first_name, Volunteer.last_name)
    ):
        grouped[VolunteerStatus(volunteer.status)].append(volunteer)
    return grouped


def expiring_certificates(today: date, within_days: int = 60) -> list[tuple[Volunteer, date]]:
    """Volunteers not stopped whose VOG expires within ``within_days`` (or has expired)."""
    limit = today + timedelta(days=within_days)
    found = []
    for volunteer in db.session.scalars(
        select(Volunteer).where(
            Volunteer.vog_issued_on.is_not(None),
            Volunteer.status != VolunteerStatus.STOPPED.value,
        )
    ):
        expires = vog_expires_on(volunteer)
        if expires <= limit:
            found.append((volunteer, expires))
    return sorted(found, key=lambda pair: pair[1])


def due_vog_reminders(today: date) -> list[tuple[Volunteer, date]]:
    """Certificates whose reminder is due today and not sent for this certificate yet."""
    lead = current_app.config["VOG_REMINDER_DAYS"]
    return [
        (volunteer, expires)
        for volunteer, expires in expiring_certificates(today, lead)
        if volunteer.vog_reminded_for != volunteer.vog_issued_on
    ]


STATUS_LABELS = {
    VolunteerStatus.APPLIED: _("Applied"),
    VolunteerStatus.SCREENED: _("Screened"),
    VolunteerStatus.TRAINED: _("Trained"),
    VolunteerStatus.ACTIVE: _("Active"),
    VolunteerStatus.PAUSED: _("Paused"),
    VolunteerStatus.STOPPED: _("Stopped"),
}
MODULE_LABELS = {
    TrainingModule.INTRODUCTION: _("Introduction to aftercare"),
    TrainingModule.CIRCLES_METHOD: _("Circles of Support and Accountability"),
    TrainingModule.BOUNDARIES_AND_SIGNALS: _("Boundaries, risks and signals"),
}


def status_label(status) -> str:
    return str(STATUS_LABELS[VolunteerStatus(status)])


WEEKDAY_LABELS = {
    Weekday.MONDAY: _("Monday"),
    Weekday.TUESDAY: _("Tuesday"),
    Weekday.WEDNESDAY: _("Wednesday"),
    Weekday.THURSDAY: _("Thursday"),
    Weekday.FRIDAY: _("Friday"),
    Weekday.SATURDAY: _("Saturday"),
    Weekday.SUNDAY: _("Sunday"),
}
DAY_PART_LABELS = {
    DayPart.MORNING: _("morning"),
    DayPart.AFTERNOON: _("afternoon"),
    DayPart.EVENING: _("evening"),
}
OFFENCE_LABELS = {
    OffenceKind.SEXUAL: _("Sexual offences"),
    OffenceKind.VIOLENCE: _("Violence"),
    OffenceKind.DOMESTIC_VIOLENCE: _("Domestic violence"),
    OffenceKind.ARSON: _("Arson"),
    OffenceKind.DRUGS: _("Drug offences"),
    OffenceKind.PROPERTY: _("Property offences"),
}
OFFENCE_KINDS = tuple(kind.value for kind in OffenceKind)
GENDER_LABELS = {
    GenderPreference.NONE: _("No preference"),
    GenderPreference.MEN: _("Only men"),
    GenderPreference.WOMEN: _("Only women"),
}


def slot_label(slot: str) -> str:
    day, _sep, part = slot.partition(":")
    return f"{WEEKDAY_LABELS[Weekday(day)]} {DAY_PART_LABELS[DayPart(part)]}"


def offence_label(kind: str) -> str:
    return str(OFFENCE_LABELS[OffenceKind(kind)])


def gender_choices() -> list[tuple[str, str]]:
    return [(kind.value, str(text)) for kind, text in GENDER_LABELS.items()]
