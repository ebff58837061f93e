"""In Chromium, on a phone-wide screen: a volunteer signs in with password and TOTP, sees
their circle, logs a meeting with minutes and raises a signal; the coordinator sees it."""

from __future__ import annotations

from datetime import date

import pyotp
import pytest
from sqlalchemy import select

from app.auth.api import LOCAL_ISSUER
from app.auth.passwords import hash_password
from app.core.permissions import Role
from app.extensions import db
from app.volunteers.models import Meeting
from tests.conftest import watch_for_broken_requests
from tests.factories import (
    CircleFactory,
    CircleMemberFactory,
    ProgrammeReferralFactory,
    UserFactory,
    VolunteerFactory,
)

pytestmark = pytest.mark.browser
PASSWORD = "lantaarnpaal-rivier-7-wolken"
PHONE = {"width": 390, "height": 844}
# The elements that reach past the screen's right edge (named in the failure message).
WIDER_THAN_THE_SCREEN = """width => [...document.querySelectorAll('body *')]
  .filter(e => e.getBoundingClientRect().right > width + 1)
  .map(e => e.tagName + '.' + e.className).slice(0, 10)"""


@pytest.fixture
def mentor(app, tenants, in_tenant, monkeypatch):
    monkeypatch.setitem(app.config, "REDIS_URL", None)  # jobs inline
    secret = pyotp.random_base32()
    with in_tenant(tenants["deventer"]):
        user = UserFactory(
            role=Role.VOLUNTEER.value,
            display_name="Vera Vrijwilliger",
            issuer=LOCAL_ISSUER,
            subject="vera@example.org",
            email="vera@example.org",
            password_hash=hash_password(PASSWORD),
            totp_secret=secret,
        )
        coordinator = UserFactory(role=Role.CIRCLE_COORDINATOR.value)
        me = VolunteerFactory(first_name="Vera", user_id=user.id, status="actief")
        other = VolunteerFactory(first_name="Otto", status="actief")
        circle = CircleFactory(referral=ProgrammeReferralFactory(first_name="Karim"))
        CircleMemberFactory(circle=circle, volunteer=me, accepted_on=date.today())
        CircleMemberFactory(circle=circle, volunteer=other, accepted_on=date.today())
    return secret, coordinator, circle.id


def test_a_volunteer_logs_a_meeting_and_a_signal_on_a_phone(
    app, chromium, live_server, tenants, in_tenant, mentor, browser_sign_in
):
    secret, coordinator, circle_id = mentor
    context = chromium.new_context(base_url=live_server, locale="nl-NL", viewport=PHONE)
    page = context.new_page()
    broken = watch_for_broken_requests(page)
    try:
        page.goto("/auth/deventer/local")
        page.get_by_label("E-mailadres").fill("vera@example.org")
        page.get_by_label("Wachtwoord").fill(PASSWORD)
        page.get_by_role("button", name="Volgende").click()
        page.wait_for_url("**/local/code")
        page.get_by_label("Code").fill(pyotp.TOTP(secret).now())
        page.get_by_role("button", name="Aanmelden").click()
        page.wait_for_url("**/start")
        page.goto("/mentor/")
        page.get_by_role("link", name="Karim").click()
        page.wait_for_url(f"**/mentor/circles/{circle_id}")
        assert "Karim" in page.get_by_test_id("core-member").inner_text()
        assert "Otto" in page.get_by_test_id("other-members").inner_text()
        # Nothing is wider than the phone's screen.
        wide = page.evaluate(WIDER_THAN_THE_SCREEN, PHONE["width"])
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], wide

        meeting = page.get_by_test_id("meeting-form")
        meeting.get_by_label("Duur in minuten").fill("75")
        meeting.get_by_label("Verslag").fill("We spraken over zijn eerste werkweek.")
        meeting.get_by_role("button").click()
        page.wait_for_url(f"**/mentor/circles/{circle_id}")
        assert "75 min" in page.get_by_test_id("my-meetings").inner_text()

        signal = page.get_by_test_id("signal-form")
        signal.get_by_label("Niveau").select_option("acuut")
        signal.get_by_label("Wat u opviel").fill("Hij sprak over terugvallen in gebruik.")
        signal.get_by_role("button").click()
        page.wait_for_url(f"**/mentor/circles/{circle_id}")
        assert "terugvallen" in page.get_by_test_id("my-signal").inner_text()
        assert broken == []
    finally:
        context.close()
    with in_tenant(tenants["deventer"]):
        [logged] = db.session.scalars(select(Meeting)).all()
        assert logged.minutes == "We spraken over zijn eerste werkweek."

    desk = chromium.new_context(base_url=live_server, locale="nl-NL")
    coordinator_page = desk.new_page()
    try:
        browser_sign_in(coordinator_page, coordinator)
        coordinator_page.goto("/mentor/coordinator/overview")
        seen = coordinator_page.get_by_test_id("open-signal")
        assert seen.get_attribute("data-level") == "acuut"
        assert "terugvallen" in seen.inner_text()
    finally:
        desk.close()
