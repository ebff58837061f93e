from __future__ import annotations

import uuid

import pytest

from app.auth import throttle
from tests.auth.local_helpers import activate, invite_volunteer


@pytest.fixture(autouse=True)
def forget_failed_sign_ins(app):
    with app.app_context():
        throttle.reset_all()
    yield


@pytest.fixture
def inline_jobs(app, monkeypatch):
    """Jobs (mail) run inline after the commit, as in the one-command demo."""
    monkeypatch.setitem(app.config, "REDIS_URL", None)


@pytest.fixture
def sent_mail(app, inline_jobs):
    from app.mail.backends import sent_messages

    messages = sent_messages(app)
    messages.clear()
    return messages


@pytest.fixture
def volunteer(app, sign_in, tenants, in_tenant, sent_mail):
    email = f"vera-{uuid.uuid4().hex[:6]}@example.org"
    link = invite_volunteer(app, sign_in, tenants, in_tenant, sent_mail, email)
    secret = activate(app.test_client(), link)
    return {"email": email, "secret": secret, "link": link}
