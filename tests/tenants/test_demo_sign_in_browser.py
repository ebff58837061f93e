"""The demo's single sign-on, end to end in Chromium: the demo's OpenID providers (the
test suite's provider.mjs with ``tests/oidc/demo.py``'s accounts, one issuer per
municipality), the five configured by ``add_region_defaults`` (the onboarding code path
``scripts/demo`` runs), and a case worker of Lochem signing in on the provider's own
login page who lands on Lochem's start page."""

from __future__ import annotations

import os
import secrets

import pytest
from sqlalchemy import select

from app.auth.models import IdentityProvider
from app.extensions import db
from app.lifecycle.onboarding import REGION_DEFAULTS, add_region_defaults
from tests.oidc.demo import demo_config
from tests.oidc.providers import launch

pytestmark = [pytest.mark.browser, pytest.mark.oidc]


@pytest.fixture
def demo_providers(app, live_server):
    made = {row["slug"]: secrets.token_hex(16) for row in REGION_DEFAULTS}
    previous = {}
    for slug, secret in made.items():
        name = f"OIDC_SECRET_{slug.upper().replace('-', '_')}"
        previous[name] = os.environ.get(name)
        os.environ[name] = secret
    configured_base = app.config["PORTAL_BASE_URL"]
    app.config["PORTAL_BASE_URL"] = live_server
    running = launch(demo_config(None, live_server, made), made)
    yield running
    running.stop()
    app.config["PORTAL_BASE_URL"] = configured_base
    for name, value in previous.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


def test_the_demo_providers_configure_the_five_and_a_case_worker_signs_in(
    app, page, live_server, demo_providers, tenants, in_tenant, monkeypatch
):
    with app.app_context():
        outcomes = dict(add_region_defaults(demo_providers.issuers))
        again = dict(add_region_defaults(demo_providers.issuers))
    assert all(not o.created and o.done for o in outcomes.values())
    assert all(not o.created and not o.done for o in again.values()), again  # once only
    with in_tenant(tenants["lochem"]):
        provider = db.session.scalars(select(IdentityProvider)).one()
        assert provider.issuer == demo_providers.issuers["lochem"]
        assert provider.client_id == "portal-lochem"

    # The demo's own sign-in page (development config): each municipality's link to its
    # provider, shown because every one of the five has one now.
    monkeypatch.setitem(app.config, "DEMO_SIGN_IN", True)
    page.goto("/auth/demo")
    assert page.get_by_test_id("demo-sso").count() == 5
    lochem = page.get_by_test_id("demo-tenant").filter(has_text="Lochem")
    lochem.get_by_test_id("demo-sso").click()
    assert page.url.startswith(demo_providers.issuers["lochem"])
    page.fill("input[name=login]", "casemanager")
    page.fill("input[name=password]", "any")
    page.click("button[type=submit]")
    if "/interaction/" in page.url and page.locator("button[type=submit]").count():
        page.click("button[type=submit]")  # the consent page
    page.wait_for_url(f"{live_server}/**")
    page.wait_for_load_state()
    assert page.get_by_test_id("tenant-name").inner_text() == "Lochem"
    assert page.get_by_test_id("user-name").inner_text() == "Casemanager Lochem"
    assert "/auth/" not in page.url
    # The portal's start page, which for a case worker is the municipality's case list.
    assert page.url.split("?")[0] == f"{live_server}/cases/"
