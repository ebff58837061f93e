"""The region's national grant: its distributions, their approvals, what the centre spends
for the whole region, and the yearly accountability report.

All rows belong to the centre municipality (the grant holder), written in its own
session; none is on the regional-read allow-list and none holds personal data (amounts,
municipality names, weights, staff names).

- A computed distribution (``GrantDistribution`` with its ``GrantShare`` rows) is
  immutable: the portal role may only insert and read these two tables (append-only in
  PostgreSQL), and the ORM refuses an update or delete of them before it reaches SQL.
- Approving is a separate recorded step (``GrantApproval``): who, when, and, when it
  replaces the year's earlier approval, the reason. One current approval per year (a
  partial unique index); a superseded one keeps its row with the time it was replaced.
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
    event,
    text,
)
from sqlalchemy.orm import Mapped, Session, mapped_column

from app.core.db import TenantScoped, UTCDateTime, enum_check, utcnow
from app.extensions import db


class DistributionKey(StrEnum):
    EX_DETAINEES = "ex_detainees"  # ex-detainees per municipality in a reference year
    FIXED_SHARE = "fixed_share"  # a fixed share per municipality (whole numbers)


class GrantDistribution(TenantScoped, db.Model):
    """One computation: the year's grant, the key and its inputs, who computed it."""

    __tablename__ = "grant_distributions"
    __table_args__ = (
        Index("ix_grant_distributions_tenant_id_year", "tenant_id", "year"),
        UniqueConstraint("tenant_id", "submission_key"),
    )

    year: Mapped[int] = mapped_column(Integer)
    total_cents: Mapped[int] = mapped_column(Integer)
    key_kind: Mapped[str] = mapped_column(String(20), enum_check("key_kind", DistributionKey))
    reference_year: Mapped[int | None] = mapped_column(Integer)
    computed_by: Mapped[str] = mapped_column(String(200))
    computed_by_id: Mapped[uuid.UUID | None]
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    submission_key: Mapped[uuid.UUID | None]


class GrantShare(TenantScoped, db.Model):
    """One municipality's weight and share in a distribution (``municipality_id`` is the
    municipality's tenant id, kept with its name as it was then)."""

    __tablename__ = "grant_distribution_shares"
    __table_args__ = (
        ForeignKeyConstraint(
            ["tenant_id", "distribution_id"],
            ["grant_distributions.tenant_id", "grant_distributions.id"],
        ),
        UniqueConstraint("tenant_id", "distribution_id", "municipality_id"),
    )

    distribution_id: Mapped[uuid.UUID]
    municipality_id: Mapped[int] = mapped_column(Integer)
    municipality_name: Mapped[str] = mapped_column(String(120))
    weight: Mapped[int] = mapped_column(Integer)
    share_cents: Mapped[int] = mapped_column(Integer)


class GrantApproval(TenantScoped, db.Model):
    """The coordinator's approval of one distribution; its shares become budget lines."""

    __tablename__ = "grant_distribution_approvals"
    __table_args__ = (
        ForeignKeyConstraint(
            ["tenant_id", "distribution_id"],
            ["grant_distributions.tenant_id", "grant_distributions.id"],
        ),
        Index(
            "ix_grant_distribution_approvals_tenant_id_distribution_id",
            "tenant_id",
            "distribution_id",
        ),
        # One current approval per year: a second one supersedes the first explicitly.
        Index(
            "uq_grant_distribution_approvals_current",
            "tenant_id",
            "year",
            unique=True,
            postgresql_where=text("superseded_at IS NULL"),
            sqlite_where=text("superseded_at IS NULL"),
        ),
        UniqueConstraint("tenant_id", "submission_key"),
    )

    distribution_id: Mapped[uuid.UUID]
    year: Mapped[int] = mapped_column(Integer)
    approved_by: Mapped[str] = mapped_column(String(200))
    approved_by_id: Mapped[uuid.UUID | None]
    approved_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # Required when it replaces the year's earlier approval (``supersedes_id``).
    reason: Mapped[str | None] = mapped_column(Text)
    supersedes_id: Mapped[uuid.UUID | None]
    superseded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # When every municipality's budget line was written (the job's work).
    applied_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    submission_key: Mapped[uuid.UUID | None]


class RegionalExpense(TenantScoped, db.Model):
    """Money the centre spends from the grant for the whole region (the regional
    coordinator, the volunteer programme, training): accounted for every municipality."""

    __tablename__ = "regional_expenses"
    __table_args__ = (
        Index("ix_regional_expenses_tenant_id_year", "tenant_id", "year"),
        UniqueConstraint("tenant_id", "submission_key"),
    )

    year: Mapped[int] = mapped_column(Integer)
    amount_cents: Mapped[int] = mapped_column(Integer)
    description: Mapped[str] = mapped_column(Text)
    spent_on: Mapped[date] = mapped_column(Date)
    recorded_by: Mapped[str] = mapped_column(String(200))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    submission_key: Mapped[uuid.UUID | None]


class AccountabilityReport(TenantScoped, db.Model):
    """One run of the yearly accountability report: made by a background job one
    municipality per step (``done_steps`` of ``total_steps`` is the progress), the figures
    and the inputs it used kept as JSON (amounts and counts only)."""

    __tablename__ = "accountability_reports"
    __table_args__ = (Index("ix_accountability_reports_tenant_id_year", "tenant_id", "year"),)

    year: Mapped[int] = mapped_column(Integer)
    requested_by: Mapped[str] = mapped_column(String(200))
    requested_by_id: Mapped[uuid.UUID | None]
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    total_steps: Mapped[int] = mapped_column(Integer)
    done_steps: Mapped[int] = mapped_column(Integer, default=0)
    # {"rows": [{municipality figures}], "inputs": {...}}
    content: Mapped[dict] = mapped_column(JSON, default=dict)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    @property
    def is_finished(self) -> bool:
        return self.finished_at is not None

    @property
    def percent_done(self) -> int:
        return 100 if not self.total_steps else self.done_steps * 100 // self.total_steps


IMMUTABLE = (GrantDistribution, GrantShare)


class ImmutableRow(Exception):
    """A computed distribution was about to be changed or deleted."""


@event.listens_for(Session, "before_flush")
def _keep_distributions_immutable(session: Session, _context, _instances) -> None:
    for row in list(session.dirty) + list(session.deleted):
        if isinstance(row, IMMUTABLE) and (row in session.deleted or session.is_modified(row)):
            raise ImmutableRow(f"{type(row).__name__} {row.id} is immutable once computed")
