"""The aftercare file end to end in real Chromium: intake by form to PDF."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from tests.cases.conftest import new_bsn
from tests.conftest import watch_for_broken_requests
from tests.factories import UserFactory

pytestmark = pytest.mark.browser

TODAY = date.today()


def test_intake_plan_task_release_snapshot_close_and_pdf(
    page, tenants, in_tenant, browser_sign_in, tmp_path
):
    with in_tenant(tenants["deventer"]):
        worker = UserFactory(display_name="Casemanager Deventer")
    browser_sign_in(page, worker)
    failed = watch_for_broken_requests(page)

    # Intake by form.
    page.goto("/cases/")
    page.get_by_test_id("new-intake").click()
    form = page.get_by_test_id("intake-form")
    form.locator("[name=given_name]").fill("Youssef")
    form.locator("[name=family_name]").fill("El Amrani")
    form.locator("[name=date_of_birth]").fill("1991-06-15")
    form.locator("[name=bsn]").fill(new_bsn())
    form.locator("[name=facility]").fill("PI Zwolle")
    form.locator("[name=detention_start]").fill((TODAY - timedelta(days=12)).isoformat())
    form.locator("[name=expected_release]").fill((TODAY + timedelta(days=30)).isoformat())
    form.locator("[name=housing_status]").select_option("not_arranged")
    form.locator("[name=housing_situation]").fill("Huurwoning opgezegd")
    page.get_by_test_id("intake-submit").click()
    page.wait_for_url("**/cases/*")
    assert page.locator("h1").inner_text() == "Youssef El Amrani"
    assert page.get_by_test_id("phase").inner_text() == "In detentie"

    # The plan was generated from the default template.
    tasks = page.get_by_test_id("task")
    assert tasks.count() > 5

    # A task completed inline with htmx: the row is swapped, the page is not reloaded.
    page.evaluate("window.__stillTheSamePage = true")
    first = tasks.first
    row_id = first.get_attribute("id")
    first.get_by_test_id("task-toggle").click()
    page.locator(f"#{row_id} [data-testid=task-status]").filter(has_text="Afgerond").wait_for()
    assert page.evaluate("window.__stillTheSamePage") is True
    assert "Casemanager Deventer" in page.locator(f"#{row_id}").inner_text()

    # The release is recorded; the release snapshot is taken with it.
    page.get_by_test_id("released-on").fill(TODAY.isoformat())
    page.get_by_test_id("release-submit").click()
    page.get_by_test_id("actual-release").filter(has_text=str(TODAY.year)).wait_for()
    assert page.get_by_test_id("phase").inner_text() == "Na ontslag"
    housing = page.get_by_test_id("domain-housing")
    assert housing.get_by_test_id("snapshot-intake").inner_text() == "Niet geregeld"
    assert housing.get_by_test_id("snapshot-release").inner_text() == "Niet geregeld"

    # The case is closed, with an outcome from the list and a reason.
    page.get_by_test_id("phase-select").select_option("closed")
    page.get_by_test_id("phase-outcome").select_option("goal_reached")
    page.get_by_test_id("phase-reason").fill("Nazorg afgerond, alle leefgebieden besproken")
    page.get_by_test_id("phase-submit").click()
    page.get_by_test_id("closed-reason").wait_for()
    assert page.get_by_test_id("phase").inner_text() == "Afgesloten"

    assert failed == []

    # The whole file as PDF (a download ends its navigation, which Chromium reports as failed).
    with page.expect_download() as download_info:
        page.get_by_test_id("export-pdf").click()
    download = download_info.value
    target = tmp_path / download.suggested_filename
    download.save_as(target)
    assert target.name.startswith("nazorgdossier-El-Amrani-")
    assert target.read_bytes().startswith(b"%PDF")
