"""Server-side sessions. The signed cookie carries ``"<tenant_id>:<token>"``; the
database keeps the token's hash with the times that the timeouts are measured by.

A request is bound to the session's tenant before the session row is read, so the
lookup itself runs under the tenant scope and RLS.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select, update
from sqlalchemy.orm import contains_eager

from app.auth.models import User, UserSession
from app.core.db import utcnow
from app.core.tenancy import bind_tenant
from app.core.tokens import hash_token, new_token
from app.extensions import db

# Writing last_seen_at on every request is wasted work; a minute is precise enough.
LAST_SEEN_RESOLUTION = timedelta(minutes=1)


def start_session(
    user: User, *, origin: str | None, user_agent: str | None, id_token: str | None = None
) -> str:
    """A new session for ``user``; returns the cookie value. The caller commits."""
    token = new_token()
    now = utcnow()
    db.session.add(
        UserSession(
            tenant_id=user.tenant_id,
            user_id=user.id,
            token_hash=hash_token(token),
            created_at=now,
            last_seen_at=now,
            origin=origin,
            user_agent=(user_agent or "")[:300] or None,
            id_token=id_token,
        )
    )
    user.last_sign_in_at = now
    return f"{user.tenant_id}:{token}"


def _parse(cookie_value: str | None) -> tuple[int, str] | None:
    if not cookie_value or ":" not in cookie_value:
        return None
    tenant_part, token = cookie_value.split(":", 1)
    if not tenant_part.isdigit() or not token:
        return None
    return int(tenant_part), token


def _live_session(cookie_value: str | None) -> UserSession | None:
    parsed = _parse(cookie_value)
    if parsed is None:
        return None
    tenant_id, token = parsed
    bind_tenant(db.session, tenant_id)
    # The user and the municipality come in the same statement: every page needs both
    # (the header shows the municipality, read from the identity map), and a round trip
    # each was a tenth of a simple page's time.
    return db.session.scalars(
        select(UserSession)
        .join(UserSession.user)
        .join(User.tenant)
        .options(contains_eager(UserSession.user).contains_eager(User.tenant))
        .where(UserSession.token_hash == hash_token(token), UserSession.ended_at.is_(None))
    ).one_or_none()


def expiry_reason(record: UserSession, now: datetime) -> str | None:
    idle = timedelta(minutes=current_app.config["SESSION_IDLE_MINUTES"])
    absolute = timedelta(hours=current_app.config["SESSION_ABSOLUTE_HOURS"])
    if now - record.created_at >= absolute:
        return "absolute_lifetime"
    if now - record.last_seen_at >= idle:
        return "idle_timeout"
    return None


def resolve_session(
    cookie_value: str | None, *, activity: bool = True
) -> tuple[User | None, str | None]:
    """The user behind the cookie, or None with the reason the session ended now.

    ``activity=False`` for requests the page makes by itself (a badge's poll): they are
    answered, but do not count as the person being active, or an open tab would keep
    the session alive past its idle timeout for ever."""
    record = _live_session(cookie_value)
    if record is None:
        return None, None
    now = utcnow()
    reason = expiry_reason(record, now)
    if reason is None and not record.user.active:
        reason = "deactivated"
    if reason is not None:
        _end(record, reason, now)
        db.session.commit()
        return None, reason
    if activity and now - record.last_seen_at >= LAST_SEEN_RESOLUTION:
        record.last_seen_at = now
        db.session.commit()
    return record.user, None


def end_session(cookie_value: str | None, reason: str) -> UserSession | None:
    record = _live_session(cookie_value)
    if record is not None:
        _end(record, reason, utcnow())
    return record


def end_all_sessions(user: User, reason: str) -> int:
    result = db.session.execute(
        update(UserSession)
        .where(UserSession.user_id == user.id, UserSession.ended_at.is_(None))
        .values(ended_at=utcnow(), end_reason=reason)
    )
    return result.rowcount


def _end(record: UserSession, reason: str, now: datetime) -> None:
    record.ended_at = now
    record.end_reason = reason
