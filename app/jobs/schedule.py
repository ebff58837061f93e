"""The daily plan: one place that lists what runs every day, for every municipality.

A reminder is a function ``(tenant_id, day)`` marked with ``@daily("name")`` in
the package it serves; it runs as a job in its tenant's context and must be
idempotent (a notice keyed by what it is about, so a second run adds nothing).
Adding one is a few lines: write the function, and list its module below if it
is a new one.

The plan is started once a day by cron (``flask --app wsgi jobs daily``, see the
README); each municipality gets one job per reminder, so one failing reminder
does not hold up the others and is retried on its own.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from datetime import date

from app.core.context import tenant_app_context
from app.extensions import db
from app.jobs.outbox import enqueue, job, tenant_ids

REMINDER_MODULES = (
    "app.cases.jobs",  # release notices, the task digest
    "app.jobs.retention",  # outbox rows and read notifications
    "app.audit.jobs",  # retention of case files, detention notices and logs
)

Reminder = Callable[[int, date], None]
_reminders: dict[str, Reminder] = {}


def daily(name: str) -> Callable[[Reminder], Reminder]:
    def register(function: Reminder) -> Reminder:
        if _reminders.get(name, function) is not function:
            raise ValueError(f"a daily reminder named {name!r} exists already")
        _reminders[name] = function
        return function

    return register


def reminders() -> dict[str, Reminder]:
    for module in REMINDER_MODULES:
        importlib.import_module(module)
    return dict(_reminders)


@job()
def run_daily_reminder(tenant_id: int, name: str, day: str) -> None:
    reminders()[name](tenant_id, date.fromisoformat(day))


def plan_day(day: date) -> int:
    """Enqueue every daily reminder for every municipality; returns how many jobs."""
    names = sorted(reminders())
    count = 0
    for tenant_id in tenant_ids():
        with tenant_app_context(tenant_id):
            for name in names:
                enqueue(run_daily_reminder, name=name, day=day.isoformat())
                count += 1
            db.session.commit()
    return count
