"""Helpers for the aftercare-file tests: cases opened through the services, as in the portal."""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from datetime import date, timedelta

import pytest

from app.cases.bsn import generate_bsn
from app.cases.models import Client
from app.cases.services import open_case
from app.extensions import db
from tests.csrf import csrf_token_from

_rng = random.Random(404)


def new_bsn() -> str:
    return generate_bsn(_rng)


@pytest.fixture
def make_case(in_tenant) -> Callable:
    """``make_case(tenant, **case_fields)``: a client and an opened case, committed."""

    def make(tenant, *, client: dict | None = None, plan: bool = False, **fields):
        with in_tenant(tenant):
            person = Client(
                **{
                    "given_name": "Jan",
                    "family_name": "Testpersoon",
                    "date_of_birth": date(1985, 3, 1),
                    "bsn": new_bsn(),
                    **(client or {}),
                }
            )
            fields.setdefault("detention_start", date.today() - timedelta(days=20))
            fields.setdefault("expected_release", date.today() + timedelta(days=60))
            fields.setdefault("facility", "PI Zwolle")
            case = open_case(person, actor="test", **fields)
            if plan:
                from app.cases.plan.services import generate_plan

                generate_plan(case, "test")
            db.session.commit()
            return case

    return make


def submission_key(page: str, action: str) -> str:
    """The one-time key the page rendered into the form that posts to ``action``."""
    form = page.split(f'action="{action}"', 1)[1].split("</form>", 1)[0]
    return re.search(r'name="submission_key" value="([^"]+)"', form).group(1)


def csrf_headers(client, page: str = "/cases/") -> dict:
    """The CSRF header as the page's htmx sends it (CSRF stays on in the tests)."""
    # Any rendered page carries the token, a refusal page too (for the admin's clients).
    return {"X-CSRFToken": csrf_token_from(client.get(page).get_data(as_text=True))}


@pytest.fixture
def worker_client(sign_in) -> Callable:
    """``worker_client(user)``: a signed-in client that sends the CSRF header on every post."""

    def make(user):
        client = sign_in(user)
        headers = csrf_headers(client)
        original_post = client.post

        def post(*args, **kwargs):
            kwargs["headers"] = {**headers, **kwargs.get("headers", {})}
            return original_post(*args, **kwargs)

        client.post = post
        return client

    return make
