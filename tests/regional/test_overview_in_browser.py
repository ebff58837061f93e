"""In Chromium: the coordinator chooses a quarter, the charts show, and a figure leads to the
list behind it (the centre's own at once; another municipality's after a reason)."""

from __future__ import annotations

import random
from datetime import date, timedelta

import pytest

from app.cases.bsn import generate_bsn
from app.cases.models import CasePhase
from app.core.permissions import Role
from app.extensions import db
from app.regional.overview import Period
from tests.factories import CaseFactory, UserFactory

pytestmark = pytest.mark.browser

_rng = random.Random(31)
EARLIER = Period.quarter_of(Period.quarter_of(date.today()).start - timedelta(days=1))


@pytest.fixture
def coordinator(tenants, in_tenant):
    with in_tenant(tenants["deventer"]):
        for _ in range(3):
            CaseFactory(client__given_name="BrowserDeventer", client__bsn=generate_bsn(_rng),
                        phase=CasePhase.IN_DETENTION.value)  # fmt: skip
        user = UserFactory(role=Role.REGIONAL_COORDINATOR.value)
        db.session.commit()
    with in_tenant(tenants["lochem"]):
        for _ in range(6):
            CaseFactory(
                client__given_name="BrowserLochem",
                client__bsn=generate_bsn(_rng),
                phase=CasePhase.AFTER_RELEASE.value,
                detention_start=EARLIER.start - timedelta(days=90),
                expected_release=EARLIER.start + timedelta(days=5),
                actual_release=EARLIER.start + timedelta(days=5),
            )
        db.session.commit()
    return user


def test_the_coordinator_chooses_a_quarter_and_follows_a_figure(
    page, coordinator, tenants, browser_sign_in
):
    browser_sign_in(page, coordinator)
    page.goto("/regio")
    page.select_option("#periode", EARLIER.key)
    page.get_by_test_id("period-show").click()
    page.wait_for_url(f"**/regio?periode={EARLIER.key}")
    chart = page.locator('svg[data-testid="chart-open-cases"]')
    assert chart.is_visible()
    assert chart.get_attribute("role") == "img"
    assert page.locator('svg[data-testid="chart-releases-trend"]').is_visible()
    cohort = page.get_by_test_id("regional-cohort")
    lochem_row = cohort.locator("tr", has_text=tenants["lochem"].name)
    assert lochem_row.locator("td").first.inner_text().strip() == "6"

    # Deventer's own figure leads straight to its cases.
    cases = page.get_by_test_id("regional-cases")
    cases.locator("tr", has_text=tenants["deventer"].name).get_by_test_id(
        "figure-link"
    ).first.click()
    page.wait_for_url("**/regio/lijst**")
    assert page.get_by_test_id("figure-cases").locator("tbody tr").count() == 3
    assert "BrowserDeventer" in page.get_by_test_id("figure-cases").inner_text()

    # Lochem's cohort asks for a reason first.
    page.go_back()
    page.get_by_test_id("regional-cohort").locator(
        "tr", has_text=tenants["lochem"].name
    ).get_by_test_id("figure-link").click()
    page.wait_for_url("**/regio/lijst**")
    assert page.get_by_test_id("reason-form").is_visible()
    page.select_option("#reason", "quality")
    page.fill("#explanation", "Controle van het cohortcijfer van Lochem")
    page.get_by_test_id("reason-submit").click()
    page.wait_for_selector('[data-testid="figure-cases"]')
    assert page.get_by_test_id("figure-cases").locator("tbody tr").count() == 6
    assert (
        "Controle van het cohortcijfer van Lochem"
        in page.get_by_test_id("reason-given").inner_text()
    )
