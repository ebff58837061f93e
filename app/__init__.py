"""Nazorgportaal: the application factory, as a sequence of small configure steps."""

from __future__ import annotations

import os

from flask import Flask

from config import load_settings


def create_app(config_name: str | None = None, overrides: dict | None = None) -> Flask:
    config_name = config_name or os.environ.get("NAZORG_CONFIG", "production")
    app = Flask(__name__, instance_relative_config=False)
    app.config.update(load_settings(config_name, overrides))
    configure_logging(app)
    configure_proxy(app)
    configure_extensions(app)
    configure_database(app)
    configure_blueprints(app)
    configure_request_hooks(app)
    configure_templates(app)
    return app


def configure_logging(app: Flask) -> None:
    """JSON lines on stdout in production (gunicorn shows them), text in development."""
    from app.core.logging import configure

    configure(app.config["LOG_FORMAT"], app.config["LOG_LEVEL"])


def configure_proxy(app: Flask) -> None:
    """Behind a reverse proxy, the client's address and scheme come from its X-Forwarded
    headers, for exactly ``TRUSTED_PROXIES`` hops (0: no proxy, the headers are ignored,
    since anyone could send them). The access log's origin and the per-address sign-in
    limit depend on it. X-Forwarded-Host is never trusted: a proxy that does not set it
    would pass a client's own on; links in mail come from ``PORTAL_BASE_URL`` anyway."""
    hops = app.config["TRUSTED_PROXIES"]
    if hops:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)


def configure_extensions(app: Flask) -> None:
    from app.auth.oidc import PendingSignInStore
    from app.core.i18n import select_locale
    from app.extensions import babel, csrf, db, htmx, login_manager, migrate, oauth

    db.init_app(app)
    migrate.init_app(
        app, db, directory=os.path.normpath(os.path.join(app.root_path, "..", "migrations"))
    )
    csrf.init_app(app)
    htmx.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    login_manager.init_app(app)
    oauth.init_app(app, cache=PendingSignInStore())


def configure_database(app: Flask) -> None:
    from app.core import (
        sqlite,  # noqa: F401 - registers the foreign-key pragma
        tenancy,  # noqa: F401 - registers the tenant scope hooks
    )
    from app.core.deferred import init_app as init_deferred_writes

    # First among the after_request hooks, so that it runs after all the others.
    init_deferred_writes(app)


def configure_blueprints(app: Flask) -> None:
    from app.audit.views import bp as audit_bp
    from app.auth.admin import bp as accounts_bp
    from app.auth.events import connect_audit_signals
    from app.auth.local_views import bp as local_bp
    from app.auth.views import bp as auth_bp
    from app.cases.intake.api import bp as intake_api_bp
    from app.cases.views import bp as cases_bp
    from app.core.views import bp as core_bp
    from app.tenants.cli import register_cli
    from app.tenants.views import bp as tenants_bp
    from app.volunteers.views import bp as volunteers_bp

    app.register_blueprint(core_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(local_bp)
    app.register_blueprint(accounts_bp)
    app.register_blueprint(audit_bp)
    connect_audit_signals()
    app.register_blueprint(tenants_bp)
    app.register_blueprint(cases_bp)
    app.register_blueprint(intake_api_bp)
    app.register_blueprint(volunteers_bp)
    register_cli(app)
    from app.jobs import init_app as init_jobs

    init_jobs(app)


def configure_request_hooks(app: Flask) -> None:
    from app.audit.tracking import init_app as init_access_tracking
    from app.auth.session import bind_request_to_user
    from app.core.errors import configure_error_pages
    from app.core.input import refuse_unstorable_input
    from app.core.permissions import enforce_declared_permission
    from app.core.security import configure_security_headers

    configure_security_headers(app)
    configure_error_pages(app)
    init_access_tracking(app)

    @app.before_request
    def bind_and_authorise():
        user = bind_request_to_user()
        return enforce_declared_permission(user)

    # After the permission check, so that a refusal never depends on the input.
    app.before_request(refuse_unstorable_input)


def configure_templates(app: Flask) -> None:
    from app.core.i18n import escape_lazy_strings, register_filters, template_helpers

    escape_lazy_strings()
    app.context_processor(template_helpers)
    register_filters(app)
