"""The HTML forms of the accounts pages, field by field (hypothesis), as the case file's
(tests/cases/test_forms_property.py): the value saved equals the value sent (without its
surrounding white space), or the request was refused (4xx) with a message on the page
and nothing changed. Nothing is cut, nothing is coerced.

The invitation's name and the identity provider's text fields; the sign-in forms save no
text of their own (a password is hashed, a code is checked) and the privacy lookup saves
nothing.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from hypothesis import given
from sqlalchemy import select

from app.auth.models import IdentityProvider, User
from app.extensions import db
from tests.cases.test_forms_property import MESSAGE, PROPERTY, texts
from tests.csrf import csrf_token
from tests.factories import UserFactory

NUMBERS = itertools.count()


@dataclass(frozen=True)
class Target:
    url: str
    field: str
    limit: int
    base: Callable[[], dict]
    read: Callable[[dict], Any]

    @property
    def id(self) -> str:
        return f"{self.url}.{self.field}"


def invitation() -> dict:
    return {
        "display_name": "Vrijwilliger",
        "email": f"v{next(NUMBERS)}@example.nl",
        "role": "volunteer",
    }


def invited_name(data: dict):
    return db.session.scalar(select(User.display_name).where(User.subject == data["email"]))


def provider_settings() -> dict:
    return {
        "issuer": "https://login.raalte.example.nl",
        "client_id": "nazorg",
        "client_secret_ref": "NAZORG_OIDC_SECRET_RAALTE",
        "scopes": "openid profile email",
        "roles_claim": "roles",
        "role_mapping": "nazorg-medewerker = case_worker",
        "required_acr": "",
        "enabled": "y",
    }


def provider_value(field: str):
    def read(_data: dict):
        row = db.session.scalars(select(IdentityProvider)).one_or_none()
        return getattr(row, field) if row is not None else None

    return read


TARGETS = [
    Target("/beheer/uitnodigingen/nieuw", "display_name", 200, invitation, invited_name),
    *(
        Target("/beheer/inlogdienst", name, limit, provider_settings, provider_value(name))
        for name, limit in (
            ("client_id", 255),
            ("scopes", 255),
            ("roles_claim", 100),
            ("required_acr", 255),
        )
    ),
]


@pytest.mark.parametrize("target", TARGETS, ids=lambda t: t.id)
def test_a_saved_value_is_the_value_sent_or_the_form_says_why_not(
    tenants, in_tenant, sign_in, target, monkeypatch
):
    monkeypatch.setenv("NAZORG_OIDC_SECRET_RAALTE", "geheim")
    tenant = tenants["raalte"]
    with in_tenant(tenant):
        admin = UserFactory(role="tenant_admin")
    client = sign_in(admin)
    token = csrf_token(client, target.url)
    problems: list[str] = []

    @PROPERTY
    @given(sent=texts(target.limit))
    def check(sent):
        data = target.base()
        with in_tenant(tenant):
            before = target.read(data)
        response = client.post(target.url, data={**data, target.field: sent, "csrf_token": token})
        with in_tenant(tenant):
            after = target.read(data)
        status = response.status_code
        shown = repr(sent[:30]) + ("…" if len(sent) > 30 else "")
        if status >= 500:
            problems.append(f"{shown}: {status}")
        elif status >= 400:
            if not MESSAGE.search(response.get_data(as_text=True)):
                problems.append(f"{shown}: {status} without a message")
            if after != before:
                problems.append(f"{shown}: refused ({status}) but saved {after!r}")
        elif after != (sent.strip() or None):
            problems.append(f"{shown}: saved as {after!r}"[:200])

    check()
    assert not problems, f"{target.id}:\n" + "\n".join(problems[:10])
