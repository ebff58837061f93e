"""The accountability report in real Chromium: the coordinator starts it for a year, the
progress bar shows and moves while the background job works (htmx polling), and the
report downloads as an XLSX that opens, with the figures the fixtures give.

The jobs are held back (the embedded queue's hand-over records them instead of running
them) and run one at a time by the test, so that the page is seen between two steps."""

from __future__ import annotations

import uuid

import openpyxl
import pytest

from app.jobs import outbox
from tests.conftest import watch_for_broken_requests
from tests.regional.conftest import YEAR

pytestmark = pytest.mark.browser


@pytest.fixture
def held_jobs(app, monkeypatch):
    monkeypatch.setitem(app.config, "REDIS_URL", None)
    held: list[tuple[int, uuid.UUID]] = []
    real_run = outbox.run_inline
    monkeypatch.setattr(outbox, "run_inline", lambda tenant, row: held.append((tenant, row)))

    def run_next() -> None:
        tenant_id, row_id = held.pop(0)
        with app.app_context():
            assert real_run(tenant_id, row_id)

    return held, run_next


def test_the_coordinator_makes_the_report_and_downloads_it_as_xlsx(
    page, browser_sign_in, region_with_money, held_jobs, tmp_path
):
    coordinator, expected = region_with_money
    held, run_next = held_jobs
    browser_sign_in(page, coordinator)
    failed = watch_for_broken_requests(page)
    held.clear()  # the fixture already wrote the approved shares itself

    page.goto(f"/regio/verantwoording?jaar={YEAR}")
    page.get_by_test_id("report-year").fill(str(YEAR))
    page.get_by_test_id("report-start").click()
    page.get_by_test_id("report-status").wait_for()
    assert "0 van 5 gemeenten klaar" in page.get_by_test_id("report-status").inner_text()
    assert page.get_by_test_id("report-bar").get_attribute("value") == "0"
    assert len(held) == 1

    # One step: htmx polls the progress and the bar moves without a page load.
    page.evaluate("window.__samePage = true")
    run_next()
    page.get_by_test_id("report-status").filter(has_text="1 van 5").wait_for()
    assert page.get_by_test_id("report-bar").get_attribute("value") == "1"
    while held:
        run_next()
    page.get_by_test_id("report-done").wait_for()
    assert page.evaluate("window.__samePage") is True
    table = page.get_by_test_id("report-table").inner_text()
    assert "€ 50.000,00" in table  # Deventer's share, exact

    with page.expect_download() as download_info:
        page.get_by_test_id("download-xlsx").click()
    download = download_info.value
    target = tmp_path / download.suggested_filename
    download.save_as(target)
    assert target.name == f"verantwoording-rijksbijdrage-{YEAR}.xlsx"
    workbook = openpyxl.load_workbook(target)
    rows = {
        row[0]: row[1:] for row in workbook.worksheets[0].iter_rows(min_row=3, values_only=True)
    }
    # Zutphen: the share of the grant in euros, and its trajectories and clients.
    grant, *_rest = expected["Zutphen"]
    assert round(rows["Zutphen"][0] * 100) == grant
    assert rows["Zutphen"][5:7] == (4, 4)
    assert rows["Regio"][6] == expected["Regio"][6]
    assert workbook.worksheets[1]["A1"].value == "Invoer"
    assert failed == []
