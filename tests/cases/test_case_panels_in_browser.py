"""The case page's panels in real Chromium: a panel's content arrives when the user scrolls
to it (htmx, ``hx-trigger="revealed"``), without a reload of the page."""

from __future__ import annotations

import pytest

from tests.conftest import watch_for_broken_requests
from tests.factories import UserFactory

pytestmark = pytest.mark.browser


def test_scrolling_to_a_panel_loads_it(page, tenants, in_tenant, make_case, browser_sign_in):
    deventer = tenants["deventer"]
    case = make_case(deventer, plan=True)
    with in_tenant(deventer):
        worker = UserFactory()
    browser_sign_in(page, worker)
    failed = watch_for_broken_requests(page)

    page.goto(f"/cases/{case.id}")
    page.evaluate("window.__stillTheSamePage = true")
    people = page.locator("#people")
    assert people.get_by_test_id("person-add").count() == 0
    assert people.get_by_test_id("deferred-people").count() == 1

    people.scroll_into_view_if_needed()
    people.get_by_test_id("person-add").wait_for()
    assert people.get_by_test_id("deferred-people").count() == 0
    assert people.locator("h2").inner_text() == "Betrokkenen"

    # The last panel, the timeline, too: its events replace the link.
    timeline = page.locator("#timeline")
    timeline.scroll_into_view_if_needed()
    timeline.get_by_test_id("timeline").wait_for()
    assert page.evaluate("window.__stillTheSamePage") is True
    assert failed == []


def test_unfolding_a_folded_form_loads_it_and_it_saves(
    page, tenants, in_tenant, make_case, browser_sign_in
):
    """Editing the details and adding a task wait behind their <details> (panels.FORMS):
    unfolding one fetches its form in place, and the form posts as it always did."""
    deventer = tenants["deventer"]
    case = make_case(deventer, plan=True)
    with in_tenant(deventer):
        worker = UserFactory()
    browser_sign_in(page, worker)
    failed = watch_for_broken_requests(page)

    page.goto(f"/cases/{case.id}")
    page.evaluate("window.__stillTheSamePage = true")
    details = page.locator("#edit-details")
    assert details.locator('input[name="facility"]').count() == 0
    details.locator("summary").click()
    details.locator('input[name="facility"]').fill("PI Zwolle")
    assert page.evaluate("window.__stillTheSamePage") is True
    assert page.get_by_test_id("folded-edit-details").count() == 0
    assert page.locator("#add-task form").count() == 0  # the other stays folded
    details.get_by_role("button", name="Opslaan").click()
    page.wait_for_url(f"**/cases/{case.id}#details")
    assert "PI Zwolle" in page.locator("#details dl").inner_text()
    assert failed == []
