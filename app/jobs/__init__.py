"""Background work: rq jobs that run in their tenant's context, fed by an outbox.

- ``job`` marks a function as a job, ``enqueue`` records it in the current
  transaction (``app.jobs.outbox``); after the commit it is handed to Redis, or
  run inline when there is no ``REDIS_URL`` (the one-command demo).
- ``app.jobs.runner.run_outbox_job`` is the one wrapper every job runs in.
- ``app.jobs.schedule`` holds the daily plan and its registry of reminders.
- ``app.jobs.views``: the failed jobs of a municipality, for its administrator.
"""

from __future__ import annotations

from flask import Flask

from app.jobs.outbox import enqueue, job

__all__ = ["enqueue", "init_app", "job"]


def init_app(app: Flask) -> None:
    from app.jobs import (
        models,  # noqa: F401 - the outbox table
        runner,  # noqa: F401 - loaded before a worker forks
    )
    from app.jobs.cli import register_cli
    from app.jobs.views import bp as jobs_bp
    from app.notifications import models as notification_models  # noqa: F401
    from app.notifications.views import bp as notifications_bp

    register_cli(app)
    app.register_blueprint(jobs_bp)
    app.register_blueprint(notifications_bp)
