"""End to end in Debian's Chromium against a real OpenID provider (npm oidc-provider)."""

from __future__ import annotations

import os

import pytest
from sqlalchemy import func, select

from app.auth.models import IdentityProvider, UserSession
from app.extensions import db
from tests.factories import CaseFactory
from tests.oidc.providers import ROLES_CLAIM, start_providers

pytestmark = [pytest.mark.browser, pytest.mark.oidc]

ACCOUNTS = {
    "deventer": {
        "cw-deventer": {
            "name": "Daan Deventer",
            "email": "daan@deventer.example",
            ROLES_CLAIM: ["nazorg-casemanager"],
        }
    },
    "zutphen": {
        "cw-zutphen": {
            "name": "Zoë Zutphen",
            "email": "zoe@zutphen.example",
            ROLES_CLAIM: ["nazorg-casemanager"],
        }
    },
}


@pytest.fixture(scope="module")
def providers(app, live_server):
    running = start_providers(live_server, ACCOUNTS)
    for slug, secret in running.secrets.items():
        os.environ[f"OIDC_SECRET_{slug.upper()}"] = secret
    # The redirect URI comes from the configured base URL: here, the served test app.
    configured_base = app.config["PORTAL_BASE_URL"]
    app.config["PORTAL_BASE_URL"] = live_server
    yield running
    app.config["PORTAL_BASE_URL"] = configured_base
    running.stop()


@pytest.fixture
def configured(providers, tenants, in_tenant):
    for slug, issuer in providers.issuers.items():
        with in_tenant(tenants[slug]):
            db.session.add(
                IdentityProvider(
                    issuer=issuer,
                    client_id=f"portal-{slug}",
                    client_secret_ref=f"OIDC_SECRET_{slug.upper()}",
                    scopes="openid profile email roles",
                    roles_claim=ROLES_CLAIM,
                    role_mapping={"nazorg-casemanager": "case_worker"},
                )
            )
            db.session.commit()
    return providers


def sign_in_at_provider(page, login: str) -> None:
    page.fill("input[name=login]", login)
    page.fill("input[name=password]", "any")
    page.click("button[type=submit]")
    if page.locator("button[type=submit]").count() and "/interaction/" in page.url:
        page.click("button[type=submit]")  # the consent page


def test_case_worker_signs_in_stays_in_deventer_and_signs_out(
    page, live_server, configured, tenants, in_tenant, app
):
    with in_tenant(tenants["zutphen"]):
        zutphen_case = CaseFactory(client__family_name="Zutphenaar")
    with in_tenant(tenants["deventer"]):
        CaseFactory(client__family_name="Deventenaar")

    page.goto("/auth/sign-in")
    page.get_by_test_id("municipalities").get_by_role("link", name="Deventer").click()
    assert page.url.startswith(configured.issuers["deventer"])
    sign_in_at_provider(page, "cw-deventer")
    page.wait_for_url(f"{live_server}/cases/")
    assert page.get_by_test_id("tenant-name").inner_text() == "Deventer"
    assert page.get_by_test_id("user-name").inner_text() == "Daan Deventer"
    assert page.locator("text=Deventenaar").count() == 1
    assert page.locator("text=Zutphenaar").count() == 0

    response = page.goto(f"/cases/{zutphen_case.id}")
    assert response.status == 404

    old_cookies = page.context.cookies(live_server)
    page.goto("/cases/")
    page.get_by_role("button", name="Afmelden").click()
    # RP-initiated logout: the provider asks to confirm, then returns to the portal.
    page.wait_for_url(f"{configured.issuers['deventer']}/**")
    page.locator("button[autofocus], button[type=submit]").first.click()
    page.wait_for_url(f"{live_server}/auth/signed-out")
    assert "U bent afgemeld" in page.content()

    with in_tenant(tenants["deventer"]):
        live = db.session.scalar(
            select(func.count()).select_from(UserSession).where(UserSession.ended_at.is_(None))
        )
    assert live == 0

    replay = page.context.browser.new_context(base_url=live_server)
    replay.add_cookies(old_cookies)
    replay_page = replay.new_page()
    replay_page.goto("/cases/")
    assert replay_page.url.endswith("/auth/sign-in")
    replay.close()


def test_zutphen_signs_in_through_its_own_provider(page, live_server, configured):
    page.goto("/auth/sign-in")
    page.get_by_test_id("municipalities").get_by_role("link", name="Zutphen").click()
    assert page.url.startswith(configured.issuers["zutphen"])
    sign_in_at_provider(page, "cw-zutphen")
    page.wait_for_url(f"{live_server}/cases/")
    assert page.get_by_test_id("tenant-name").inner_text() == "Zutphen"
