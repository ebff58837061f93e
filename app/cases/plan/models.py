"""Task templates (per municipality, editable by its admin) and the tasks of a case."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from app.cases.models import LifeDomainKind
from app.core.db import TenantScoped, Timestamped, UTCDateTime, enum_check
from app.extensions import db


class Responsible(StrEnum):
    """Who carries out a task: the municipality's aftercare coordinator, the prison
    caseworker, or a function (a partner kind, the codes partners-as-data uses too; each
    municipality names its own organisation for a kind), never one municipality's unit."""

    AFTERCARE_COORDINATOR = "aftercare_coordinator"
    PRISON_CASEWORKER = "prison_caseworker"
    # The partner kinds:
    CARE_DIRECTOR = "care_director"
    DEBT_HELP = "debt_help"
    ADDICTION_CARE = "addiction_care"
    SUPPORTED_HOUSING = "supported_housing"
    PROBATION = "probation"
    INCOME = "income"
    HEALTH_INSURER = "health_insurer"
    MENTAL_HEALTH_CARE = "mental_health_care"
    HOUSING_CORPORATION = "housing_corporation"


# Partners whose help can only start after the release (DOMAIN.md: debt counselling starts
# after release, when there is income): a referral to them gets its start date after it.
STARTS_AFTER_RELEASE = frozenset({Responsible.DEBT_HELP.value})


class Anchor(StrEnum):
    """The date a task's offset counts from; a task keeps its anchor and offset, so moving
    one date moves only the open tasks anchored on it."""

    RELEASE = "release"  # the expected release
    ACTUAL_RELEASE = "actual_release"  # the expected release until the release is recorded
    DETENTION_START = "detention_start"
    INTAKE = "intake"  # the day the case was opened


class PlanPhase(StrEnum):
    """The phase a task belongs to; all but after-release are done before the release."""

    IN_DETENTION = "in_detention"
    RELEASE_PREPARATION = "release_preparation"
    AFTER_RELEASE = "after_release"


class TaskStatus(StrEnum):
    OPEN = "open"
    DONE = "done"
    # Closed by the plan because its conditions no longer hold (never deleted).
    NOT_APPLICABLE = "not_applicable"


class TargetGroup(StrEnum):
    """The plan's target groups (from the case's flags)."""

    PROLIFIC_OFFENDER = "prolific_offender"
    BENEFIT_RECIPIENT = "benefit_recipient"
    OTHERS = "others"


class TaskTemplate(TenantScoped, Timestamped, db.Model):
    __tablename__ = "task_templates"
    __table_args__ = (
        Index("ix_task_templates_tenant_id_position", "tenant_id", "position"),
        UniqueConstraint("tenant_id", "submission_key"),
    )

    domain: Mapped[str] = mapped_column(String(30), enum_check("domain", LifeDomainKind))
    phase: Mapped[str] = mapped_column(String(30), enum_check("phase", PlanPhase))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    responsible: Mapped[str] = mapped_column(String(40), enum_check("responsible", Responsible))
    anchor: Mapped[str] = mapped_column(
        String(20), enum_check("anchor", Anchor), default=Anchor.RELEASE.value
    )
    offset_days: Mapped[int] = mapped_column(Integer, default=0)
    # The compressed plan of a short stay: another offset, or the task left out.
    short_stay_offset_days: Mapped[int | None] = mapped_column(Integer)
    long_stay_only: Mapped[bool] = mapped_column(Boolean, default=False)
    # When the task applies (all keys optional, all must hold; see plan.services.applies):
    # domain_status [statuses], target_groups [TargetGroup], stay "short"|"long",
    # min_detention_months (longer than), max_detention_months (at most), trajectory bool.
    conditions: Mapped[dict | None] = mapped_column(JSON)
    position: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    # The one-time key of the form that added it: posting that form again adds nothing.
    submission_key: Mapped[uuid.UUID | None]

    __mapper_args__ = {"version_id_col": version}


class Task(TenantScoped, Timestamped, db.Model):
    __tablename__ = "tasks"
    __regional_read__ = True  # the case file: the regional read may see it
    __table_args__ = (
        ForeignKeyConstraint(["tenant_id", "case_id"], ["cases.tenant_id", "cases.id"]),
        Index("ix_tasks_tenant_id_case_id", "tenant_id", "case_id"),
        Index("ix_tasks_tenant_id_status_due_date", "tenant_id", "status", "due_date"),
        # The overviews' overdue count reads only open tasks (a few percent of ten years of
        # tasks), with the case from the index (an index-only scan).
        Index(
            "ix_tasks_open_due_date",
            "tenant_id",
            "due_date",
            postgresql_include=["case_id"],
            postgresql_where=text("status = 'open'"),
            sqlite_where=text("status = 'open'"),
        ),
        UniqueConstraint("tenant_id", "submission_key"),
    )

    case_id: Mapped[uuid.UUID]
    # The template it came from, if any (no key: a template may be deleted later).
    template_id: Mapped[uuid.UUID | None] = mapped_column(info={"transfer": "drop"})
    domain: Mapped[str] = mapped_column(String(30), enum_check("domain", LifeDomainKind))
    phase: Mapped[str] = mapped_column(String(30), enum_check("phase", PlanPhase))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    responsible: Mapped[str] = mapped_column(String(40), enum_check("responsible", Responsible))
    due_date: Mapped[date] = mapped_column(Date)
    before_release: Mapped[bool] = mapped_column(Boolean, default=True)
    status: Mapped[str] = mapped_column(
        String(20), enum_check("status", TaskStatus), default=TaskStatus.OPEN.value
    )
    # The date the due date counts from and the days from it (None: a task added by hand,
    # or one from before anchors were kept: its date moves only by hand).
    anchor: Mapped[str | None] = mapped_column(String(20), enum_check("anchor", Anchor))
    offset_days: Mapped[int | None] = mapped_column(Integer)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    done_by: Mapped[str | None] = mapped_column(String(200))
    position: Mapped[int] = mapped_column(Integer, default=0)
    version: Mapped[int] = mapped_column(Integer, default=1)
    # The one-time key of the form that added it by hand: posting that form again adds nothing.
    submission_key: Mapped[uuid.UUID | None]

    __mapper_args__ = {"version_id_col": version}

    @property
    def is_open(self) -> bool:
        return self.status == TaskStatus.OPEN.value

    def is_overdue(self, today: date | None = None) -> bool:
        return self.is_open and self.due_date < (today or date.today())
