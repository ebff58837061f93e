"""Dutch names for the jobs on the failed list (msgids in English, text in the catalogue)."""

from __future__ import annotations

from flask_babel import gettext
from flask_babel import lazy_gettext as _l

JOB_LABELS = {
    "app.mail.jobs.send_notification_mail": _l("Mail a notice"),
    "app.mail.jobs.send_template_mail": _l("Send a mail"),
    "app.jobs.schedule.run_daily_reminder": _l("Daily reminder"),
    "app.cases.jobs.release_notice_for_case": _l("Release notice after a date change"),
}

REMINDER_LABELS = {
    "release_notices": _l("release notices"),
    "task_digest": _l("task digest"),
    "retention": _l("retention"),
    "privacy_retention": _l("privacy retention"),
    "six_month_snapshots": _l("six-month measurement"),
}


def job_label(function: str, arguments: dict | None) -> str:
    label = JOB_LABELS.get(function)
    if label is None:
        return function.rsplit(".", 1)[-1]
    reminder = (arguments or {}).get("name")
    if function.endswith("run_daily_reminder") and reminder:
        return gettext(
            "%(job)s: %(reminder)s",
            job=str(label),
            reminder=str(REMINDER_LABELS.get(reminder, reminder)),
        )
    return str(label)
