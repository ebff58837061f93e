"""Users, sign-in and the binding of each request to the signed-in user's tenant."""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l

from app.audit.retention import add_retention_rule, purge_log
from app.audit.subjects import register_subjects
from app.audit.vocabulary import Vocabulary, add_vocabulary
from app.auth import accounts, events
from app.auth.admin import bp as accounts_bp
from app.auth.local_views import bp as local_bp
from app.auth.models import SecurityEvent
from app.auth.oidc import PendingSignInStore
from app.auth.session import bind_request_to_user
from app.auth.views import bp as auth_bp
from app.core.navigation import add_nav_entry
from app.core.permissions import Permission, enforce_declared_permission
from app.extensions import oauth


def init_app(app: Flask) -> None:
    oauth.init_app(app, cache=PendingSignInStore())
    app.register_blueprint(auth_bp)
    app.register_blueprint(local_bp)
    app.register_blueprint(accounts_bp)
    events.connect_audit_signals()

    @app.before_request
    def bind_and_authorise():
        user = bind_request_to_user()
        return enforce_declared_permission(user)

    manage = Permission.ACCOUNTS_MANAGE
    add_nav_entry(app, "accounts.user_list", _l("Accounts"), permission=manage, order=50)
    add_nav_entry(
        app, "accounts.identity_provider", _l("Sign-in settings"), permission=manage, order=51
    )
    add_nav_entry(app, "accounts.security_log", _l("Security log"), permission=manage, order=52)
    add_nav_entry(
        app,
        "accounts.invite",
        _l("Invite"),
        permission=Permission.ACCOUNTS_INVITE,
        unless=manage,
        order=53,
    )
    register_subjects(app, access_employee=accounts.access_user, list_employees=accounts.list_users)
    add_retention_rule(
        app,
        "security_log",
        _l("Security log"),
        _purge_security_log,
        order=35,
        record_types=(("security_events", _l("Security log")),),
    )
    add_vocabulary(app, Vocabulary(tables={"security_events": _l("Security log entries")}))


def _purge_security_log(policy, today):
    return purge_log(
        "security_log",
        policy.security_log_years,
        SecurityEvent,
        SecurityEvent.occurred_at,
        "purge_security_events",
        today,
    )
