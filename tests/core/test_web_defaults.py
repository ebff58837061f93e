"""Hardened defaults: security headers, no caching of personal data, safe error pages."""

from __future__ import annotations

import json
import logging
import re
from pathlib import Path

from flask import Blueprint
from sqlalchemy import text

from app import create_app
from app.core.permissions import public
from tests.factories import UserFactory

TEMPLATES = Path(__file__).resolve().parents[2] / "app"


def test_pages_carry_the_security_headers(app, tenants, in_tenant, sign_in):
    with in_tenant(tenants["deventer"]):
        worker = UserFactory()
    response = sign_in(worker).get("/cases/")
    csp = response.headers["Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in csp.split(";"))
    assert directives["script-src"] == "'self'"
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert directives["frame-ancestors"] == "'none'"
    assert directives["object-src"] == "'none'"
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert response.headers["Cache-Control"] == "no-store"


def test_static_files_may_be_cached_but_pages_may_not(app):
    client = app.test_client()
    assert "no-store" not in client.get("/static/portal.css").headers.get("Cache-Control", "")
    assert client.get("/auth/sign-in").headers["Cache-Control"] == "no-store"


def test_htmx_keeps_no_history_cache_in_the_browser(app):
    body = app.test_client().get("/auth/sign-in").get_data(as_text=True)
    config = json.loads(re.search(r'name="htmx-config" content=\'([^\']+)\'', body).group(1))
    assert config["historyCacheSize"] == 0
    assert config["includeIndicatorStyles"] is False  # would need an inline style


def test_no_template_has_inline_script_or_event_handlers():
    offenders = []
    for path in TEMPLATES.rglob("templates/**/*.html"):
        source = path.read_text(encoding="utf-8")
        if re.search(r"<script(?![^>]*\ssrc=)[^>]*>", source):
            offenders.append(f"{path}: inline <script>")
        if re.search(r"\son[a-z]+\s*=", source) or "hx-on" in source:
            offenders.append(f"{path}: inline event handler")
    assert offenders == []


def test_not_found_page_has_a_reference_and_dutch_text(app):
    response = app.test_client().get("/bestaat-niet")
    body = response.get_data(as_text=True)
    assert response.status_code == 404
    assert "Deze pagina bestaat niet" in body
    assert re.search(r"Referentienummer: [0-9A-F]{8}", body)


def failing_app(app):
    broken = create_app(
        "testing",
        {
            "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
            "MIGRATION_DATABASE_URI": app.config.get("MIGRATION_DATABASE_URI"),
        },
    )
    bp = Blueprint("broken", __name__)

    @bp.get("/kapot")
    @public
    def explode():
        from app.extensions import db

        db.session.execute(text("SELECT secret_column FROM no_such_table"))

    @bp.get("/api/kapot")
    @public
    def explode_api():
        raise RuntimeError("internal detail")

    broken.register_blueprint(bp)
    return broken


def test_a_server_error_shows_a_reference_never_a_trace_or_sql(app, caplog):
    with caplog.at_level(logging.ERROR, logger="nazorg.errors"):
        response = failing_app(app).test_client().get("/kapot")
    body = response.get_data(as_text=True)
    assert response.status_code == 500
    reference = re.search(r"Referentienummer: ([0-9A-F]{8})", body).group(1)
    assert "Traceback" not in body and "no_such_table" not in body and "SELECT" not in body
    assert any(reference in record.getMessage() for record in caplog.records)


def test_the_api_gets_errors_as_json(app):
    response = failing_app(app).test_client().get("/api/kapot")
    assert response.status_code == 500
    assert response.is_json
    assert set(response.json) == {"status", "title", "reference"}
    assert "internal detail" not in response.get_data(as_text=True)
