"""The money of one municipality: budget lines per year, the year's planning figures,
approvals to go beyond the budget and the commitment of each trajectory.

Tenant-owned, and ON the regional-read allow-list (``__regional_read__ = True``): the
centre municipality holds the national grant and accounts for the whole region, so its
regional coordinator reads every municipality's money, select-only and logged, through
the one regional mechanism (``app.core.tenancy.regional_read``). Writes stay with the
owning municipality. The tables hold no personal data: amounts in integer cents, names of
staff who recorded them, and a commitment names its trajectory by id only (the trajectory
itself is on the allow-list as part of the case file)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Date, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from app.core.db import TenantScoped, UTCDateTime, enum_check, utcnow
from app.extensions import db

DEFAULT_TRAJECTORY_COST_CENTS = 150_000
DEFAULT_EXPECTED_TRAJECTORIES = 50


class BudgetSource(StrEnum):
    MUNICIPAL = "municipal"
    GRANT = "grant"
    OTHER = "other"


class CommitmentStatus(StrEnum):
    COMMITTED = "committed"
    SPENT = "spent"
    CANCELLED = "cancelled"


class BudgetYear(TenantScoped, db.Model):
    """The planning figures of one year: the default cost and the expected number."""

    __tablename__ = "budget_years"
    __regional_read__ = True  # money: the grant holder accounts for the region
    __table_args__ = (UniqueConstraint("tenant_id", "year"),)

    year: Mapped[int] = mapped_column(Integer)
    trajectory_cost_cents: Mapped[int] = mapped_column(
        Integer, default=DEFAULT_TRAJECTORY_COST_CENTS
    )
    expected_trajectories: Mapped[int] = mapped_column(
        Integer, default=DEFAULT_EXPECTED_TRAJECTORIES
    )


class BudgetLine(TenantScoped, db.Model):
    """One amount of money available in a year, by its source."""

    __tablename__ = "budget_lines"
    __regional_read__ = True  # money: the grant holder accounts for the region
    __table_args__ = (
        Index("ix_budget_lines_tenant_id_year", "tenant_id", "year"),
        UniqueConstraint("tenant_id", "submission_key"),
        # At most one line per year from the region's approved grant distribution: a
        # later approval for the year rewrites that line, never adds a second.
        Index(
            "uq_budget_lines_grant_share",
            "tenant_id",
            "year",
            unique=True,
            postgresql_where=text("grant_approval_id IS NOT NULL"),
            sqlite_where=text("grant_approval_id IS NOT NULL"),
        ),
    )

    year: Mapped[int] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(String(20), enum_check("source", BudgetSource))
    amount_cents: Mapped[int] = mapped_column(Integer)
    description: Mapped[str | None] = mapped_column(Text)
    recorded_by: Mapped[str] = mapped_column(String(200))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    submission_key: Mapped[uuid.UUID | None]
    # The centre's approval of the grant distribution this share line came from (an id in
    # the centre municipality: no foreign key across tenants); None for lines by hand.
    grant_approval_id: Mapped[uuid.UUID | None]


class BudgetApproval(TenantScoped, db.Model):
    """A recorded approval by the tenant admin or the regional coordinator for one
    hand-over beyond the year's budget; used by the first such hand-over."""

    __tablename__ = "budget_approvals"
    __regional_read__ = True  # money: the grant holder accounts for the region
    __table_args__ = (
        Index("ix_budget_approvals_tenant_id_year", "tenant_id", "year"),
        UniqueConstraint("tenant_id", "submission_key"),
    )

    year: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(Text)
    approved_by: Mapped[str] = mapped_column(String(200))
    approved_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    used_for_trajectory_id: Mapped[uuid.UUID | None]
    submission_key: Mapped[uuid.UUID | None]


class Commitment(TenantScoped, db.Model):
    """The money a handed-over trajectory binds: committed at the hand-over, spent when
    the care director's invoice is recorded, released when cancelled."""

    __tablename__ = "budget_commitments"
    __regional_read__ = True  # money: the grant holder accounts for the region
    __table_args__ = (
        UniqueConstraint("tenant_id", "trajectory_id"),
        Index("ix_budget_commitments_tenant_id_year", "tenant_id", "year"),
    )

    trajectory_id: Mapped[uuid.UUID]
    year: Mapped[int] = mapped_column(Integer)
    amount_cents: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(
        String(20),
        enum_check("status", CommitmentStatus),
        default=CommitmentStatus.COMMITTED.value,
    )
    approval_id: Mapped[uuid.UUID | None]
    committed_by: Mapped[str] = mapped_column(String(200))
    committed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    invoice_amount_cents: Mapped[int | None] = mapped_column(Integer)
    invoice_date: Mapped[date | None] = mapped_column(Date)
    invoice_reference: Mapped[str | None] = mapped_column(String(100))
    cancelled_by: Mapped[str | None] = mapped_column(String(200))
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}
