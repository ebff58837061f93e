"""Signing in and out: the one place that turns a checked identity into a session."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from flask_login import logout_user
from sqlalchemy import select

from app.auth.events import Event, record_security_event
from app.auth.models import User
from app.auth.oidc import ProviderConfig, VerifiedIdentity, provision_user
from app.auth.sessions import end_session, start_session
from app.core.context import tenant_app_context
from app.extensions import db


def start_staff_session(
    config: ProviderConfig,
    identity: VerifiedIdentity,
    *,
    origin: str | None,
    user_agent: str | None,
) -> str:
    """Provision the user in the provider's tenant and open a session; returns the cookie."""
    with tenant_app_context(config.tenant_id):
        existing_role = _current_role(config, identity)
        user = provision_user(config, identity)
        cookie = start_session(
            user, origin=origin, user_agent=user_agent, id_token=identity.id_token
        )
        db.session.commit()
        user_id, role = user.id, user.role
    if existing_role is not None and existing_role != role:
        record_security_event(
            config.tenant_id,
            Event.ROLE_CHANGED,
            f"{existing_role}->{role}",
            user_id=user_id,
            account=identity.subject,
            detail="from provider",
        )
    record_security_event(
        config.tenant_id,
        Event.SIGN_IN,
        "success",
        user_id=user_id,
        account=identity.subject,
        detail="oidc",
    )
    return cookie


def _current_role(config: ProviderConfig, identity: VerifiedIdentity) -> str | None:
    return db.session.scalar(
        select(User.role).where(User.issuer == config.issuer, User.subject == identity.subject)
    )


def start_session_for(
    tenant_id: int, user_id: uuid.UUID, *, method: str, origin: str | None, user_agent: str | None
) -> str | None:
    """A session for a user whose credentials were checked elsewhere (local, demo)."""
    with tenant_app_context(tenant_id):
        user = db.session.get(User, (tenant_id, user_id))
        if user is None or not user.active:
            return None
        cookie = start_session(user, origin=origin, user_agent=user_agent)
        db.session.commit()
    record_security_event(tenant_id, Event.SIGN_IN, "success", user_id=user_id, detail=method)
    return cookie


@dataclass(frozen=True)
class EndedSession:
    tenant_id: int
    user_id: uuid.UUID
    id_token: str | None


def sign_out(cookie_value: str | None) -> EndedSession | None:
    """End the server-side session; returns what the provider's logout needs."""
    ended = None
    if cookie_value:
        tenant_id = int(cookie_value.split(":", 1)[0])
        with tenant_app_context(tenant_id):
            record = end_session(cookie_value, "sign_out")
            if record is not None:
                ended = EndedSession(record.tenant_id, record.user_id, record.id_token)
                db.session.commit()
        if ended is not None:
            record_security_event(tenant_id, Event.SIGN_OUT, "success", user_id=ended.user_id)
    logout_user()
    return ended
