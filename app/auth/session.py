"""Binding each request to the signed-in user and their tenant.

Flask-Login asks ``load_user_from_session`` for the user: the signed cookie holds
``sid`` (``"<tenant_id>:<token>"``), the server-side session row decides whether it
is still valid (app.auth.sessions). The tenant never comes from a URL, form field
or header.
"""

from __future__ import annotations

from flask import make_response, redirect, request, session, url_for
from flask_login import current_user

from app.auth.events import Event, record_security_event
from app.auth.models import User
from app.auth.sessions import resolve_session
from app.extensions import htmx, login_manager

SESSION_KEY = "sid"

login_manager.login_message = None


@login_manager.user_loader
def _no_user_id_sessions(_user_id: str) -> None:
    # Sessions are server-side (SESSION_KEY); a bare user id in a cookie signs in no one.
    return None


@login_manager.request_loader
def load_user_from_session(_request) -> User | None:
    cookie_value = session.get(SESSION_KEY)
    if not cookie_value:
        return None
    user, ended_because = resolve_session(cookie_value, activity=not _is_background_request())
    if user is None:
        session.pop(SESSION_KEY, None)
        if ended_because:
            tenant_id = int(cookie_value.split(":", 1)[0])
            record_security_event(tenant_id, Event.SESSION_ENDED, ended_because)
    return user


# Sent by the page's own polling elements (``hx-headers``): such a request is answered but
# does not count as the person being active. It can only make a session end sooner, so a
# client sending it on its own gains nothing.
BACKGROUND_HEADER = "X-Background-Poll"


def _is_background_request() -> bool:
    return request.headers.get(BACKGROUND_HEADER) == "1"


def establish_session(cookie_value: str) -> None:
    """A fresh cookie session holding only the new session id (rotated at sign-in)."""
    session.clear()
    session[SESSION_KEY] = cookie_value


def current_session_value() -> str | None:
    return session.get(SESSION_KEY)


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
