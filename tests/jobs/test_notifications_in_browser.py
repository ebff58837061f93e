"""The notification list in Chromium: the menu badge loads by htmx, marking read swaps in place."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from app.core.context import tenant_app_context
from app.extensions import db
from app.notifications.services import notify
from tests.factories import UserFactory

pytestmark = pytest.mark.browser


def test_badge_and_mark_read_work_with_htmx_in_the_browser(
    app, page, tenants, in_tenant, browser_sign_in, embedded
):
    deventer = tenants["deventer"]
    with in_tenant(deventer):
        user = UserFactory()
    with app.app_context(), tenant_app_context(deventer.id):
        notify(
            user.id,
            kind="task_digest",
            dedupe_key="browser",
            template="task_digest",
            context={"overdue": [], "this_week": [], "week_end": date.today() + timedelta(days=2)},
        )
        db.session.commit()
    browser_sign_in(page, user)
    page.goto("/notifications/")
    # The menu badge is loaded by htmx after the page (hx-trigger="load, every 60s").
    assert page.get_by_test_id("unread-count").inner_text() == "1"
    item = page.get_by_test_id("notification")
    assert "Uw taken: 0 te laat, 0 deze week te doen" in item.inner_text()
    page.evaluate("window.fullLoads = (window.fullLoads || 0) + 1")
    page.get_by_role("button", name="Markeer als gelezen").click()
    page.get_by_role("button", name="Markeer als gelezen").wait_for(state="detached")
    assert page.evaluate("window.fullLoads") == 1  # swapped in place, no page load
    assert page.get_by_test_id("notification").count() == 1
