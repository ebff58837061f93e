"""Binding each request to the signed-in user and their tenant.

The user id in the signed session cookie is ``"<tenant_id>:<user uuid>"``; the
loader binds the request's database session to that tenant before it reads the
user, so every later query of the request is scoped to it. The tenant never
comes from a URL, form field or header.
"""

from __future__ import annotations

import uuid

from flask import make_response, redirect, url_for
from flask_login import current_user

from app.auth.models import User
from app.core.tenancy import bind_tenant
from app.extensions import db, htmx, login_manager

login_manager.login_message = None


def parse_user_key(key: str) -> tuple[int, uuid.UUID] | None:
    tenant_part, _sep, id_part = key.partition(":")
    try:
        return int(tenant_part), uuid.UUID(id_part)
    except ValueError:
        return None


@login_manager.user_loader
def load_user(key: str) -> User | None:
    parsed = parse_user_key(key)
    if parsed is None:
        return None
    tenant_id, user_id = parsed
    bind_tenant(db.session, tenant_id)
    user = db.session.get(User, (tenant_id, user_id))
    if user is None or not user.active:
        return None
    return user


@login_manager.unauthorized_handler
def unauthorized():
    target = url_for("auth.sign_in")
    if htmx:
        # A 302 would be swapped into the fragment; ask htmx to load the page instead.
        response = make_response("", 204)
        response.headers["HX-Redirect"] = target
        return response
    return redirect(target)


def bind_request_to_user():
    """Load the signed-in user (binding the tenant); anonymous requests stay unbound."""
    return current_user._get_current_object()
