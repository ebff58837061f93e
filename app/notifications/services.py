"""Notices to users: stored in the portal, mailed with the same subject and text."""

from __future__ import annotations

import uuid

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from werkzeug.exceptions import NotFound

from app.core.audit import report_refused_access
from app.core.db import utcnow
from app.core.registry import entries
from app.extensions import db
from app.jobs import enqueue
from app.mail.render import render_mail
from app.notifications.jobs import send_notification_mail
from app.notifications.models import Notification

LIST_LENGTH = 50
# The features' digests a user can ask for now (``add_digest``): (user id, day) -> None.
DIGESTS = "notification_digests"


def add_digest(app, digest) -> None:
    """A feature's digest, sent when a user asks for their overview now (``/digest``)."""
    entries(DIGESTS, app).append(digest)


# The features' namers of what a notice links to (``add_link_namer``): a function
# (links) -> {link: name shown in the portal}, e.g. the client of a case. Mail carries no
# such name (it leaves the portal); the portal names it where the reader may see it.
LINK_NAMERS = "notification_link_namers"


def add_link_namer(app, namer) -> None:
    entries(LINK_NAMERS, app).append(namer)


def link_names(notifications: list[Notification]) -> dict[str, str]:
    links = sorted({n.link for n in notifications if n.link})
    names: dict[str, str] = {}
    for namer in entries(LINK_NAMERS):
        names.update(namer(links) if links else {})
    return names


def send_digests_now(user, day) -> None:
    for digest in entries(DIGESTS):
        digest(user.id, day, on_request=True)


def notify(
    user_id: uuid.UUID,
    *,
    kind: str,
    dedupe_key: str,
    template: str,
    context: dict,
    link: str | None = None,
) -> Notification | None:
    """A notice for ``user_id`` from ``mail/<template>``, once per ``dedupe_key``.

    Returns None when a notice with this key exists already. The mail goes out by
    a job recorded in the same transaction, with the notice's own content.
    """
    if notice_exists(dedupe_key):
        return None
    mail = render_mail(template, context)
    notification = Notification(
        id=uuid.uuid4(),
        user_id=user_id,
        kind=kind,
        dedupe_key=dedupe_key,
        subject=mail.subject,
        body_text=mail.text,
        body_html=mail.html,
        link=link,
    )
    try:
        with db.session.begin_nested():
            db.session.add(notification)
    except IntegrityError:
        return None  # written meanwhile by a concurrent run: the unique key keeps one
    enqueue(send_notification_mail, notification_id=str(notification.id))
    return notification


def notice_exists(dedupe_key: str) -> bool:
    return (
        db.session.scalar(select(Notification.id).where(Notification.dedupe_key == dedupe_key))
        is not None
    )


def any_notice(user_ids: list[uuid.UUID], key_prefix: str) -> bool:
    """Whether one of ``user_ids`` has a notice whose key starts with ``key_prefix``."""
    escaped = key_prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return (
        db.session.scalar(
            select(Notification.id)
            .where(
                Notification.user_id.in_(user_ids),
                Notification.dedupe_key.like(f"{escaped}%", escape="\\"),
            )
            .limit(1)
        )
        is not None
    )


def notifications_for(user) -> list[Notification]:
    return list(
        db.session.scalars(
            select(Notification)
            .where(Notification.user_id == user.id)
            .order_by(Notification.created_at.desc())
            .limit(LIST_LENGTH)
        )
    )


def unread_count(user) -> int:
    return db.session.scalar(
        select(func.count())
        .select_from(Notification)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
    )


def access_notification(user, notification_id: uuid.UUID) -> Notification:
    """The user's own notice; 404 alike for someone else's, another tenant's and missing."""
    notification = db.session.scalar(
        select(Notification).where(
            Notification.id == notification_id, Notification.user_id == user.id
        )
    )
    if notification is None:
        report_refused_access(user, "notification", str(notification_id))
        raise NotFound()
    return notification


def mark_read(user, notification_id: uuid.UUID) -> Notification:
    notification = access_notification(user, notification_id)
    if notification.read_at is None:
        notification.read_at = utcnow()
        db.session.flush()
    return notification
