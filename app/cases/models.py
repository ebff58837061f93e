"""The core of the aftercare file: Client, Case, its life domains and their snapshots.

Capabilities that grow have their own sub-modules (``intake/``, ``plan/``,
``notes``, ``timeline``, ``handover/``, ``transfer``); this module keeps the
records every one of them hangs off.

Foreign keys between tenant-owned tables are composite ``(tenant_id, x_id)``;
relationships mark only the id as foreign (PITFALLS: two composite keys share
``tenant_id``), the tenant side is stamped by the flush hook. History rows keep
the actor's name as text (``actor_name``): they travel with a case to another
municipality, where the acting user does not exist.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    Boolean,
    Date,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    literal_column,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.dates import add_months
from app.core.db import TenantScoped, Timestamped, UTCDateTime, enum_check, utcnow
from app.extensions import db


class IncomingState(StrEnum):
    """Where a transfer offered to this municipality stands (``transfer_offers``); here, not
    beside its model, because the labels read it and the transfer's services read the labels."""

    OFFERED = "offered"
    ACCEPTING = "accepting"  # claimed by one receiver; the move runs (or is to be resumed)
    ACCEPTED = "accepted"
    DECLINED = "declined"


class CasePhase(StrEnum):
    REGISTERED = "registered"
    IN_DETENTION = "in_detention"
    RELEASE_PREPARATION = "release_preparation"
    AFTER_RELEASE = "after_release"
    CLOSED = "closed"
    REOPENED = "reopened"


class LifeDomainKind(StrEnum):
    IDENTITY = "identity"
    HOUSING = "housing"
    INCOME = "income"
    DEBTS = "debts"
    CARE = "care"
    SOCIAL_NETWORK = "social_network"


CORE_LIFE_DOMAINS = (
    LifeDomainKind.IDENTITY,
    LifeDomainKind.HOUSING,
    LifeDomainKind.INCOME,
    LifeDomainKind.DEBTS,
    LifeDomainKind.CARE,
)
ALL_LIFE_DOMAINS = (*CORE_LIFE_DOMAINS, LifeDomainKind.SOCIAL_NETWORK)


class DomainStatus(StrEnum):
    ARRANGED = "arranged"
    NOT_ARRANGED = "not_arranged"
    UNKNOWN = "unknown"
    NOT_APPLICABLE = "not_applicable"


class MonitorMoment(StrEnum):
    """The national monitor's three measuring points."""

    INTAKE = "intake"
    RELEASE = "release"
    SIX_MONTHS = "six_months"


class CloseOutcome(StrEnum):
    """Why aftercare ended: a fixed list the monitor can count ("other" carries a text)."""

    GOAL_REACHED = "goal_reached"
    MOVED_OUT = "moved_out"
    BACK_IN_DETENTION = "back_in_detention"
    LOST_CONTACT = "lost_contact"
    DECEASED = "deceased"
    OTHER = "other"


class LegalTitle(StrEnum):
    """The legal title of the detention, as the prison caseworker reports it."""

    REMAND = "remand"
    NOT_FINAL_JUDGEMENT = "not_final_judgement"
    FINAL_JUDGEMENT = "final_judgement"
    SUBSTITUTE_CUSTODY = "substitute_custody"
    OTHER = "other"


class ReleaseType(StrEnum):
    REGULAR = "regular"
    CONDITIONAL_RELEASE = "conditional_release"
    ELECTRONIC_SUPERVISION = "electronic_supervision"
    RELEASED_FROM_REMAND = "released_from_remand"


class StayKind(StrEnum):
    LONG = "long"
    SHORT = "short"


LONG_STAY_MONTHS = 4


def derive_stay(detention_start: date | None, expected_release: date | None) -> StayKind | None:
    """Long stay when the remaining sentence is four months or more; None when unknown."""
    if detention_start is None or expected_release is None:
        return None
    long_from = add_months(detention_start, LONG_STAY_MONTHS)
    return StayKind.LONG if expected_release >= long_from else StayKind.SHORT


class Client(TenantScoped, Timestamped, db.Model):
    __tablename__ = "clients"
    __regional_read__ = True  # the case file: the regional read may see it
    __table_args__ = (
        UniqueConstraint("tenant_id", "bsn"),
        # PostgreSQL's own (migrations c3d9e1f7a2b4, a3c8e2f4b6d1): the list sorted by
        # name, and the trigram index of the name search by municipality (pg_trgm and
        # btree_gin; see listing.full_name).
        Index(
            "ix_clients_tenant_id_sort_name",
            "tenant_id",
            text("lower(family_name)"),
            text("lower(given_name)"),
        ).ddl_if(dialect="postgresql"),
        Index(
            "ix_clients_tenant_id_search_name_trgm",
            "tenant_id",
            literal_column("((given_name::text || ' '::text) || family_name::text)").label(
                "search_name"
            ),
            postgresql_using="gin",
            postgresql_ops={"search_name": "gin_trgm_ops"},
            # No pending list (migration b8e4f1a2c9d3): each search read it whole.
            postgresql_with={"fastupdate": "off"},
        ).ddl_if(dialect="postgresql"),
    )

    given_name: Mapped[str] = mapped_column(String(120))
    family_name: Mapped[str] = mapped_column(String(120))
    date_of_birth: Mapped[date] = mapped_column(Date)
    bsn: Mapped[str] = mapped_column(String(9))
    # The address before detention, and the intended address after it.
    address: Mapped[str | None] = mapped_column(Text)
    intended_address: Mapped[str | None] = mapped_column(
        Text, info={"label": _l("Intended address after detention")}
    )
    postal_address: Mapped[str | None] = mapped_column(Text)
    # The municipality of responsibility, a reference (``app.cases.municipality``): a
    # region municipality's tenant slug, or "outside" with the other municipality's name.
    # Where the client lived before detention or will settle after it; may change.
    responsible_tenant: Mapped[str | None] = mapped_column(
        String(60), info={"label": _l("Municipality of responsibility")}
    )
    responsible_outside_name: Mapped[str | None] = mapped_column(
        String(120), info={"label": _l("Municipality of responsibility outside the region")}
    )
    responsible_confirmed_by: Mapped[str | None] = mapped_column(
        String(200), info={"label": _l("Municipality of responsibility confirmed by")}
    )
    responsible_confirmed_at: Mapped[datetime | None] = mapped_column(
        UTCDateTime(), info={"label": _l("Municipality of responsibility confirmed on")}
    )
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")

    __mapper_args__ = {"version_id_col": version}

    cases: Mapped[list[Case]] = relationship(
        primaryjoin="and_(Client.id == foreign(Case.client_id), "
        "Client.tenant_id == Case.tenant_id)",
        back_populates="client",
        order_by="Case.created_at",
    )

    @property
    def full_name(self) -> str:
        return f"{self.given_name} {self.family_name}"


class Case(TenantScoped, Timestamped, db.Model):
    __tablename__ = "cases"
    __regional_read__ = True  # the case file: the regional read may see it
    __table_args__ = (
        ForeignKeyConstraint(["tenant_id", "client_id"], ["clients.tenant_id", "clients.id"]),
        ForeignKeyConstraint(["tenant_id", "case_worker_id"], ["users.tenant_id", "users.id"]),
        ForeignKeyConstraint(["tenant_id", "previous_case_id"], ["cases.tenant_id", "cases.id"]),
        Index("ix_cases_tenant_id_expected_release", "tenant_id", "expected_release"),
        Index("ix_cases_tenant_id_phase", "tenant_id", "phase"),
        # One open case per client and detention: two intakes of one detention at once
        # lose the race here, and the loser answers with the winner's case.
        Index(
            "uq_cases_open_detention",
            "tenant_id",
            "client_id",
            "detention_start",
            unique=True,
            postgresql_where=text("phase <> 'closed'"),
            sqlite_where=text("phase <> 'closed'"),
            postgresql_nulls_not_distinct=True,
        ),
        # Every foreign key has an index; and the list's filter by worker and sort by update.
        Index("ix_cases_tenant_id_client_id", "tenant_id", "client_id"),
        Index("ix_cases_tenant_id_case_worker_id", "tenant_id", "case_worker_id"),
        Index("ix_cases_tenant_id_previous_case_id", "tenant_id", "previous_case_id"),
        Index("ix_cases_tenant_id_updated_at", "tenant_id", "updated_at"),
        # The release cohort of a period (the overviews).
        Index("ix_cases_tenant_id_actual_release", "tenant_id", "actual_release"),
    )

    client_id: Mapped[uuid.UUID]
    case_worker_id: Mapped[uuid.UUID | None]
    # A new detention of a known client links to the case of the earlier one.
    previous_case_id: Mapped[uuid.UUID | None]
    phase: Mapped[str] = mapped_column(
        String(30), enum_check("phase", CasePhase), default=CasePhase.REGISTERED.value
    )
    closed_reason: Mapped[str | None] = mapped_column(Text)
    # The outcome chosen when the case was closed (``CloseOutcome``); None while open.
    close_outcome: Mapped[str | None] = mapped_column(
        String(30), enum_check("close_outcome", CloseOutcome)
    )
    facility: Mapped[str | None] = mapped_column(String(200))
    detention_start: Mapped[date | None] = mapped_column(Date)
    expected_release: Mapped[date | None] = mapped_column(Date)
    actual_release: Mapped[date | None] = mapped_column(Date)
    prolific_offender: Mapped[bool] = mapped_column(Boolean, default=False)
    benefit_recipient: Mapped[bool] = mapped_column(Boolean, default=False)
    # What the prison caseworker delivers with the intake document.
    prison_number: Mapped[str | None] = mapped_column(String(40))
    legal_title: Mapped[str | None] = mapped_column(
        String(30), enum_check("legal_title", LegalTitle)
    )
    # The first judgement: the plan counts the four-month rule from it (``plan.stay_of``).
    judgement_date: Mapped[date | None] = mapped_column(Date)
    release_type: Mapped[str | None] = mapped_column(
        String(30), enum_check("release_type", ReleaseType)
    )
    probation_involved: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=text("false")
    )
    probation_officer: Mapped[str | None] = mapped_column(String(200))
    prison_caseworker_name: Mapped[str | None] = mapped_column(String(200))
    prison_caseworker_contact: Mapped[str | None] = mapped_column(String(200))
    # Set on the receiving side of a transfer: the municipality the case came from.
    transferred_from: Mapped[str | None] = mapped_column(String(120))
    # The retention sweep sets it when the case is closed and clears it on reopening.
    destroy_on: Mapped[date | None] = mapped_column(Date)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}

    client: Mapped[Client] = relationship(
        primaryjoin="and_(Client.id == foreign(Case.client_id), "
        "Client.tenant_id == Case.tenant_id)",
        back_populates="cases",
    )
    case_worker = relationship(
        "User",
        primaryjoin="and_(User.id == foreign(Case.case_worker_id), "
        "User.tenant_id == Case.tenant_id)",
    )
    life_domains: Mapped[list[LifeDomain]] = relationship(
        primaryjoin="and_(Case.id == foreign(LifeDomain.case_id), "
        "Case.tenant_id == LifeDomain.tenant_id)",
        back_populates="case",
        cascade="all, delete-orphan",
        order_by="LifeDomain.position",
    )
    snapshots: Mapped[list[DomainSnapshot]] = relationship(
        primaryjoin="and_(Case.id == foreign(DomainSnapshot.case_id), "
        "Case.tenant_id == DomainSnapshot.tenant_id)",
        cascade="all, delete-orphan",
        order_by="DomainSnapshot.taken_at",
    )
    phase_changes: Mapped[list[PhaseChange]] = relationship(
        primaryjoin="and_(Case.id == foreign(PhaseChange.case_id), "
        "Case.tenant_id == PhaseChange.tenant_id)",
        cascade="all, delete-orphan",
        order_by="PhaseChange.changed_at",
    )

    @property
    def stay(self) -> StayKind | None:
        """The plan's rule: the sentence counts from the first judgement; the start of
        detention stands in while the intake has not brought the judgement date. The
        badge and the plan (``plan.stay_of``) read this one rule."""
        return derive_stay(self.judgement_date or self.detention_start, self.expected_release)

    @property
    def is_closed(self) -> bool:
        return self.phase == CasePhase.CLOSED.value

    def domain(self, kind: str) -> LifeDomain | None:
        return next((d for d in self.life_domains if d.domain == kind), None)


class LifeDomain(TenantScoped, Timestamped, db.Model):
    """The state of one life domain in one case."""

    __tablename__ = "life_domains"
    __regional_read__ = True  # the case file: the regional read may see it
    __table_args__ = (
        ForeignKeyConstraint(["tenant_id", "case_id"], ["cases.tenant_id", "cases.id"]),
        UniqueConstraint("tenant_id", "case_id", "domain"),
    )

    case_id: Mapped[uuid.UUID]
    domain: Mapped[str] = mapped_column(String(30), enum_check("domain", LifeDomainKind))
    position: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(
        String(30), enum_check("status", DomainStatus), default=DomainStatus.UNKNOWN.value
    )
    need: Mapped[str | None] = mapped_column(Text)
    notes: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}

    case: Mapped[Case] = relationship(
        primaryjoin="and_(Case.id == foreign(LifeDomain.case_id), "
        "Case.tenant_id == LifeDomain.tenant_id)",
        back_populates="life_domains",
    )


class DomainSnapshot(TenantScoped, db.Model):
    """The status of one life domain at one of the monitor's moments (taken once per moment)."""

    __tablename__ = "life_domain_snapshots"
    __regional_read__ = True  # the case file: the regional read may see it
    __table_args__ = (
        ForeignKeyConstraint(["tenant_id", "case_id"], ["cases.tenant_id", "cases.id"]),
        # The case's measurements, voided ones included (the partial index below serves
        # only the valid ones: the case page read all 20,000 of a municipality's rows).
        Index("ix_life_domain_snapshots_tenant_id_case_id", "tenant_id", "case_id"),
        # One valid measurement per domain and moment; voided ones stay as history.
        Index(
            "uq_life_domain_snapshots_valid",
            "tenant_id",
            "case_id",
            "domain",
            "moment",
            unique=True,
            postgresql_where=text("voided_at IS NULL"),
            sqlite_where=text("voided_at IS NULL"),
        ),
    )

    case_id: Mapped[uuid.UUID]
    domain: Mapped[str] = mapped_column(String(30), enum_check("domain", LifeDomainKind))
    moment: Mapped[str] = mapped_column(String(20), enum_check("moment", MonitorMoment))
    status: Mapped[str] = mapped_column(String(30), enum_check("status", DomainStatus))
    taken_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    actor_name: Mapped[str] = mapped_column(String(200))
    # A measurement taken by mistake is voided with a reason: kept, left out of every figure.
    voided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    void_reason: Mapped[str | None] = mapped_column(Text)


class PhaseChange(TenantScoped, db.Model):
    """One step of the phase machine; the case's ``phase`` is the last ``to_phase``."""

    __tablename__ = "case_phase_changes"
    __regional_read__ = True  # the case file: the regional read may see it
    __table_args__ = (
        ForeignKeyConstraint(["tenant_id", "case_id"], ["cases.tenant_id", "cases.id"]),
        Index("ix_case_phase_changes_tenant_id_case_id", "tenant_id", "case_id"),
    )

    case_id: Mapped[uuid.UUID]
    from_phase: Mapped[str | None] = mapped_column(String(30), enum_check("from_phase", CasePhase))
    to_phase: Mapped[str] = mapped_column(String(30), enum_check("to_phase", CasePhase))
    reason: Mapped[str | None] = mapped_column(Text)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    actor_name: Mapped[str] = mapped_column(String(200))


DEFAULT_CARE_DIRECTOR = "Regizorg BV"
# Release preparation starts this many weeks before the expected release (a setting).
DEFAULT_RELEASE_PREPARATION_WEEKS = 6
# The six-month measurement may be taken this many days either side of release + 6 months.
DEFAULT_SIX_MONTH_WINDOW_DAYS = 31


class CaseSettings(TenantScoped, Timestamped, db.Model):
    """A municipality's intake API token (one row per tenant, issued by its admin); the
    file's settings are in the settings store (``app.core.settings``, keys ``cases.*``)."""

    __tablename__ = "case_settings"
    __table_args__ = (UniqueConstraint("tenant_id"),)

    # The intake API token: only its hash is kept; the hint helps the admin recognise it.
    # info["secret"]: left out of a municipality's export; a new installation issues a new token.
    api_token_hash: Mapped[str | None] = mapped_column(String(128), info={"secret": True})
    api_token_hint: Mapped[str | None] = mapped_column(String(16), info={"secret": True})
    api_token_created_at: Mapped[datetime | None] = mapped_column(
        UTCDateTime(), info={"secret": True}
    )
