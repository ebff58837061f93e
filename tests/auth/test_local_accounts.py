"""Volunteers and provider workers: invitation, password + TOTP, throttling, lockout, reset."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from freezegun import freeze_time
from sqlalchemy import select

from app.auth.models import SecurityEvent, User
from app.core.db import utcnow
from app.extensions import db
from tests.auth.local_helpers import (
    STRONG,
    code_step,
    invite_volunteer,
    next_code,
    password_step,
    submit_activation,
)
from tests.csrf import csrf_token, csrf_token_from


def test_invited_volunteer_signs_in_with_password_and_code(app, volunteer):
    client = app.test_client()
    response = password_step(client, volunteer["email"], STRONG)
    assert response.headers["Location"].endswith("/auth/lochem/local/code")
    # The password alone signs in no one.
    assert client.get("/start").status_code == 302
    response = code_step(client, next_code(volunteer["secret"]))
    assert response.headers["Location"].endswith("/start")
    page = client.get("/start").get_data(as_text=True)
    assert "Vera Vrijwilliger" in page and "Lochem" in page


def test_a_used_invitation_link_does_not_work_again(app, volunteer):
    response = app.test_client().get(volunteer["link"])
    assert response.status_code == 404
    assert "werkt niet meer" in response.get_data(as_text=True)


def test_an_expired_invitation_link_does_not_work(app, sign_in, tenants, in_tenant, sent_mail):
    link = invite_volunteer(app, sign_in, tenants, in_tenant, sent_mail, "laat@example.org")
    with freeze_time(utcnow() + timedelta(hours=73)):
        assert app.test_client().get(link).status_code == 404


def test_wrong_code_and_replayed_code_are_refused(app, volunteer):
    client = app.test_client()
    password_step(client, volunteer["email"], STRONG)
    assert code_step(client, "000000").status_code == 401
    code = next_code(volunteer["secret"])
    assert code_step(client, code).status_code == 302
    other = app.test_client()
    password_step(other, volunteer["email"], STRONG)
    response = code_step(other, code)
    assert response.status_code == 401
    assert "code klopt niet" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("kort", "ten minste 12 tekens"),
        ("password1234", "komt te vaak voor"),
        ("welkom123456789", "komt te vaak voor"),
        # Long enough and on no list, but guessed at once (zxcvbn's score below 3).
        ("aaaaaaaaaaaa", "Herhaalde tekens zoals aaa zijn makkelijk te raden."),
        ("123456789012", "lijkt te veel op een veelgebruikt wachtwoord"),
    ],
)
def test_weak_passwords_are_refused_at_activation(
    app, sign_in, tenants, in_tenant, sent_mail, password, message
):
    link = invite_volunteer(app, sign_in, tenants, in_tenant, sent_mail, "zwak@example.org")
    response, _secret = submit_activation(app.test_client(), link, password)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)


def test_password_reset_by_mail_link_with_the_second_factor(
    app, volunteer, sent_mail, tenants, in_tenant, sign_in
):
    sent_mail.clear()
    client = app.test_client()
    # The request names another host: the mailed link must still be the portal's own.
    forged = {"base_url": "http://evil.example", "headers": {"X-Forwarded-Host": "evil.example"}}
    token = csrf_token_from(client.get("/auth/lochem/reset", **forged).get_data(as_text=True))
    response = client.post(
        "/auth/lochem/reset", data={"csrf_token": token, "email": volunteer["email"]}, **forged
    )
    assert "Kijk in uw e-mail" in response.get_data(as_text=True)
    (message,) = sent_mail
    text = message.get_body(preferencelist=("plain",)).get_content()
    assert "evil.example" not in text  # the link is the portal's own address, not the request's
    link = re.search(r"https?://\S+/auth/lochem/reset/\S+", text).group(0)
    assert link.startswith(app.config["PORTAL_BASE_URL"] + "/auth/lochem/reset/")
    page = client.get(link).get_data(as_text=True)
    new_password = "nieuwe-zomer-aan-de-ijssel-42"
    response = client.post(
        link,
        data={
            "csrf_token": csrf_token_from(page),
            "password": new_password,
            "confirm": new_password,
            "code": next_code(volunteer["secret"]),
        },
    )
    assert response.status_code == 302
    assert client.get(link).status_code == 404  # single use
    assert password_step(app.test_client(), volunteer["email"], STRONG).status_code == 401
    assert password_step(app.test_client(), volunteer["email"], new_password).status_code == 302


def test_reset_for_an_unknown_address_looks_the_same_and_sends_nothing(app, sent_mail):
    client = app.test_client()
    token = csrf_token(client, "/auth/lochem/reset")
    response = client.post(
        "/auth/lochem/reset", data={"csrf_token": token, "email": "niemand@example.org"}
    )
    assert response.status_code == 200
    assert "Kijk in uw e-mail" in response.get_data(as_text=True)
    assert sent_mail == []


def test_sign_in_events_are_in_the_security_log(app, volunteer, tenants, in_tenant):
    client = app.test_client()
    password_step(client, volunteer["email"], "fout")
    password_step(client, volunteer["email"], STRONG)
    code_step(client, next_code(volunteer["secret"]))
    with in_tenant(tenants["lochem"]):
        events = db.session.execute(
            select(SecurityEvent.event, SecurityEvent.result, SecurityEvent.origin)
        ).all()
        user = db.session.scalars(select(User).where(User.email == volunteer["email"])).one()
    assert ("sign_in_failed", "wrong_password", "127.0.0.1") in events
    assert ("sign_in", "success", "127.0.0.1") in events
    assert ("invitation_sent", "success", "127.0.0.1") in events
    assert user.role == "volunteer" and user.active


def test_with_redis_away_sign_in_still_works_and_is_still_limited(app, volunteer, monkeypatch):
    # A port nothing listens on: Redis is away.
    monkeypatch.setitem(app.config, "REDIS_URL", "redis://127.0.0.1:1/0")
    client = app.test_client()
    statuses = [
        password_step(client, volunteer["email"], "fout-wachtwoord").status_code for _ in range(6)
    ]
    assert statuses == [401] * 5 + [429]
    other = app.test_client()  # the same address
    assert password_step(other, volunteer["email"], STRONG).status_code == 429


def test_a_hash_with_other_costs_is_renewed_at_sign_in(app, volunteer, tenants, in_tenant):
    from argon2 import PasswordHasher

    with in_tenant(tenants["lochem"]):
        user = db.session.scalars(select(User).where(User.email == volunteer["email"])).one()
        user.password_hash = PasswordHasher(time_cost=2, memory_cost=16, parallelism=1).hash(STRONG)
        db.session.commit()
    assert password_step(app.test_client(), volunteer["email"], STRONG).status_code == 302
    with in_tenant(tenants["lochem"]):
        user = db.session.scalars(select(User).where(User.email == volunteer["email"])).one()
        assert user.password_hash.startswith("$argon2id$v=19$m=8,t=1,p=1$")
