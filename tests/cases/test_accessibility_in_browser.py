"""Accessibility (WCAG 2.1 AA, required of Dutch public-sector sites) checked by axe-core
in real Chromium on the pages people use every day.

axe-core comes from the npm lockfile (``node_modules/axe-core``). It is injected into a
context that bypasses the Content-Security-Policy, because the portal itself (rightly)
allows no inline script. Findings of impact "serious" and "critical" fail the test;
"minor" and "moderate" ones are left to a manual review.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from app.core.permissions import Role
from tests.factories import UserFactory

pytestmark = pytest.mark.browser

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
WCAG_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
BLOCKING = {"serious", "critical"}


@pytest.fixture
def axe_page(chromium, live_server):
    context = chromium.new_context(base_url=live_server, locale="nl-NL", bypass_csp=True)
    page = context.new_page()
    yield page
    context.close()


def violations(page) -> list[str]:
    """The blocking WCAG 2.1 A/AA findings on the page, one readable line each."""
    page.evaluate(AXE.read_text(encoding="utf-8"))
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", WCAG_AA
    )
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
        for v in result["violations"]
        if v["impact"] in BLOCKING
    ]


def test_the_sign_in_pages_have_no_serious_accessibility_findings(axe_page, tenants):
    found = {}
    for path in ("/auth/sign-in", "/auth/zutphen/local", "/auth/zutphen/reset"):
        axe_page.goto(path)
        found[path] = violations(axe_page)
    assert found == {path: [] for path in found}


def test_the_case_workers_pages_have_no_serious_accessibility_findings(
    axe_page, tenants, in_tenant, make_case, browser_sign_in
):
    case = make_case(tenants["raalte"], plan=True)
    with in_tenant(tenants["raalte"]):
        worker = UserFactory(display_name="Casemanager Raalte")
    browser_sign_in(axe_page, worker)
    found = {}
    for path in (
        "/start",
        "/cases/",
        f"/cases/{case.id}",
        "/cases/intake",
        "/notifications/",
    ):
        axe_page.goto(path)
        found[path] = violations(axe_page)
    # A form sent back with its errors.
    axe_page.goto("/cases/intake")
    form = axe_page.get_by_test_id("intake-form")
    form.locator("[name=given_name]").fill("Anna")
    form.locator("[name=family_name]").fill("Jansen")
    form.locator("[name=date_of_birth]").fill("1990-01-01")
    form.locator("[name=bsn]").fill("000000000")
    axe_page.get_by_test_id("intake-submit").click()
    axe_page.get_by_test_id("intake-errors").wait_for()
    found["/cases/intake with errors"] = violations(axe_page)
    assert found == {path: [] for path in found}


def test_the_admin_and_privacy_pages_have_no_serious_accessibility_findings(
    axe_page, tenants, in_tenant, browser_sign_in
):
    with in_tenant(tenants["lochem"]):
        admin = UserFactory(role=Role.TENANT_ADMIN.value)
    browser_sign_in(axe_page, admin)
    found = {}
    for path in (
        "/beheer/accounts",
        "/beheer/beveiligingslog",
        "/cases/admin/templates",
        "/cases/admin/settings",
        "/privacy/",
        "/admin/jobs/failed",
    ):
        axe_page.goto(path)
        found[path] = violations(axe_page)
    assert found == {path: [] for path in found}


def test_the_regional_overview_has_no_serious_accessibility_findings(
    axe_page, tenants, in_tenant, make_case, browser_sign_in
):
    make_case(tenants["lochem"])
    with in_tenant(tenants["deventer"]):
        coordinator = UserFactory(role=Role.REGIONAL_COORDINATOR.value)
    browser_sign_in(axe_page, coordinator)
    axe_page.goto("/regio")
    assert violations(axe_page) == []
