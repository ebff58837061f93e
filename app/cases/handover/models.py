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
from sqlalchemy.orm import Mapped, mapped_column

from app.cases.models import LifeDomainKind
from app.cases.partners.models import PartnerKind
from app.cases.plan.models import STARTS_AFTER_RELEASE
from app.core.db import TenantScoped, Timestamped, UTCDateTime, enum_check, utcnow
from app.extensions import db


class SharingBasis(StrEnum):
    CONSENT_GIVEN = "consent_given"
    CONSENT_WITHDRAWN = "consent_withdrawn"
    STATUTORY = "statutory"


SHARING_ALLOWED = frozenset({SharingBasis.CONSENT_GIVEN.value, SharingBasis.STATUTORY.value})


class ReferralStatus(StrEnum):
    SENT = "sent"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    DONE = "done"


class TrajectoryStatus(StrEnum):
    PROPOSED = "proposed"
    ACTIVE = "active"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


def _case_key(table: str):
    return ForeignKeyConstraint(["tenant_id", "case_id"], ["cases.tenant_id", "cases.id"])


def _partner_key():
    return ForeignKeyConstraint(["tenant_id", "partner_id"], ["partners.tenant_id", "partners.id"])


class DomainConsent(TenantScoped, db.Model):
    """One recording of the basis for sharing a life domain's data; the latest one counts."""

    __tablename__ = "domain_consents"
    __regional_read__ = True  # the case file: the regional read may see it
    __table_args__ = (
        _case_key("domain_consents"),
        Index("ix_domain_consents_tenant_id_case_id", "tenant_id", "case_id"),
        UniqueConstraint("tenant_id", "submission_key"),
    )

    case_id: Mapped[uuid.UUID]
    domain: Mapped[str] = mapped_column(String(30), enum_check("domain", LifeDomainKind))
    basis: Mapped[str] = mapped_column(String(30), enum_check("basis", SharingBasis))
    # The day the consent was given or withdrawn (or the statutory basis applies from).
    effective_on: Mapped[date] = mapped_column(Date)
    note: Mapped[str | None] = mapped_column(Text)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    recorded_by: Mapped[str] = mapped_column(String(200))
    # The one-time key of the form that recorded it: posting that form again records nothing.
    submission_key: Mapped[uuid.UUID | None]


class Referral(TenantScoped, Timestamped, db.Model):
    """A referral of the client to a partner organisation for one life domain."""

    __tablename__ = "referrals"
    __regional_read__ = True  # the case file: the regional read may see it
    __table_args__ = (
        _case_key("referrals"),
        _partner_key(),
        Index("ix_referrals_tenant_id_case_id", "tenant_id", "case_id"),
        Index("ix_referrals_tenant_id_partner_id", "tenant_id", "partner_id"),
        UniqueConstraint("tenant_id", "submission_key"),
    )

    case_id: Mapped[uuid.UUID]
    domain: Mapped[str] = mapped_column(String(30), enum_check("domain", LifeDomainKind))
    # The organisation's name as it was when referred (kept when the partner is renamed,
    # and what travels with a transferred case); the kind the plan names; the partner row
    # of the municipality (none for a referral to a kind without an organisation, and for
    # referrals from before partners were data).
    partner: Mapped[str] = mapped_column(String(200))
    partner_kind: Mapped[str | None] = mapped_column(
        String(40), enum_check("partner_kind", PartnerKind)
    )
    partner_id: Mapped[uuid.UUID | None] = mapped_column(info={"transfer": "drop"})
    request: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(
        String(20), enum_check("status", ReferralStatus), default=ReferralStatus.SENT.value
    )
    rejection_reason: Mapped[str | None] = mapped_column(Text)
    outcome: Mapped[str | None] = mapped_column(Text)
    sent_on: Mapped[date] = mapped_column(Date)
    # When the partner's help starts: after the release for a partner whose help only
    # starts then (``plan.models.STARTS_AFTER_RELEASE``); None: when it is sent.
    starts_on: Mapped[date | None] = mapped_column(Date)
    decided_on: Mapped[date | None] = mapped_column(Date)
    referred_by: Mapped[str] = mapped_column(String(200))
    version: Mapped[int] = mapped_column(Integer, default=1)
    # The one-time key of the form that made it: posting that form again makes nothing.
    submission_key: Mapped[uuid.UUID | None]

    __mapper_args__ = {"version_id_col": version}

    @property
    def waits_for_release(self) -> bool:
        """Help that only starts after the release (the panel says so while no date is known)."""
        return self.partner_kind in STARTS_AFTER_RELEASE


class Trajectory(TenantScoped, Timestamped, db.Model):
    """A paid aftercare assignment to the care director (EUR 1,500 by default); feeds finance.

    It stays with the municipality that committed it when its case is transferred (it is
    that municipality's money, ``__transfer__ = "stays"``): ``case_id`` therefore has no
    foreign key (the case may leave), and the walk still finds it by that column for the
    retention and the access request while the case is here. The receiver sees that it
    exists in what the transfer offered (``app.cases.transfer_offers``)."""

    __tablename__ = "trajectories"
    __regional_read__ = True  # the case file: the regional read may see it
    __transfer__ = "stays"
    __table_args__ = (
        _partner_key(),
        Index("ix_trajectories_tenant_id_case_id", "tenant_id", "case_id"),
        Index("ix_trajectories_tenant_id_partner_id", "tenant_id", "partner_id"),
        Index("ix_trajectories_tenant_id_start_date", "tenant_id", "start_date"),
        UniqueConstraint("tenant_id", "submission_key"),
    )

    case_id: Mapped[uuid.UUID]
    provider: Mapped[str] = mapped_column(String(200))
    # The care director's partner row: its bound provider workers see this trajectory.
    partner_id: Mapped[uuid.UUID | None] = mapped_column(info={"transfer": "drop"})
    # The life domains the hand-over may share (the sharing basis at the hand-over); the
    # provider sees those the basis still allows. None: a trajectory from before this.
    shared_domains: Mapped[list | None] = mapped_column(JSON)
    cost_cents: Mapped[int] = mapped_column(Integer)
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(
        String(20), enum_check("status", TrajectoryStatus), default=TrajectoryStatus.PROPOSED.value
    )
    handed_over_by: Mapped[str] = mapped_column(String(200))
    version: Mapped[int] = mapped_column(Integer, default=1)
    # The one-time key of the form that made it: a second POST must not pay twice.
    submission_key: Mapped[uuid.UUID | None]

    __mapper_args__ = {"version_id_col": version}


class ReportKind(StrEnum):
    PROGRESS = "progress"
    END_PROPOSED = "end_proposed"


class TrajectoryReport(TenantScoped, db.Model):
    """What the care director reports on a trajectory: progress per life domain, or a
    proposed end (the case worker decides)."""

    __tablename__ = "trajectory_reports"
    __table_args__ = (
        ForeignKeyConstraint(
            ["tenant_id", "trajectory_id"], ["trajectories.tenant_id", "trajectories.id"]
        ),
        Index("ix_trajectory_reports_tenant_id_trajectory_id", "tenant_id", "trajectory_id"),
        UniqueConstraint("tenant_id", "submission_key"),
    )

    trajectory_id: Mapped[uuid.UUID]
    case_id: Mapped[uuid.UUID]
    kind: Mapped[str] = mapped_column(String(20), enum_check("kind", ReportKind))
    domain: Mapped[str | None] = mapped_column(String(30), enum_check("domain", LifeDomainKind))
    body: Mapped[str] = mapped_column(Text)
    proposed_end: Mapped[date | None] = mapped_column(Date)
    reported_by: Mapped[str] = mapped_column(String(200))
    reported_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    submission_key: Mapped[uuid.UUID | None]


class InvoiceStatus(StrEnum):
    SUBMITTED = "submitted"
    APPROVED = "approved"
    REJECTED = "rejected"


class TrajectoryInvoice(TenantScoped, db.Model):
    """The care director's invoice for a trajectory; the municipality approves it, and an
    approved invoice is spending (``signals.trajectory_invoice_approved``)."""

    __tablename__ = "trajectory_invoices"
    __table_args__ = (
        ForeignKeyConstraint(
            ["tenant_id", "trajectory_id"], ["trajectories.tenant_id", "trajectories.id"]
        ),
        Index("ix_trajectory_invoices_tenant_id_trajectory_id", "tenant_id", "trajectory_id"),
        Index("ix_trajectory_invoices_tenant_id_status", "tenant_id", "status"),
        UniqueConstraint("tenant_id", "submission_key"),
    )

    trajectory_id: Mapped[uuid.UUID]
    case_id: Mapped[uuid.UUID]
    amount_cents: Mapped[int] = mapped_column(Integer)
    invoice_date: Mapped[date] = mapped_column(Date)
    reference: Mapped[str] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(
        String(20), enum_check("status", InvoiceStatus), default=InvoiceStatus.SUBMITTED.value
    )
    submitted_by: Mapped[str] = mapped_column(String(200))
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    decided_by: Mapped[str | None] = mapped_column(String(200))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    rejection_reason: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer, default=1)
    submission_key: Mapped[uuid.UUID | None]

    __mapper_args__ = {"version_id_col": version}
