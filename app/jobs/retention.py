"""The housekeeping sweep of the daily plan (reminder ``retention``).

Here: finished outbox rows and read notifications past their keeping period. The
retention rules of client data (closed case files, notices of detention, the access
and security logs) are not here: they live in ``app.audit.retention``, run by the
``privacy_retention`` reminder (``app.audit.jobs``) and written on the destruction list.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from flask import current_app
from sqlalchemy import delete

from app.extensions import db
from app.jobs.outbox import purge_done
from app.jobs.schedule import daily

READ_NOTIFICATIONS_KEEP_DAYS = 180


@daily("retention")
def retention_sweep(tenant_id: int, day: date) -> None:
    from app.notifications.models import Notification

    purge_done(int(current_app.config["OUTBOX_KEEP_DAYS"]))
    cutoff = datetime.combine(day, datetime.min.time(), UTC) - timedelta(
        days=READ_NOTIFICATIONS_KEEP_DAYS
    )
    db.session.execute(
        delete(Notification).where(Notification.read_at.is_not(None), Notification.read_at < cutoff)
    )
