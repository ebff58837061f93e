"""The volunteers of the regional circle programme (rows of the centre municipality).

A volunteer applies through the public form (``aangemeld``), is screened (certificate of
conduct, VOG), trained (every module of ``TrainingModule``) and then made active. The
status history keeps every change with who made it and why.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import (
    JSON,
    Date,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.db import TenantScoped, Timestamped, UTCDateTime, enum_check, utcnow
from app.extensions import db


class VolunteerStatus(StrEnum):
    APPLIED = "aangemeld"
    SCREENED = "gescreend"
    TRAINED = "getraind"
    ACTIVE = "actief"
    PAUSED = "gepauzeerd"
    STOPPED = "gestopt"


class TrainingModule(StrEnum):
    INTRODUCTION = "introduction"
    CIRCLES_METHOD = "circles_method"
    BOUNDARIES_AND_SIGNALS = "boundaries_and_signals"


class Weekday(StrEnum):
    MONDAY = "mon"
    TUESDAY = "tue"
    WEDNESDAY = "wed"
    THURSDAY = "thu"
    FRIDAY = "fri"
    SATURDAY = "sat"
    SUNDAY = "sun"


class DayPart(StrEnum):
    MORNING = "morning"
    AFTERNOON = "afternoon"
    EVENING = "evening"


class GenderPreference(StrEnum):
    NONE = "none"
    MEN = "men"
    WOMEN = "women"


class OffenceKind(StrEnum):
    """Kinds of offence a volunteer may decline to work with (the matching respects it)."""

    SEXUAL = "sexual"
    VIOLENCE = "violence"
    DOMESTIC_VIOLENCE = "domestic_violence"
    ARSON = "arson"
    DRUGS = "drugs"
    PROPERTY = "property"


class Volunteer(TenantScoped, Timestamped, db.Model):
    __tablename__ = "volunteers"
    __table_args__ = (
        UniqueConstraint("tenant_id", "submission_key"),
        # One volunteer per portal account.
        UniqueConstraint("tenant_id", "user_id"),
    )

    first_name: Mapped[str] = mapped_column(String(100))
    last_name: Mapped[str] = mapped_column(String(100))
    email: Mapped[str] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(30))
    postcode: Mapped[str] = mapped_column(String(7))
    status: Mapped[str] = mapped_column(
        String(20), enum_check("status", VolunteerStatus), default=VolunteerStatus.APPLIED.value
    )
    # How many circles at once.
    capacity: Mapped[int] = mapped_column(Integer, default=1)
    # ISO 639-1 codes, e.g. ["nl", "ar"].
    languages: Mapped[list] = mapped_column(JSON, default=list)
    # "<weekday>:<day part>" slots, e.g. ["tue:evening", "sat:morning"].
    availability: Mapped[list] = mapped_column(JSON, default=list)
    # OffenceKind values the volunteer will not work with.
    excluded_offences: Mapped[list] = mapped_column(JSON, default=list)
    gender_preference: Mapped[str] = mapped_column(
        String(20),
        enum_check("gender_preference", GenderPreference),
        default=GenderPreference.NONE.value,
    )
    skills: Mapped[str] = mapped_column(Text, default="")
    motivation: Mapped[str] = mapped_column(Text, default="")
    intake_notes: Mapped[str] = mapped_column(Text, default="")
    # The certificate of conduct (VOG).
    vog_issued_on: Mapped[date | None] = mapped_column(Date)
    vog_profile: Mapped[str | None] = mapped_column(String(100))
    # The issue date of the certificate whose renewal reminder went out (once per VOG).
    vog_reminded_for: Mapped[date | None] = mapped_column(Date)
    version: Mapped[int] = mapped_column(Integer, default=1)
    submission_key: Mapped[uuid.UUID | None]
    # The volunteer's local account for the mentor portal (same tenant), once invited.
    user_id: Mapped[uuid.UUID | None]

    __mapper_args__ = {"version_id_col": version}

    trainings: Mapped[list[TrainingCompletion]] = relationship(
        primaryjoin="and_(Volunteer.id == foreign(TrainingCompletion.volunteer_id), "
        "Volunteer.tenant_id == TrainingCompletion.tenant_id)",
        cascade="all, delete-orphan",
        order_by="TrainingCompletion.completed_on",
    )
    history: Mapped[list[VolunteerStatusChange]] = relationship(
        primaryjoin="and_(Volunteer.id == foreign(VolunteerStatusChange.volunteer_id), "
        "Volunteer.tenant_id == VolunteerStatusChange.tenant_id)",
        cascade="all, delete-orphan",
        order_by="VolunteerStatusChange.changed_at",
    )


class TrainingCompletion(TenantScoped, db.Model):
    __tablename__ = "volunteer_trainings"
    __table_args__ = (
        ForeignKeyConstraint(
            ["tenant_id", "volunteer_id"], ["volunteers.tenant_id", "volunteers.id"]
        ),
        Index("ix_volunteer_trainings_tenant_id_volunteer_id", "tenant_id", "volunteer_id"),
        UniqueConstraint("tenant_id", "volunteer_id", "module"),
    )

    volunteer_id: Mapped[uuid.UUID]
    module: Mapped[str] = mapped_column(String(40), enum_check("module", TrainingModule))
    completed_on: Mapped[date] = mapped_column(Date)


class VolunteerStatusChange(TenantScoped, db.Model):
    __tablename__ = "volunteer_status_changes"
    __table_args__ = (
        ForeignKeyConstraint(
            ["tenant_id", "volunteer_id"], ["volunteers.tenant_id", "volunteers.id"]
        ),
        Index("ix_volunteer_status_changes_tenant_id_volunteer_id", "tenant_id", "volunteer_id"),
    )

    volunteer_id: Mapped[uuid.UUID]
    from_status: Mapped[str | None] = mapped_column(
        String(20), enum_check("from_status", VolunteerStatus)
    )
    to_status: Mapped[str] = mapped_column(String(20), enum_check("to_status", VolunteerStatus))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    changed_by: Mapped[str] = mapped_column(String(200))
    reason: Mapped[str] = mapped_column(Text, default="")


class ReferralStatus(StrEnum):
    WAITING = "waiting"
    IN_CIRCLE = "in_circle"


class ProgrammeReferral(TenantScoped, Timestamped, db.Model):
    """A client referred to the circle programme: the copy in the centre municipality of
    only what the referring case worker chose to carry, made with the client's consent
    for sharing with volunteers. Withdrawing that consent deletes this row.

    ``source_tenant_id`` and ``source_case_id`` name the case in the referring
    municipality (no foreign key: that row lives in another tenant); the programme never
    reads it, it only finds this copy again when the consent is withdrawn."""

    __tablename__ = "programme_referrals"
    __table_args__ = (UniqueConstraint("tenant_id", "source_tenant_id", "source_case_id"),)

    source_tenant_id: Mapped[int] = mapped_column(Integer)
    source_case_id: Mapped[uuid.UUID]
    referred_by_id: Mapped[uuid.UUID | None]
    referred_by_name: Mapped[str] = mapped_column(String(200))
    # What the case worker chose to carry; None where they chose not to.
    # As long as the file's given name it copies (clients.given_name): carried whole.
    first_name: Mapped[str | None] = mapped_column(String(120))
    municipality: Mapped[str | None] = mapped_column(String(120))
    languages: Mapped[list] = mapped_column(JSON, default=list)
    availability: Mapped[list] = mapped_column(JSON, default=list)
    needs: Mapped[str] = mapped_column(Text, default="")
    places_to_avoid: Mapped[str] = mapped_column(Text, default="")
    # The four digits of the client's postcode (the area, never the address), for travel
    # distance; None when the case worker chose not to carry it.
    postcode_area: Mapped[str | None] = mapped_column(String(4))
    # OffenceKind codes the case worker ticked so that volunteers who declined that kind
    # are not proposed; read by the matching only, shown on no page.
    offence_kinds: Mapped[list] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(
        String(20), enum_check("status", ReferralStatus), default=ReferralStatus.WAITING.value
    )


class CirclePhase(StrEnum):
    FORMING = "vorming"
    INTENSIVE = "intensief"
    REGULAR = "regulier"
    TAPERING = "afbouw"
    CLOSING = "afsluiting"
    CLOSED = "afgesloten"


class Circle(TenantScoped, Timestamped, db.Model):
    """A circle around one core member (a referred client), held by the programme.

    ``referral_id`` is None once the referral ended (consent withdrawn): the circle is
    then closed with that reason and no longer holds anything of the client."""

    __tablename__ = "circles"
    __table_args__ = (
        ForeignKeyConstraint(
            ["tenant_id", "referral_id"],
            ["programme_referrals.tenant_id", "programme_referrals.id"],
        ),
        Index("ix_circles_tenant_id_referral_id", "tenant_id", "referral_id"),
    )

    referral_id: Mapped[uuid.UUID | None]
    coordinator_id: Mapped[uuid.UUID | None]
    coordinator_name: Mapped[str] = mapped_column(String(200))
    phase: Mapped[str] = mapped_column(
        String(20), enum_check("phase", CirclePhase), default=CirclePhase.FORMING.value
    )
    covenant_signed_on: Mapped[date | None] = mapped_column(Date)
    planned_end: Mapped[date | None] = mapped_column(Date)
    closed_reason: Mapped[str | None] = mapped_column(String(200))
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}

    referral: Mapped[ProgrammeReferral | None] = relationship(
        primaryjoin="and_(ProgrammeReferral.id == foreign(Circle.referral_id), "
        "ProgrammeReferral.tenant_id == Circle.tenant_id)",
    )
    members: Mapped[list[CircleMember]] = relationship(
        primaryjoin="and_(Circle.id == foreign(CircleMember.circle_id), "
        "Circle.tenant_id == CircleMember.tenant_id)",
        cascade="all, delete-orphan",
        order_by="CircleMember.joined_on",
    )
    professionals: Mapped[list[OuterMember]] = relationship(
        primaryjoin="and_(Circle.id == foreign(OuterMember.circle_id), "
        "Circle.tenant_id == OuterMember.tenant_id)",
        cascade="all, delete-orphan",
    )


class CircleMember(TenantScoped, db.Model):
    """A volunteer of the inner circle; ``left_on`` set when taken off."""

    __tablename__ = "circle_members"
    __table_args__ = (
        ForeignKeyConstraint(["tenant_id", "circle_id"], ["circles.tenant_id", "circles.id"]),
        ForeignKeyConstraint(
            ["tenant_id", "volunteer_id"], ["volunteers.tenant_id", "volunteers.id"]
        ),
        Index("ix_circle_members_tenant_id_circle_id", "tenant_id", "circle_id"),
        Index("ix_circle_members_tenant_id_volunteer_id", "tenant_id", "volunteer_id"),
    )

    circle_id: Mapped[uuid.UUID]
    volunteer_id: Mapped[uuid.UUID]
    joined_on: Mapped[date] = mapped_column(Date)
    left_on: Mapped[date | None] = mapped_column(Date)
    # The volunteer accepted the invitation to this circle in the portal (None: open).
    accepted_on: Mapped[date | None] = mapped_column(Date)

    volunteer: Mapped[Volunteer] = relationship(
        primaryjoin="and_(Volunteer.id == foreign(CircleMember.volunteer_id), "
        "Volunteer.tenant_id == CircleMember.tenant_id)",
    )


class OuterMember(TenantScoped, db.Model):
    """A professional of the outer circle (probation, the case worker, care, police)."""

    __tablename__ = "circle_professionals"
    __table_args__ = (
        ForeignKeyConstraint(["tenant_id", "circle_id"], ["circles.tenant_id", "circles.id"]),
        Index("ix_circle_professionals_tenant_id_circle_id", "tenant_id", "circle_id"),
    )

    circle_id: Mapped[uuid.UUID]
    name: Mapped[str] = mapped_column(String(200))
    organisation: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(200))


class SignalLevel(StrEnum):
    INFORMATION = "informatie"
    CONCERN = "zorg"
    ACUTE = "acuut"


class Meeting(TenantScoped, Timestamped, db.Model):
    """A circle meeting as a volunteer logged it (date, duration, who was there, minutes)."""

    __tablename__ = "circle_meetings"
    __table_args__ = (
        ForeignKeyConstraint(["tenant_id", "circle_id"], ["circles.tenant_id", "circles.id"]),
        ForeignKeyConstraint(
            ["tenant_id", "volunteer_id"], ["volunteers.tenant_id", "volunteers.id"]
        ),
        Index("ix_circle_meetings_tenant_id_circle_id", "tenant_id", "circle_id"),
        Index("ix_circle_meetings_tenant_id_volunteer_id", "tenant_id", "volunteer_id"),
        UniqueConstraint("tenant_id", "submission_key"),
    )

    circle_id: Mapped[uuid.UUID]
    volunteer_id: Mapped[uuid.UUID]
    held_on: Mapped[date] = mapped_column(Date)
    duration_minutes: Mapped[int] = mapped_column(Integer)
    # First names of who was there, as the volunteer ticked them.
    present: Mapped[list] = mapped_column(JSON, default=list)
    minutes: Mapped[str] = mapped_column(Text, default="")
    submission_key: Mapped[uuid.UUID | None]


class CircleSignal(TenantScoped, Timestamped, db.Model):
    """A signal a volunteer raised; only the coordinator takes it outside the circle."""

    __tablename__ = "circle_signals"
    __table_args__ = (
        ForeignKeyConstraint(["tenant_id", "circle_id"], ["circles.tenant_id", "circles.id"]),
        ForeignKeyConstraint(
            ["tenant_id", "volunteer_id"], ["volunteers.tenant_id", "volunteers.id"]
        ),
        Index("ix_circle_signals_tenant_id_circle_id", "tenant_id", "circle_id"),
        Index("ix_circle_signals_tenant_id_volunteer_id", "tenant_id", "volunteer_id"),
        UniqueConstraint("tenant_id", "submission_key"),
    )

    circle_id: Mapped[uuid.UUID]
    volunteer_id: Mapped[uuid.UUID]
    level: Mapped[str] = mapped_column(String(20), enum_check("level", SignalLevel))
    body: Mapped[str] = mapped_column(Text)
    submission_key: Mapped[uuid.UUID | None]
    # The coordinator dealt with it (an open signal has none); forwarded to the referring
    # case worker when ``forwarded_at`` is set.
    handled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    handled_by: Mapped[str | None] = mapped_column(String(200))
    forwarded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class MatchingRunStatus(StrEnum):
    QUEUED = "queued"
    DONE = "done"
    FAILED = "failed"


class MatchingRun(TenantScoped, Timestamped, db.Model):
    """One run of the matching over the whole waiting list (an rq job), and its answer.

    ``result`` holds plain data only: per proposal the referral, the volunteers with
    their score and the Dutch explanation, and its state (``open``, ``accepted``,
    ``rejected``); per client without a circle the blocking constraint in words. It
    names volunteers and referrals by id and first name, nothing of the file."""

    __tablename__ = "matching_runs"

    requested_by: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(
        String(20), enum_check("status", MatchingRunStatus), default=MatchingRunStatus.QUEUED.value
    )
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    result: Mapped[dict] = mapped_column(JSON, default=dict)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}


class ReviewKind(StrEnum):
    QUARTERLY = "quarterly"
    CLOSING = "closing"


class CircleReview(TenantScoped, Timestamped, db.Model):
    """A quarterly review of a circle, or its closing evaluation (which closes it)."""

    __tablename__ = "circle_reviews"
    __table_args__ = (
        ForeignKeyConstraint(["tenant_id", "circle_id"], ["circles.tenant_id", "circles.id"]),
        Index("ix_circle_reviews_tenant_id_circle_id", "tenant_id", "circle_id"),
    )

    circle_id: Mapped[uuid.UUID]
    kind: Mapped[str] = mapped_column(String(20), enum_check("kind", ReviewKind))
    held_on: Mapped[date] = mapped_column(Date)
    summary: Mapped[str] = mapped_column(Text)
    author_name: Mapped[str] = mapped_column(String(200))
