from __future__ import annotations

import pytest

from app.auth import throttle


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
