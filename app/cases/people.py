"""The people involved in a case: the prison caseworker, the probation officer, the GP, the
housing contact, the coordinator of the mentor's circle, with their organisation and
contact, and their history.

History: a person is never deleted by the case worker. A change keeps the earlier values
in the timeline (``person_updated`` with old and new per field); ending records the date
and the reason, and the panel shows the ended people below the current ones. The rows
hang off the case (composite key), so the retention sweep, the transfer, the access
request and the tenant export find them by the generic walk.
"""

from __future__ import annotations

import uuid
from datetime import date
from enum import StrEnum

from flask_babel import lazy_gettext as _
from sqlalchemy import (
    Date,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    select,
)
from sqlalchemy.orm import Mapped, mapped_column
from werkzeug.exceptions import NotFound

from app.cases import timeline
from app.cases.errors import CaseError
from app.cases.models import Case
from app.cases.timeline import EventKind
from app.core.actions import check_version, create_once
from app.core.db import TenantScoped, Timestamped, enum_check
from app.extensions import db


class PersonRole(StrEnum):
    PRISON_CASEWORKER = "prison_caseworker"
    PROBATION_OFFICER = "probation_officer"
    GP = "gp"
    HOUSING_CONTACT = "housing_contact"
    CIRCLE_COORDINATOR = "circle_coordinator"


ROLE_LABELS = {
    PersonRole.PRISON_CASEWORKER: _("Prison caseworker"),
    PersonRole.PROBATION_OFFICER: _("Probation officer"),
    PersonRole.GP: _("General practitioner"),
    PersonRole.HOUSING_CONTACT: _("Housing contact"),
    PersonRole.CIRCLE_COORDINATOR: _("Coordinator of the mentor's circle"),
}
EDITABLE = ("role", "name", "organisation", "contact", "started_on")
FIELD_LABELS = {
    "role": _("Role"),
    "name": _("Name"),
    "organisation": _("Organisation"),
    "contact": _("Phone or e-mail"),
    "started_on": _("Involved since"),
}


class CasePerson(TenantScoped, Timestamped, db.Model):
    """Someone involved in the client's aftercare, in one role, from a date until ended."""

    __tablename__ = "case_people"
    __regional_read__ = True  # the case file: the regional read may see it
    __table_args__ = (
        ForeignKeyConstraint(["tenant_id", "case_id"], ["cases.tenant_id", "cases.id"]),
        Index("ix_case_people_tenant_id_case_id", "tenant_id", "case_id"),
        UniqueConstraint("tenant_id", "submission_key"),
    )

    case_id: Mapped[uuid.UUID]
    role: Mapped[str] = mapped_column(String(30), enum_check("role", PersonRole))
    name: Mapped[str] = mapped_column(String(200))
    organisation: Mapped[str | None] = mapped_column(String(200))
    contact: Mapped[str | None] = mapped_column(String(300))
    started_on: Mapped[date | None] = mapped_column(Date)
    ended_on: Mapped[date | None] = mapped_column(Date)
    end_reason: Mapped[str | None] = mapped_column(Text)
    recorded_by: Mapped[str] = mapped_column(String(200))
    version: Mapped[int] = mapped_column(Integer, default=1)
    submission_key: Mapped[uuid.UUID | None]

    __mapper_args__ = {"version_id_col": version}

    @property
    def role_label(self) -> str:
        return str(ROLE_LABELS.get(self.role, self.role))

    @property
    def is_current(self) -> bool:
        return self.ended_on is None


def people_of(case: Case) -> list[CasePerson]:
    """Current people first (by role), then the ended ones, most recently ended first."""
    rows = db.session.scalars(
        select(CasePerson).where(CasePerson.case_id == case.id).order_by(CasePerson.created_at)
    ).all()
    current = sorted((p for p in rows if p.is_current), key=lambda p: (p.role, p.name))
    ended = sorted((p for p in rows if not p.is_current), key=lambda p: p.ended_on, reverse=True)
    return current + ended


def access_person(case: Case, person_id: uuid.UUID) -> CasePerson:
    person = db.session.scalars(
        select(CasePerson).where(CasePerson.id == person_id, CasePerson.case_id == case.id)
    ).one_or_none()
    if person is None:
        raise NotFound()
    return person


def _check(values: dict) -> dict:
    if not values.get("name"):
        raise CaseError(_("Enter the person's name."), field="name")
    if values.get("role") not in {r.value for r in PersonRole}:
        raise CaseError(_("Choose a role from the list."), field="role")
    return {key: values.get(key) for key in EDITABLE}


def add_person(case: Case, actor, values: dict, *, submission_key=None) -> CasePerson:
    clean = _check(values)

    def build() -> CasePerson:
        return CasePerson(case_id=case.id, recorded_by=timeline.actor_name(actor), **clean)

    person, created = create_once(CasePerson, submission_key, build)
    if created:
        db.session.flush()
        timeline.record(
            case.id,
            EventKind.PERSON_ADDED,
            actor,
            person=str(person.id),
            role=person.role,
            name=person.name,
        )
    return person


def edit_person(person: CasePerson, actor, values: dict, *, expected_version) -> None:
    """Change the person; the earlier values stay in the timeline (old and new per field)."""
    check_version(person, expected_version)
    if not person.is_current:
        raise CaseError(_("This person's involvement has ended; add them again instead."))
    clean = _check(values)
    changes = {
        key: [_plain(getattr(person, key)), _plain(value)]
        for key, value in clean.items()
        if getattr(person, key) != value
    }
    if not changes:
        return
    for key, value in clean.items():
        setattr(person, key, value)
    timeline.record(
        person.case_id, EventKind.PERSON_UPDATED, actor, person=str(person.id), changes=changes
    )


def end_person(person: CasePerson, actor, ended_on: date, reason: str | None, *, expected_version):
    check_version(person, expected_version)
    if not person.is_current:
        raise CaseError(_("This person's involvement has already ended."))
    if person.started_on is not None and ended_on < person.started_on:
        raise CaseError(_("The end cannot lie before the start."), field="ended_on")
    person.ended_on = ended_on
    person.end_reason = reason
    timeline.record(
        person.case_id,
        EventKind.PERSON_ENDED,
        actor,
        person=str(person.id),
        role=person.role,
        name=person.name,
        ended_on=ended_on.isoformat(),
    )


def _plain(value):
    return value.isoformat() if isinstance(value, date) else value
