"""Background work: rq jobs that run in their tenant's context, fed by an outbox.

- ``job`` marks a function as a job, ``enqueue`` records it in the current
  transaction (``app.jobs.outbox``); after the commit it is handed to Redis, or
  run inline when there is no ``REDIS_URL`` (the one-command demo).
- ``app.jobs.runner.run_outbox_job`` is the one wrapper every job runs in.
- ``app.jobs.schedule`` holds the daily plan; features add their ``@daily`` reminders.
- ``app.jobs.views``: the failed jobs of a municipality, for its administrator.
"""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l

from app.core.navigation import add_nav_entry
from app.core.permissions import Permission
from app.core.signals import case_destroyed
from app.jobs import cli, retention, runner, schedule  # noqa: F401 - runner: loaded before a worker forks
from app.jobs.outbox import enqueue, forget_jobs_naming, job
from app.jobs.views import bp as jobs_bp

__all__ = ["enqueue", "init_app", "job"]


def init_app(app: Flask) -> None:
    cli.register_cli(app)
    app.register_blueprint(jobs_bp)
    schedule.add_daily_jobs(app, retention)
    add_nav_entry(
        app, "jobs.failed_jobs", _l("Failed jobs"), permission=Permission.TENANT_ADMIN, order=40
    )
    case_destroyed.connect(_forget_jobs, weak=False)


def _forget_jobs(sender, record_id, **_extra) -> dict[str, int]:
    return forget_jobs_naming(record_id)
