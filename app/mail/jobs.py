"""The mail jobs (queue ``mail``): a template to an address, or a notification to its user."""

from __future__ import annotations

import uuid

from app.core.db import utcnow
from app.extensions import db
from app.jobs import job
from app.mail.backends import build_message, deliver
from app.mail.render import RenderedMail, render_mail


@job("mail")
def send_template_mail(tenant_id: int, to: str, template: str, context: dict) -> None:
    deliver(build_message(to, render_mail(template, context)))


@job("mail")
def send_notification_mail(tenant_id: int, notification_id: str) -> None:
    """Mail a notification to its user, with exactly the content shown in the portal."""
    from app.notifications.models import Notification

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
