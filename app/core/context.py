"""Work outside a request (jobs, CLI, demo data) runs in an app context of its own.

Flask-SQLAlchemy gives each app context its own session, so a new context per
tenant gives a session bound to that one tenant, with an empty identity map.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from flask import current_app

from app.core.tenancy import bind_tenant
from app.extensions import db


@contextmanager
def tenant_app_context(tenant_id: int) -> Iterator[None]:
    with current_app.app_context():
        bind_tenant(db.session, tenant_id)
        yield
