"""The retention sweep in the daily plan (one job per municipality)."""

from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l

from app.audit import retention
from app.jobs.schedule import daily


@daily("privacy_retention", label=_l("privacy retention"))
def privacy_retention(tenant_id: int, day: date) -> None:
    retention.sweep(day)
