"""The demo sign-in of the development config: pick a demo user, no password.

The list spans all tenants, so it reads each tenant in a session of its own
(``tenant_app_context``) rather than widening the request's scope.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import select

from app.auth.models import IdentityProvider, User
from app.core.context import tenant_app_context
from app.extensions import db
from app.tenants.api import Tenant

DEMO_ISSUER = "demo"


@dataclass(frozen=True)
class DemoEntry:
    key: str
    display_name: str
    role: str


def demo_directory() -> list[tuple[Tenant, list[DemoEntry], bool]]:
    """Per municipality its demo users and whether it has single sign-on (an enabled
    identity provider): the page links to the provider only where there is one, since
    ``/auth/<slug>/login`` answers 404 for a municipality without."""
    tenants = db.session.scalars(select(Tenant).order_by(Tenant.name)).all()
    directory = []
    for tenant in tenants:
        with tenant_app_context(tenant.id):
            users = db.session.scalars(
                select(User)
                .where(User.issuer == DEMO_ISSUER, User.active.is_(True))
                .order_by(User.role, User.display_name)
            ).all()
            entries = [DemoEntry(u.get_id(), u.display_name, u.role) for u in users]
            has_provider = db.session.scalar(
                select(IdentityProvider.id).where(IdentityProvider.enabled.is_(True)).limit(1)
            )
        directory.append((tenant, entries, has_provider is not None))
    return directory


def parse_user_key(key: str) -> tuple[int, uuid.UUID] | None:
    tenant_part, _sep, id_part = key.partition(":")
    try:
        return int(tenant_part), uuid.UUID(id_part)
    except ValueError:
        return None


def find_demo_user(key: str) -> User | None:
    """The demo user behind ``key``, loaded in its own tenant's session (detached)."""
    parsed = parse_user_key(key)
    if parsed is None:
        return None
    tenant_id, user_id = parsed
    with tenant_app_context(tenant_id):
        user = db.session.get(User, (tenant_id, user_id))
        if user is None or not user.active or user.issuer != DEMO_ISSUER:
            return None
        db.session.expunge(user)
    return user
