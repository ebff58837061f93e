"""Guessing is slowed down per account and address; the owner is never locked out;
a wrong password, an unknown and a locked account get one and the same answer."""

from __future__ import annotations

from datetime import timedelta

import pytest
from freezegun import freeze_time
from sqlalchemy import select

from app.auth import throttle
from app.auth.models import SecurityEvent, User
from app.auth.throttle import ACCOUNT_CEILING, Failures, verdict_for
from app.core.db import utcnow
from app.extensions import db
from tests.auth.local_helpers import (
    STRONG,
    alert_text,
    client_at,
    code_step,
    invite_volunteer,
    next_code,
    password_step,
)
from tests.conftest import REDIS_URL

WRONG_ANSWER = "Het e-mailadres of wachtwoord klopt niet."


def sign_in_fully(client, volunteer) -> None:
    response = password_step(client, volunteer["email"], STRONG)
    assert response.status_code == 302, alert_text(response)
    response = code_step(client, next_code(volunteer["secret"]))
    assert response.headers["Location"].endswith("/start")
    assert "Vera Vrijwilliger" in client.get("/start").get_data(as_text=True)


def fail_until(client, email: str, failures: int, clock) -> None:
    """``failures`` wrong passwords from the client's address, waiting out every back-off
    (so that each one is really checked and counted)."""
    counted = 0
    while counted < failures:
        response = password_step(client, email, "fout-wachtwoord")
        if response.status_code == 429:
            clock.tick(timedelta(seconds=int(response.headers["Retry-After"])))
            continue
        assert response.status_code == 401
        counted += 1


def security_results(in_tenant, tenants) -> list[str]:
    with in_tenant(tenants["lochem"]):
        return list(
            db.session.scalars(
                select(SecurityEvent.result).where(SecurityEvent.event == "sign_in_failed")
            )
        )


# --- one answer -------------------------------------------------------------------------


def test_wrong_password_unknown_inactive_and_locked_accounts_get_one_answer(
    app, volunteer, sign_in, tenants, in_tenant, sent_mail
):
    invited = "nog-niet-actief@example.org"
    sent_mail.clear()
    invite_volunteer(app, sign_in, tenants, in_tenant, sent_mail, invited)
    answers = {
        "wrong password": password_step(client_at(app, "10.0.0.1"), volunteer["email"], "fout"),
        "unknown": password_step(client_at(app, "10.0.0.2"), "niemand@example.org", STRONG),
        "inactive": password_step(client_at(app, "10.0.0.3"), invited, STRONG),
    }
    with in_tenant(tenants["lochem"]):
        user = db.session.scalars(select(User).where(User.email == volunteer["email"])).one()
        user.locked_until = utcnow() + timedelta(minutes=30)  # a lock from before this rule
        db.session.commit()
    answers["locked"] = password_step(client_at(app, "10.0.0.4"), volunteer["email"], STRONG)
    for kind, response in answers.items():
        assert (response.status_code, alert_text(response)) == (401, WRONG_ANSWER), kind
    # The security log keeps the real reason.
    results = security_results(in_tenant, tenants)
    for reason in ("wrong_password", "unknown_account", "inactive", "locked"):
        assert reason in results


def test_after_many_failures_a_known_and_an_unknown_address_answer_alike(app, volunteer):
    def attempts(email: str, address: str) -> list[tuple[int, str, str | None]]:
        client = client_at(app, address)
        seen = []
        with freeze_time(utcnow()) as clock:
            for _attempt in range(25):
                response = password_step(client, email, "fout-wachtwoord")
                wait = response.headers.get("Retry-After")
                seen.append((response.status_code, alert_text(response), wait))
                clock.tick(timedelta(seconds=7))
        return seen

    known = attempts(volunteer["email"], "10.0.1.1")
    unknown = attempts("niemand@example.org", "10.0.1.2")
    assert known == unknown
    assert {status for status, _text, _wait in known} == {401, 429}
    assert not any("geblokkeerd" in text for _status, text, _wait in known)


# --- back-off -------------------------------------------------------------------------------


def test_five_failures_are_free_then_the_waits_double_and_the_page_says_how_long(app, volunteer):
    client = client_at(app, "10.0.2.1")
    with freeze_time(utcnow()) as clock:
        for _attempt in range(5):
            assert password_step(client, volunteer["email"], "fout").status_code == 401
        waiting = password_step(client, volunteer["email"], STRONG)  # even the right one
        assert waiting.status_code == 429
        assert waiting.headers["Retry-After"] == "30"
        assert alert_text(waiting) == (
            "Te veel mislukte pogingen. Probeer het over 30 seconden opnieuw."
        )
        clock.tick(timedelta(seconds=29))
        assert password_step(client, volunteer["email"], STRONG).status_code == 429
        clock.tick(timedelta(seconds=1))
        assert password_step(client, volunteer["email"], "fout").status_code == 401
        waiting = password_step(client, volunteer["email"], STRONG)
        assert waiting.headers["Retry-After"] == "60"
        assert "Probeer het over 1 minuut opnieuw." in alert_text(waiting)
        clock.tick(timedelta(seconds=60))
        assert password_step(client, volunteer["email"], "fout").status_code == 401
        assert "over 2 minuten" in alert_text(password_step(client, volunteer["email"], STRONG))
        clock.tick(timedelta(minutes=2))
        sign_in_fully(client, volunteer)
    # The full sign-in forgot this address's failures on the account: five are free again.
    for _attempt in range(5):
        assert password_step(client, volunteer["email"], "fout").status_code == 401


def test_the_owner_signs_in_from_b_while_a_has_made_100_failures_on_the_account(
    app, volunteer, in_tenant, tenants
):
    attacker = client_at(app, "203.0.113.66")
    with freeze_time(utcnow()) as clock:
        fail_until(attacker, volunteer["email"], 100, clock)
        # The attacker's address gets no further try, not even with the right password.
        refused = password_step(attacker, volunteer["email"], STRONG)
        assert refused.status_code == 429
        sign_in_fully(client_at(app, "198.51.100.7"), volunteer)
    results = security_results(in_tenant, tenants)
    assert results.count("wrong_password") == 100
    assert "throttled_account" in results


def test_an_attacker_hammering_without_waiting_does_not_slow_the_owner(app, volunteer):
    attacker = client_at(app, "203.0.113.66")
    statuses = [
        password_step(attacker, volunteer["email"], "fout-wachtwoord").status_code
        for _ in range(100)
    ]
    assert statuses == [401] * 5 + [429] * 95
    sign_in_fully(client_at(app, "198.51.100.7"), volunteer)


def test_many_addresses_guessing_one_account_reach_the_ceiling_but_a_clean_one_gets_in(
    app, volunteer
):
    for number in range(ACCOUNT_CEILING):
        client = client_at(app, f"203.0.113.{number}")
        assert password_step(client, volunteer["email"], "fout").status_code == 401
    # An address that has failed on the account now waits; one that has not may try.
    waiting = password_step(client_at(app, "203.0.113.0"), volunteer["email"], "fout")
    assert waiting.status_code == 429
    assert "uur" in alert_text(waiting)
    sign_in_fully(client_at(app, "198.51.100.7"), volunteer)


def test_one_address_trying_many_accounts_is_slowed_after_thirty(app, volunteer):
    client = client_at(app, "203.0.113.9")
    statuses = [
        password_step(client, f"iemand-{number}@example.org", "fout").status_code
        for number in range(31)
    ]
    assert statuses == [401] * 30 + [429]
    # Another address is not slowed by it.
    sign_in_fully(client_at(app, "198.51.100.7"), volunteer)


def test_wrong_codes_count_like_wrong_passwords(app, volunteer):
    client = client_at(app, "10.0.3.1")
    assert password_step(client, volunteer["email"], STRONG).status_code == 302
    statuses = [code_step(client, "000000").status_code for _ in range(6)]
    assert statuses == [401] * 5 + [429]


@pytest.mark.redis
def test_the_counts_live_in_redis_and_hold_for_every_worker(app, volunteer, tenants, monkeypatch):
    monkeypatch.setitem(app.config, "REDIS_URL", REDIS_URL)
    with app.app_context():
        throttle.reset_all()
    attacker = client_at(app, "203.0.113.66")
    statuses = [password_step(attacker, volunteer["email"], "fout").status_code for _ in range(6)]
    assert statuses == [401] * 5 + [429]
    # Another process sees the same counts: a fresh store on the same Redis.
    other = throttle.RedisStore(REDIS_URL, 0.5)
    pair = throttle._keys(tenants["lochem"].id, volunteer["email"], "203.0.113.66").pair
    (counted,) = other.read([pair])
    assert counted.count == 5
    sign_in_fully(client_at(app, "198.51.100.7"), volunteer)
    with app.app_context():
        throttle.reset_all()
    assert other.read([pair]) == [Failures()]


# --- the rule on its own ----------------------------------------------------------------------


def test_the_rule_on_the_counts():
    now = 1_000_000.0

    def failures(count: int, last_ago: float = 0.0) -> Failures:
        return Failures(count, now - 3600, now - last_ago)

    none = Failures()
    assert verdict_for(failures(4), none, failures(4), now).allowed
    assert verdict_for(failures(5), none, failures(5), now).wait_seconds == 30
    assert verdict_for(failures(5, 30), none, failures(5), now).allowed
    assert verdict_for(failures(7), none, failures(7), now).wait_seconds == 120
    assert verdict_for(failures(60), none, failures(60), now).wait_seconds == 15 * 60
    assert verdict_for(none, failures(30), none, now).rule == "address"
    at_ceiling = failures(ACCOUNT_CEILING)
    assert verdict_for(none, none, at_ceiling, now).allowed  # a clean address
    assert verdict_for(failures(1, 5000), none, at_ceiling, now).rule == "account"
    # A day after the first failure the counts are forgotten.
    assert verdict_for(failures(60), none, at_ceiling, now + 24 * 3600).allowed
