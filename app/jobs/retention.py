"""The housekeeping sweep of the daily plan (reminder ``retention``): finished outbox rows
past their keeping period. Other packages keep their own (read notices:
``app.notifications.jobs``); the retention rules of client data are the privacy
retention's (``app.audit.retention``)."""

from __future__ import annotations

from datetime import date

from flask import current_app
from flask_babel import lazy_gettext as _l

from app.jobs.outbox import purge_done
from app.jobs.schedule import daily


@daily("retention", label=_l("retention"))
def retention_sweep(tenant_id: int, day: date) -> None:
    purge_done(int(current_app.config["OUTBOX_KEEP_DAYS"]))
