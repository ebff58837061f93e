"""The one-command demo: demo data, the demo sign-in, and the command in a fresh clone."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import time
from pathlib import Path

import pytest
import requests
from sqlalchemy import func, select

from app import create_app
from app.auth.models import User
from app.cases.bsn import passes_eleven_test
from app.cases.models import Case, Client
from app.cases.partners.services import care_director, staff_of
from app.core.permissions import Role
from app.demo import load_demo_data
from app.extensions import db
from tests.conftest import copy_tracked_files
from tests.core.test_health import unused_port

ROOT = Path(__file__).resolve().parents[1]
MUNICIPALITIES = ("Deventer", "Lochem", "Olst-Wijhe", "Raalte", "Zutphen")


def test_demo_data_fills_every_municipality_once(app, tenants, in_tenant):
    with app.app_context():
        first = load_demo_data()
        second = load_demo_data()
    assert all(15 <= count <= 30 for count in first.values())
    assert set(second.values()) == {0}
    for slug, tenant in tenants.items():
        with in_tenant(tenant):
            roles = sorted(db.session.scalars(select(User.role)).all())
            bsns = db.session.scalars(select(Client.bsn)).all()
            releases = db.session.scalars(select(Case.expected_release)).all()
            director = care_director()
            assert director is not None and director.name == "Regizorg BV"
            assert staff_of(director)[0][1].role == Role.PROVIDER_WORKER.value
            assert db.session.scalar(select(func.count()).select_from(Client)) == first[slug]
        expected = [
            Role.CASE_WORKER,
            Role.TENANT_ADMIN,
            Role.PRIVACY_OFFICER,
            Role.VOLUNTEER,
            Role.VOLUNTEER,
            Role.PROVIDER_WORKER,  # bound to the care director, Regizorg BV
        ]
        if tenant.is_centre:
            expected.append(Role.REGIONAL_COORDINATOR)
        assert roles == sorted(r.value for r in expected)
        assert all(passes_eleven_test(bsn) for bsn in bsns)
        assert len(set(bsns)) == len(bsns)
        assert len({(r.year, r.month) for r in releases}) >= 3  # spread over months


def test_demo_sign_in_lists_the_five_municipalities_and_signs_in(app):
    development = create_app(
        "development",
        {
            "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
            "MIGRATION_DATABASE_URI": app.config.get("MIGRATION_DATABASE_URI"),
            "WTF_CSRF_ENABLED": False,
        },
    )
    with development.app_context():
        load_demo_data()
    client = development.test_client()
    page = client.get("/auth/demo").get_data(as_text=True)
    for name in MUNICIPALITIES:
        assert f">{name}" in page
    key = re.search(r'name="user" value="([^"]+)">\s*<button[^>]*>Casemanager Deventer', page)
    assert key
    response = client.post("/auth/demo", data={"user": key.group(1)}, follow_redirects=True)
    assert response.status_code == 200
    assert "Nazorgdossiers" in response.get_data(as_text=True)
    assert client.post("/auth/demo", data={"user": "1:not-a-user"}).status_code == 422


def test_demo_command_serves_the_portal_from_a_fresh_clone(tmp_path):
    clone = tmp_path / "clone"
    copy_tracked_files(ROOT, clone)
    port = unused_port()
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "MIGRATION_DATABASE_URL", "REDIS_URL", "NAZORG_CONFIG"}
    }
    env["PORT"] = str(port)
    first_oidc_port = unused_port()
    env["OIDC_FIRST_PORT"] = str(first_oidc_port)
    log = (tmp_path / "demo.log").open("w")
    process = subprocess.Popen(
        ["bash", "scripts/demo"],
        cwd=clone,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        page = wait_for_page(f"http://127.0.0.1:{port}/auth/demo", process, deadline=600)
        for name in MUNICIPALITIES:
            assert f">{name}" in page
        health = requests.get(f"http://127.0.0.1:{port}/healthz", timeout=5).json()
        assert health["database"] == "ok"
        # Single sign-on beside the demo page: Lochem's issuer answers, and the portal
        # sends Lochem's sign-in there.
        lochem_issuer = f"http://127.0.0.1:{first_oidc_port + 1}"
        discovery = requests.get(f"{lochem_issuer}/.well-known/openid-configuration", timeout=5)
        assert discovery.json()["issuer"] == lochem_issuer
        assert 'href="/auth/lochem/login"' in page
        login = requests.get(
            f"http://127.0.0.1:{port}/auth/lochem/login", allow_redirects=False, timeout=5
        )
        assert login.status_code == 302
        assert login.headers["Location"].startswith(f"{lochem_issuer}/auth?")
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)
        log.close()


def wait_for_page(url: str, process: subprocess.Popen, deadline: float) -> str:
    """Poll until the server answers (install time varies); fail if the command dies."""
    give_up = time.monotonic() + deadline
    while time.monotonic() < give_up:
        if process.poll() is not None:
            pytest.fail(f"the demo command exited with {process.returncode}")
        try:
            response = requests.get(url, timeout=2)
        except requests.ConnectionError:
            time.sleep(1)
            continue
        if response.status_code == 200:
            return response.text
    pytest.fail("the demo command did not serve a page in time")


def test_the_demo_page_links_to_single_sign_on_only_where_a_provider_is_configured(
    app, tenants, in_tenant
):
    """A municipality without an identity provider gets no link (it would answer 404)."""
    from tests.factories import IdentityProviderFactory

    development = create_app(
        "development",
        {
            "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
            "MIGRATION_DATABASE_URI": app.config.get("MIGRATION_DATABASE_URI"),
            "WTF_CSRF_ENABLED": False,
        },
    )
    with in_tenant(tenants["lochem"]):
        IdentityProviderFactory(issuer="http://127.0.0.1:5102")
    client = development.test_client()
    page = client.get("/auth/demo").get_data(as_text=True)
    linked = re.findall(r'data-testid="demo-sso" href="/auth/([a-z-]+)/login"', page)
    assert linked == ["lochem"]
    for slug in ("deventer", "olst-wijhe", "raalte", "zutphen"):
        assert client.get(f"/auth/{slug}/login").status_code == 404
