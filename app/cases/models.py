"""The case-file skeleton: Client, Case and the life domains of a case.

Foreign keys between tenant-owned tables are composite ``(tenant_id, x_id)``;
relationships mark only the id as foreign (PITFALLS: two composite keys share
``tenant_id``), the tenant side is stamped by the flush hook.
"""

from __future__ import annotations

import uuid
from datetime import date
from enum import StrEnum

from sqlalchemy import Date, ForeignKeyConstraint, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.db import TenantScoped, Timestamped
from app.extensions import db


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


class DomainStatus(StrEnum):
    ARRANGED = "arranged"
    NOT_ARRANGED = "not_arranged"
    UNKNOWN = "unknown"
    NOT_APPLICABLE = "not_applicable"


class Client(TenantScoped, Timestamped, db.Model):
    __tablename__ = "clients"
    __table_args__ = (UniqueConstraint("tenant_id", "bsn"),)

    given_name: Mapped[str] = mapped_column(String(120))
    family_name: Mapped[str] = mapped_column(String(120))
    date_of_birth: Mapped[date] = mapped_column(Date)
    bsn: Mapped[str] = mapped_column(String(9))

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
    __table_args__ = (
        ForeignKeyConstraint(["tenant_id", "client_id"], ["clients.tenant_id", "clients.id"]),
        ForeignKeyConstraint(["tenant_id", "case_worker_id"], ["users.tenant_id", "users.id"]),
        Index("ix_cases_tenant_id_expected_release", "tenant_id", "expected_release"),
    )

    client_id: Mapped[uuid.UUID]
    case_worker_id: Mapped[uuid.UUID | None]
    phase: Mapped[str] = mapped_column(String(30), default=CasePhase.REGISTERED.value)
    facility: Mapped[str | None] = mapped_column(String(200))
    detention_start: Mapped[date | None] = mapped_column(Date)
    expected_release: Mapped[date | None] = mapped_column(Date)
    actual_release: Mapped[date | None] = mapped_column(Date)
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


class LifeDomain(TenantScoped, Timestamped, db.Model):
    """The state of one life domain in one case."""

    __tablename__ = "life_domains"
    __table_args__ = (
        ForeignKeyConstraint(["tenant_id", "case_id"], ["cases.tenant_id", "cases.id"]),
        UniqueConstraint("tenant_id", "case_id", "domain"),
    )

    case_id: Mapped[uuid.UUID]
    domain: Mapped[str] = mapped_column(String(30))
    position: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(30), default=DomainStatus.UNKNOWN.value)
    need: Mapped[str | None] = mapped_column(Text)
    notes: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}

    case: Mapped[Case] = relationship(
        primaryjoin="and_(Case.id == foreign(LifeDomain.case_id), "
        "Case.tenant_id == LifeDomain.tenant_id)",
        back_populates="life_domains",
    )
