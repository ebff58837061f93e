"""In-portal notices: the same content as the mail, on a list per user, refreshed by htmx."""

from __future__ import annotations

from flask import Flask

from app.core.navigation import add_nav_entry
from app.core.signals import case_destroyed
from app.jobs.schedule import add_daily_jobs
from app.notifications import jobs
from app.notifications.views import bp


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    add_daily_jobs(app, jobs)
    add_nav_entry(
        app, "notifications.notification_list", template="notifications/badge.html", order=20
    )
    case_destroyed.connect(_forget_notices, weak=False)


def _forget_notices(sender, record_id, **_extra) -> dict[str, int]:
    return jobs.forget_notices_naming(record_id)
