from __future__ import annotations

import uuid
from datetime import date

from flask import Blueprint, redirect, url_for
from flask_login import current_user

from app.core.actions import commit
from app.core.permissions import Permission, requires
from app.core.rendering import render, wants_fragment
from app.notifications import services

bp = Blueprint("notifications", __name__, url_prefix="/notifications")


@bp.get("/")
@requires(Permission.START_PAGE)
def notification_list():
    notifications = services.notifications_for(current_user)
    return render(
        "notifications/list.html",
        block="list",
        notifications=notifications,
        link_names=services.link_names(notifications),
        unread=services.unread_count(current_user),
    )


@bp.get("/count")
@requires(Permission.START_PAGE)
def unread_badge():
    return render(
        "notifications/badge.html", block="badge", unread=services.unread_count(current_user)
    )


@bp.post("/<uuid:notification_id>/read")
@requires(Permission.START_PAGE)
def mark_read(notification_id: uuid.UUID):
    notification = commit(lambda: services.mark_read(current_user, notification_id))
    if wants_fragment():
        return render("notifications/list.html", block="item", notification=notification)
    return redirect(url_for("notifications.notification_list"))


@bp.post("/digest")
@requires(Permission.CASE_READ)
def send_digest_now():
    """The case worker asks for the overview of their tasks now (notice and mail)."""
    commit(lambda: services.send_digests_now(current_user, date.today()))
    return redirect(url_for("notifications.notification_list"))
