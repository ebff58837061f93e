"""The daily plan: what runs every day, for every municipality.

A reminder is a function ``(tenant_id, day)`` marked ``@daily("name", label=_l("..."))``
in the package it serves, with the Dutch name the failed-jobs list shows next to the
decorator; the package's ``init_app`` hands its module to ``add_daily_jobs(app, module)``.
The plan knows no package by name: it runs what the app's features registered. A
reminder runs as a job in its tenant's context and must be idempotent (a notice keyed by
what it is about, so a second run adds nothing).

The plan is started once a day by cron (``flask --app wsgi jobs daily``, see the
README); each municipality gets one job per reminder, so one failing reminder
does not hold up the others and is retried on its own.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from types import ModuleType

from flask import Flask
from flask_babel import lazy_gettext as _l

from app.core.context import tenant_app_context
from app.core.registry import entries
from app.extensions import db
from app.jobs.outbox import enqueue, job, tenant_ids

Reminder = Callable[[int, date], None]
MARKER = "__nazorg_daily__"


@dataclass(frozen=True)
class Daily:
    name: str
    label: object
    function: Reminder


def daily(name: str, *, label=None) -> Callable[[Reminder], Reminder]:
    """Mark a reminder; ``label`` (a lazy msgid) names it on the failed-jobs list."""

    def mark(function: Reminder) -> Reminder:
        setattr(function, MARKER, Daily(name, label, function))
        return function

    return mark


def add_daily_jobs(app: Flask, *sources: ModuleType | Reminder) -> None:
    """Put the ``@daily`` reminders of ``sources`` (modules or functions) in the plan."""
    registered = entries("daily", app)
    for source in sources:
        found = [source] if inspect.isfunction(source) else list(vars(source).values())
        for candidate in found:
            marked = getattr(candidate, MARKER, None) if inspect.isfunction(candidate) else None
            if marked is None or marked in registered:
                continue
            if any(other.name == marked.name for other in registered):
                raise ValueError(f"a daily reminder named {marked.name!r} exists already")
            registered.append(marked)


def daily_jobs() -> dict[str, Daily]:
    return {entry.name: entry for entry in entries("daily")}


def reminders() -> dict[str, Reminder]:
    return {name: entry.function for name, entry in daily_jobs().items()}


def reminder_label(name: str):
    entry = daily_jobs().get(name)
    return entry.label if entry is not None and entry.label is not None else name


@job(label=_l("Daily reminder"))
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
