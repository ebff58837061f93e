"""Dutch names for the jobs on the failed list: the ``label`` of ``@job`` and of
``@daily``, next to the function they name (msgids in English, text in the catalogue)."""

from __future__ import annotations

from flask_babel import gettext

from app.jobs.functions import LABEL_MARKER, JobError, resolve
from app.jobs.schedule import reminder_label, run_daily_reminder

DAILY_PATH = f"{run_daily_reminder.__module__}.{run_daily_reminder.__name__}"


def job_label(function: str, arguments: dict | None) -> str:
    try:
        label = getattr(resolve(function), LABEL_MARKER, None)
    except (ImportError, JobError):
        label = None
    if label is None:
        return function.rsplit(".", 1)[-1]
    reminder = (arguments or {}).get("name")
    if function == DAILY_PATH and reminder:
        return gettext(
            "%(job)s: %(reminder)s", job=str(label), reminder=str(reminder_label(reminder))
        )
    return str(label)
