"""The jobs of the notices: the mail of a notice (queue ``mail``), and the daily purge
of notices read long ago."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete

from app.core.db import utcnow
from app.extensions import db
from app.jobs import job
from app.jobs.schedule import daily
from app.mail.backends import build_message, deliver
from app.mail.render import RenderedMail
from app.notifications.models import Notification

READ_NOTIFICATIONS_KEEP_DAYS = 180


@job("mail", label=_l("Mail a notice"))
def send_notification_mail(tenant_id: int, notification_id: str) -> None:
    """Mail a notification to its user, with exactly the content shown in the portal."""
    notification = db.session.get(Notification, (tenant_id, uuid.UUID(notification_id)))
    if notification is None or notification.mailed_at is not None:
        return
    user = notification.user
    if not user.email or not user.active:
        return
    mail = RenderedMail(notification.subject, notification.body_text, notification.body_html)
    notification.mailed_at = utcnow()
    db.session.flush()
    # Sent last: if sending fails the transaction (and mailed_at) is rolled back and retried.
    # Should the commit after a sent mail fail, the retry sends it again, with the same
    # Message-ID: a duplicate, never a loss, and one a mail client can recognise.
    deliver(build_message(user.email, mail, key=f"notification-{notification.id}"))


@daily("read_notifications", label=_l("read notifications"))
def purge_read_notifications(tenant_id: int, day: date) -> None:
    cutoff = datetime.combine(day, datetime.min.time(), UTC) - timedelta(
        days=READ_NOTIFICATIONS_KEEP_DAYS
    )
    db.session.execute(
        delete(Notification).where(Notification.read_at.is_not(None), Notification.read_at < cutoff)
    )


def forget_notices_naming(record_id: uuid.UUID) -> dict[str, int]:
    """Remove the notices whose link or key names ``record_id`` (a destroyed file)."""
    removed = db.session.execute(
        delete(Notification).where(
            Notification.link.contains(str(record_id))
            | Notification.dedupe_key.contains(str(record_id))
        )
    ).rowcount
    return {"notifications": removed} if removed else {}
