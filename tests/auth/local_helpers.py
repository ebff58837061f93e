"""Helpers for the local-account tests: invite, activate, the two sign-in steps."""

from __future__ import annotations

import re
import time

import pyotp

from app.core.permissions import Role
from tests.csrf import csrf_token, csrf_token_from
from tests.factories import UserFactory

STRONG = "lantaarnpaal-rivier-7-wolken"


def invite_volunteer(app, sign_in, tenants, in_tenant, sent_mail, email: str) -> str:
    with in_tenant(tenants["lochem"]):
        admin = UserFactory(role=Role.TENANT_ADMIN.value)
    client = sign_in(admin)
    token = csrf_token(client, "/beheer/uitnodigingen/nieuw")
    response = client.post(
        "/beheer/uitnodigingen/nieuw",
        data={
            "csrf_token": token,
            "display_name": "Vera Vrijwilliger",
            "email": email,
            "role": "volunteer",
        },
    )
    assert response.status_code == 302
    (message,) = sent_mail
    assert message["To"] == email
    assert message["Subject"] == "Uw uitnodiging voor het nazorgportaal"
    text = message.get_body(preferencelist=("plain",)).get_content()
    return re.search(r"https?://\S+/auth/lochem/invitation/\S+", text).group(0)


def submit_activation(client, link: str, password: str):
    """Open the invitation, read the TOTP key from the page, post password and code."""
    page = client.get(link).get_data(as_text=True)
    secret = re.search(r'data-testid="totp-secret">([A-Z2-7]+)<', page).group(1)
    response = client.post(
        link,
        data={
            "csrf_token": csrf_token_from(page),
            "password": password,
            "confirm": password,
            "code": pyotp.TOTP(secret).now(),
        },
    )
    return response, secret


def activate(client, link: str, password: str = STRONG) -> str:
    response, secret = submit_activation(client, link, password)
    assert response.status_code == 302, response.get_data(as_text=True)
    return secret


def password_step(client, email: str, password: str):
    token = csrf_token(client, "/auth/lochem/local")
    return client.post(
        "/auth/lochem/local", data={"csrf_token": token, "email": email, "password": password}
    )


def client_at(app, address: str):
    """A test client whose requests come from ``address`` (REMOTE_ADDR)."""
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def alert_text(response) -> str:
    """The text of the page's alert, whitespace folded."""
    found = re.search(r'role="alert"[^>]*>(.*?)</div>', response.get_data(as_text=True), re.S)
    assert found, "no alert on the page"
    return " ".join(re.sub(r"<[^>]+>", " ", found.group(1)).split())


def code_step(client, code: str):
    token = csrf_token(client, "/auth/lochem/local/code")
    return client.post("/auth/lochem/local/code", data={"csrf_token": token, "code": code})


def next_code(secret: str) -> str:
    # The activation used the current step; a code may not be used twice.
    return pyotp.TOTP(secret).at(time.time() + 30)
