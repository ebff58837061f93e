"""A municipality's partner organisations, and which provider-worker accounts work for one.

Partners are the municipality's own rows (row-level security, not on the regional-read
allow-list: the region has no business with another municipality's address book). The
default plan and referrals name a *kind* (``PartnerKind``); each municipality maps a kind
to its own organisation(s) here. The care director of the hand-over is the partner of kind
``care_director`` that takes trajectories.

A provider worker's local account is bound to one partner by a row of ``partner_staff``
(one row per account, unique): the binding lives with the partner, not on the account, so
the accounts of ``app.auth`` know nothing of the file's partners, and unbinding (or
deactivating the account) ends the access at the next request.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import Boolean, ForeignKeyConstraint, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.core.db import TenantScoped, Timestamped, UTCDateTime, enum_check, utcnow
from app.extensions import db


class PartnerKind(StrEnum):
    """The kinds of partner the plan names (shared with the plan template: these codes)."""

    CARE_DIRECTOR = "care_director"
    DEBT_HELP = "debt_help"
    ADDICTION_CARE = "addiction_care"
    SUPPORTED_HOUSING = "supported_housing"
    PROBATION = "probation"
    INCOME = "income"
    HEALTH_INSURER = "health_insurer"
    MENTAL_HEALTH_CARE = "mental_health_care"
    HOUSING_CORPORATION = "housing_corporation"


class Partner(TenantScoped, Timestamped, db.Model):
    __tablename__ = "partners"
    __table_args__ = (
        Index("ix_partners_tenant_id_kind", "tenant_id", "kind"),
        UniqueConstraint("tenant_id", "submission_key"),
    )

    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(40), enum_check("kind", PartnerKind))
    contact_name: Mapped[str | None] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(320))
    phone: Mapped[str | None] = mapped_column(String(40))
    address: Mapped[str | None] = mapped_column(String(300))
    takes_referrals: Mapped[bool] = mapped_column(Boolean, default=True)
    # Carries out paid trajectories (the care director); its staff may get a provider account.
    takes_trajectories: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    submission_key: Mapped[uuid.UUID | None]

    __mapper_args__ = {"version_id_col": version}


class PartnerStaff(TenantScoped, db.Model):
    """A provider worker's account, bound to the partner organisation they work for."""

    __tablename__ = "partner_staff"
    __table_args__ = (
        ForeignKeyConstraint(["tenant_id", "partner_id"], ["partners.tenant_id", "partners.id"]),
        ForeignKeyConstraint(["tenant_id", "user_id"], ["users.tenant_id", "users.id"]),
        Index("ix_partner_staff_tenant_id_partner_id", "tenant_id", "partner_id"),
        # One organisation per account.
        UniqueConstraint("tenant_id", "user_id"),
    )

    partner_id: Mapped[uuid.UUID]
    user_id: Mapped[uuid.UUID]
    bound_by: Mapped[str] = mapped_column(String(200))
    bound_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
