"""A feature that exists only in the test suite (tests/test_plugin_feature.py): circle
visits, a tenant-owned table hanging off a case by a composite key, with Dutch labels on
the model and a daily job. Registered by one line (``extra_features``); no other package
names it.

Imported only by the fixture of that test: defining the model adds its table to the
shared metadata, which the fixture takes out again afterwards.
"""

from __future__ import annotations

import uuid
from datetime import date

from flask import Flask
from sqlalchemy import Date, ForeignKeyConstraint, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from app.core.db import TenantScoped
from app.extensions import db
from app.jobs.schedule import add_daily_jobs, daily

TABLE = "plugin_circle_visits"
TABLE_LABEL = "Cirkelbezoeken"
SUMMARY_LABEL = "Bezoekverslag"
ran: list[tuple[int, date]] = []


class CircleVisit(TenantScoped, db.Model):
    __tablename__ = TABLE
    __table_args__ = (
        ForeignKeyConstraint(["tenant_id", "case_id"], ["cases.tenant_id", "cases.id"]),
        Index(f"ix_{TABLE}_tenant_id_case_id", "tenant_id", "case_id"),
        {"info": {"label": TABLE_LABEL}},
    )

    case_id: Mapped[uuid.UUID] = mapped_column(info={"technical": True})
    summary: Mapped[str] = mapped_column(String(200), info={"label": SUMMARY_LABEL})
    visited_on: Mapped[date] = mapped_column(Date, info={"label": "Bezocht op"})


@daily("plugin_circle_check", label="cirkelcontrole")
def circle_check(tenant_id: int, day: date) -> None:
    ran.append((tenant_id, day))


def init_app(app: Flask) -> None:
    add_daily_jobs(app, circle_check)
