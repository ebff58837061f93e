from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import (
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
        Index("ix_referrals_tenant_id_case_id", "tenant_id", "case_id"),
        UniqueConstraint("tenant_id", "submission_key"),
    )

    case_id: Mapped[uuid.UUID]
    domain: Mapped[str] = mapped_column(String(30), enum_check("domain", LifeDomainKind))
    partner: Mapped[str] = mapped_column(String(40))
    request: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(
        String(20), enum_check("status", ReferralStatus), default=ReferralStatus.SENT.value
    )
    rejection_reason: Mapped[str | None] = mapped_column(Text)
    outcome: Mapped[str | None] = mapped_column(Text)
    sent_on: Mapped[date] = mapped_column(Date)
    decided_on: Mapped[date | None] = mapped_column(Date)
    referred_by: Mapped[str] = mapped_column(String(200))
    version: Mapped[int] = mapped_column(Integer, default=1)
    # The one-time key of the form that made it: posting that form again makes nothing.
    submission_key: Mapped[uuid.UUID | None]

    __mapper_args__ = {"version_id_col": version}


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
        Index("ix_trajectories_tenant_id_case_id", "tenant_id", "case_id"),
        Index("ix_trajectories_tenant_id_start_date", "tenant_id", "start_date"),
        UniqueConstraint("tenant_id", "submission_key"),
    )

    case_id: Mapped[uuid.UUID]
    provider: Mapped[str] = mapped_column(String(200))
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
