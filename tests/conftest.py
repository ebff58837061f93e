"""Fixtures per layer: the app on the real database, clean tables per test, signed-in clients.

Without ``DATABASE_URL`` the suite runs on SQLite and skips the tests marked
``postgres``; with ``NAZORG_REQUIRE_REAL_PARTS=1`` (set by ``.ci/run``) a missing
real part is an error, so nothing is skipped in CI.
"""

from __future__ import annotations

import os
import shutil
import sys
import uuid
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from datetime import date
from pathlib import Path

import flask_migrate
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, text

from app import create_app
from app.auth.models import User
from app.core.context import tenant_app_context
from app.extensions import db
from app.lifecycle.onboarding import add_region_defaults
from app.tenants.models import Tenant

REQUIRE_REAL_PARTS = os.environ.get("NAZORG_REQUIRE_REAL_PARTS") == "1"
DATABASE_URL = os.environ.get("DATABASE_URL", "")
MIGRATION_DATABASE_URL = os.environ.get("MIGRATION_DATABASE_URL", "")
REDIS_URL = os.environ.get("REDIS_URL", "")
# Debian installs it outside a normal user's PATH.
PGBOUNCER = "/usr/sbin/pgbouncer"
CHROMIUM_PATH = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")

USING_POSTGRES = DATABASE_URL.startswith("postgresql") and bool(MIGRATION_DATABASE_URL)
KEPT_TABLES = {"tenants", "alembic_version"}


def real_part_missing(marker: str) -> str | None:
    """Why the real part behind ``marker`` is unavailable, or None when it is there."""
    if marker == "postgres" and not USING_POSTGRES:
        return "DATABASE_URL and MIGRATION_DATABASE_URL do not point to PostgreSQL"
    if marker == "redis" and not REDIS_URL:
        return "REDIS_URL is not set"
    if marker == "browser" and not Path(CHROMIUM_PATH).exists():
        return f"no Chromium at {CHROMIUM_PATH}"
    if marker == "oidc" and not Path("node_modules/oidc-provider").exists():
        return "the npm package oidc-provider is not installed (npm ci)"
    if marker == "pgbouncer" and not (shutil.which("pgbouncer") or Path(PGBOUNCER).exists()):
        return "pgbouncer is not installed (apt-get install pgbouncer)"
    return None


def pytest_collection_modifyitems(config, items) -> None:
    for item in items:
        for marker in ("postgres", "redis", "browser", "oidc", "pgbouncer"):
            if item.get_closest_marker(marker) is None:
                continue
            reason = real_part_missing(marker)
            if reason is None:
                continue
            if REQUIRE_REAL_PARTS:
                raise pytest.UsageError(f"CI needs every real part, but {reason}")
            item.add_marker(pytest.mark.skip(reason=reason))


def database_overrides(tmp_path_factory) -> dict:
    if USING_POSTGRES:
        return {
            "SQLALCHEMY_DATABASE_URI": DATABASE_URL,
            "MIGRATION_DATABASE_URI": MIGRATION_DATABASE_URL,
        }
    path = tmp_path_factory.mktemp("db") / "test.sqlite"
    return {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}"}


def reset_postgres_schema() -> None:
    engine = create_engine(MIGRATION_DATABASE_URL)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture(scope="session")
def app(tmp_path_factory) -> Iterator[Flask]:
    overrides = database_overrides(tmp_path_factory)
    if USING_POSTGRES:
        reset_postgres_schema()
    app = create_app("testing", overrides)
    with app.app_context():
        flask_migrate.upgrade()
        # The five are data, not migration rows: created by the onboarding code path.
        add_region_defaults()
    empty_tenant_tables(app)
    yield app


# The day the test modules were imported: their module-level ``TODAY``.
IMPORT_DAY = date.today()


def follow_the_clock(modules: dict, import_day: date, today: date) -> list[str]:
    """Move every test module's ``TODAY`` that is ``import_day`` to ``today``; the names moved.

    The full suite takes twenty minutes; started before midnight, a test after it compared
    its module's ``TODAY`` (yesterday) with the date the app recorded (today) and failed in
    CI. Every test module, since a helper imported from another module reads its own
    ``TODAY``; only a ``TODAY`` that is the import day moves, fixed dates stay fixed.
    """
    if today == import_day:
        return []
    moved = []
    for name, module in list(modules.items()):
        if name.startswith("tests.") and getattr(module, "TODAY", None) == import_day:
            module.TODAY = today
            moved.append(name)
    return moved


@pytest.fixture(autouse=True)
def today_is_the_day_the_test_runs() -> None:
    follow_the_clock(sys.modules, IMPORT_DAY, date.today())


@pytest.fixture(autouse=True)
def clean_database(request) -> Iterator[None]:
    """Every test starts from the five tenants and nothing else."""
    yield
    if "app" not in request.fixturenames:
        return
    empty_tenant_tables(request.getfixturevalue("app"))


def empty_tenant_tables(app: Flask) -> None:
    with app.app_context():
        db.session.remove()
        tables = [t.name for t in db.metadata.sorted_tables if t.name not in KEPT_TABLES]
        if USING_POSTGRES:
            owner = create_engine(MIGRATION_DATABASE_URL)
            with owner.begin() as connection:
                connection.execute(text(f"TRUNCATE {', '.join(tables)} CASCADE"))
            owner.dispose()
        else:
            with db.engine.begin() as connection:
                for table in reversed(tables):
                    connection.execute(text(f"DELETE FROM {table}"))  # noqa: S608 - table names from metadata


@pytest.fixture
def tenants(app) -> dict[str, Tenant]:
    with app.app_context():
        rows = db.session.scalars(db.select(Tenant)).all()
        for row in rows:
            db.session.expunge(row)
    return {tenant.slug: tenant for tenant in rows}


@pytest.fixture
def in_tenant(app) -> Callable[[Tenant], AbstractContextManager]:
    """``with in_tenant(tenant):`` runs setup code in a session bound to that tenant."""

    def enter(tenant: Tenant):
        return _tenant_context(app, tenant.id)

    return enter


class _tenant_context:
    def __init__(self, app: Flask, tenant_id: int) -> None:
        self.outer = app.app_context()
        self.tenant_id = tenant_id

    def __enter__(self):
        self.outer.push()
        self.inner = tenant_app_context(self.tenant_id)
        entered = self.inner.__enter__()
        # Setup objects stay readable after the block (detached, not expired).
        db.session().expire_on_commit = False
        return entered

    def __exit__(self, *exc):
        try:
            return self.inner.__exit__(*exc)
        finally:
            self.outer.pop()


@pytest.fixture
def sign_in(app) -> Callable[[User], FlaskClient]:
    """A test client whose session belongs to ``user`` (as Flask-Login stores it)."""

    def signed_in_client(user: User) -> FlaskClient:
        client = app.test_client()
        value = open_session_for(app, user)
        with client.session_transaction() as session:
            session["sid"] = value
        return client

    return signed_in_client


def unique_suffix() -> str:
    return uuid.uuid4().hex[:8]


def copy_tracked_files(source: Path, target: Path) -> None:
    """The working tree as a fresh clone would see it, uncommitted edits included."""
    import subprocess

    listed = (
        subprocess.run(
            ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
            cwd=source,
            check=True,
            capture_output=True,
        )
        .stdout.decode()
        .split("\0")
    )
    for name in filter(None, listed):
        origin = source / name
        if not origin.exists():
            continue
        destination = target / name
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(origin, destination)


def open_session_for(app: Flask, user: User) -> str:
    """A server-side session for ``user`` (as a sign-in makes one); the cookie's ``sid``."""
    from app.auth.services import start_session_for

    with app.test_request_context():
        value = start_session_for(
            user.tenant_id, user.id, method="test", origin="127.0.0.1", user_agent="pytest"
        )
    assert value, "the user must exist and be active"
    return value


def session_cookie_for(app: Flask, user: User) -> tuple[str, str]:
    """The session cookie (name, value) of a signed-in ``user``, as the portal would set it."""
    serializer = app.session_interface.get_signing_serializer(app)
    value = serializer.dumps({"sid": open_session_for(app, user)})
    return app.config["SESSION_COOKIE_NAME"], value


@pytest.fixture(scope="session")
def live_server(app) -> Iterator[str]:
    """The test app served over real HTTP on loopback, for the browser and the IdP."""
    import threading

    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)


@pytest.fixture(scope="session")
def chromium():
    """Debian's Chromium driven by Playwright; never a downloaded browser."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM_PATH,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(chromium, live_server):
    context = chromium.new_context(base_url=live_server, locale="nl-NL")
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def browser_sign_in(app, live_server) -> Callable:
    """``browser_sign_in(page, user)``: the page's browser is signed in as ``user``."""

    def sign_in_page(page, user: User) -> None:
        name, value = session_cookie_for(app, user)
        page.context.add_cookies([{"name": name, "value": value, "url": live_server}])

    return sign_in_page


def watch_for_broken_requests(page) -> list[str]:
    """The URLs on ``page`` that failed or answered 5xx from now on.

    A navigation cancels an in-flight background request such as the notification
    badge's poll (``net::ERR_ABORTED``); that is the browser's doing, not a fault,
    so it is not counted.
    """
    broken: list[str] = []

    def on_failed(request) -> None:
        if request.failure != "net::ERR_ABORTED":
            broken.append(request.url)

    def on_response(response) -> None:
        if response.status >= 500:
            broken.append(response.url)

    page.on("requestfailed", on_failed)
    page.on("response", on_response)
    return broken
