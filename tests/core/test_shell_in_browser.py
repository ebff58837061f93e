"""The interface shell in real Chromium: NL Design System CSS, htmx, Dutch header."""

from __future__ import annotations

import pytest

from tests.conftest import watch_for_broken_requests
from tests.factories import CaseFactory, UserFactory

pytestmark = pytest.mark.browser


def test_header_shows_municipality_and_person_and_assets_load(
    page, tenants, in_tenant, browser_sign_in
):
    with in_tenant(tenants["olst-wijhe"]):
        CaseFactory(client__family_name="Wijhenaar")
        worker = UserFactory(display_name="Casemanager Olst-Wijhe")
    browser_sign_in(page, worker)
    failed = watch_for_broken_requests(page)
    page.goto("/cases/")
    assert page.get_by_test_id("tenant-name").inner_text() == "Olst-Wijhe"
    assert page.get_by_test_id("user-name").inner_text() == "Casemanager Olst-Wijhe"
    assert page.evaluate("typeof window.htmx") == "object"
    # The component CSS is applied: the table gets the NL Design System table styles.
    spacing = page.eval_on_selector(".utrecht-table", "t => getComputedStyle(t).borderSpacing")
    assert spacing == "0px"  # the browser default is 2px; the NLDS table sets 0
    assert failed == []
    assert page.locator("text=Wijhenaar").count() == 1
