"""Nazorgportaal: the application factory, as a sequence of small configure steps.

The factory is the one place that lists the packages: the platform first, then the
features, each with one ``init_app(app)`` that registers what it brings (blueprints,
CLI, navigation, daily jobs, case-page panels, retention rules, labels, signal
handlers). They are named, not imported, here: importing ``app.core`` must not load
every feature, and no package imports this module.
"""

from __future__ import annotations

import importlib
import os

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from app.core import (
    components,
    sqlite,  # noqa: F401 - registers the foreign-key pragma
    tenancy,  # noqa: F401 - registers the tenant scope hooks
)
from app.core.deferred import init_app as init_deferred_writes
from app.core.errors import configure_error_pages
from app.core.i18n import escape_lazy_strings, register_filters, select_locale, template_helpers
from app.core.input import refuse_unstorable_input
from app.core.logging import configure as configure_log_handlers
from app.core.navigation import navigation
from app.core.security import configure_security_headers
from app.core.views import bp as core_bp
from app.extensions import babel, csrf, db, htmx, login_manager, migrate
from config import load_settings

# Platform packages: registries and signals that the features fill. Never a feature.
PLATFORM = ("app.jobs", "app.mail", "app.notifications", "app.audit")
# The features, in the order their menu entries and hooks are registered.
FEATURES = (
    "app.tenants",
    "app.auth",
    "app.cases",
    "app.regional",
    "app.volunteers",
    "app.lifecycle",
    "app.demo",
)


def create_app(
    config_name: str | None = None,
    overrides: dict | None = None,
    *,
    extra_features: tuple[str, ...] = (),
) -> Flask:
    """``extra_features``: further packages with an ``init_app`` (a test's own feature)."""
    config_name = config_name or os.environ.get("NAZORG_CONFIG", "production")
    app = Flask(__name__, instance_relative_config=False)
    app.config.update(load_settings(config_name, overrides))
    configure_logging(app)
    configure_proxy(app)
    configure_extensions(app)
    configure_database(app)
    configure_core(app)
    for name in PLATFORM + FEATURES + tuple(extra_features):
        importlib.import_module(name).init_app(app)
    # After the permission check (auth's init_app), so that a refusal never depends on the input.
    app.before_request(refuse_unstorable_input)
    configure_templates(app)
    return app


def configure_logging(app: Flask) -> None:
    """JSON lines on stdout in production (gunicorn shows them), text in development."""
    configure_log_handlers(app.config["LOG_FORMAT"], app.config["LOG_LEVEL"])


def configure_proxy(app: Flask) -> None:
    """Behind a reverse proxy, the client's address and scheme come from its X-Forwarded
    headers, for exactly ``TRUSTED_PROXIES`` hops (0: no proxy, the headers are ignored,
    since anyone could send them). The access log's origin and the per-address sign-in
    limit depend on it. X-Forwarded-Host is never trusted: a proxy that does not set it
    would pass a client's own on; links in mail come from ``PORTAL_BASE_URL`` anyway."""
    hops = app.config["TRUSTED_PROXIES"]
    if hops:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)


def configure_extensions(app: Flask) -> None:
    db.init_app(app)
    # Registered after the session's own teardown, so that it runs before it (Flask runs
    # them in reverse).
    app.teardown_appcontext(tenancy.end_read_only_transaction)
    migrate.init_app(
        app, db, directory=os.path.normpath(os.path.join(app.root_path, "..", "migrations"))
    )
    csrf.init_app(app)
    htmx.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    login_manager.init_app(app)


def configure_database(app: Flask) -> None:
    # First among the after_request hooks, so that it runs after all the others.
    init_deferred_writes(app)


def configure_core(app: Flask) -> None:
    app.register_blueprint(core_bp)
    configure_security_headers(app)
    configure_error_pages(app)


def configure_templates(app: Flask) -> None:
    escape_lazy_strings()
    app.context_processor(template_helpers)
    app.context_processor(lambda: {"navigation": navigation})
    register_filters(app)
    components.register(app)
