"""Local accounts for people who are not municipal staff: volunteers and provider workers.

A coordinator invites them by e-mail (a single-use link that expires); they choose a
password and enrol an authenticator app (TOTP), which every sign-in asks for. Wrong
passwords and codes slow down whoever makes them (app.auth.throttle) and lock no one
out; a wrong password, an unknown and an inactive account get one and the same answer.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from sqlalchemy import select

from app.auth import throttle
from app.auth.events import Event, record_security_event
from app.auth.models import AccountToken, User
from app.auth.passwords import (
    CodeRejected,
    check_new_password,
    hash_password,
    needs_rehash,
    verify_password,
    verify_totp,
)
from app.auth.sessions import end_all_sessions
from app.core.context import tenant_app_context
from app.core.db import utcnow
from app.core.permissions import Role
from app.core.tokens import hash_token, new_token
from app.extensions import db

LOCAL_ISSUER = "local"
LOCAL_ROLES = (Role.VOLUNTEER, Role.PROVIDER_WORKER)
INVITE = "invite"
RESET = "reset"


class LocalSignInRefused(Exception):
    """A refused sign-in step.

    ``answer`` is what the person is told: ``invalid`` (one answer for a wrong password,
    an unknown, inactive or locked account), ``invalid_code`` (after a correct password
    only) or ``throttled`` (with ``wait_seconds``; counted alike for every address typed,
    so it tells nothing either). ``reason`` is the real one, for the security log only.
    """

    def __init__(self, answer: str, reason: str, wait_seconds: int = 0) -> None:
        super().__init__(reason)
        self.answer = answer
        self.reason = reason
        self.wait_seconds = wait_seconds


class TokenInvalid(Exception):
    pass


def normalise_email(email: str) -> str:
    return (email or "").strip().lower()


# --- invitations and reset links -------------------------------------------------------


def invite(display_name: str, email: str, role: Role) -> tuple[User, str]:
    """A new, inactive local account and the token of its invitation link.

    Runs in the inviter's tenant (the request session). An address that already has
    an account gets a fresh invitation only while that account is not yet activated.
    """
    if role not in LOCAL_ROLES:
        raise ValueError("only volunteers and provider workers get local accounts")
    email = normalise_email(email)
    user = db.session.scalars(
        select(User).where(User.issuer == LOCAL_ISSUER, User.subject == email)
    ).one_or_none()
    if user is None:
        user = User(
            issuer=LOCAL_ISSUER,
            subject=email,
            email=email,
            display_name=display_name,
            role=role.value,
            active=False,
        )
        db.session.add(user)
        db.session.flush()
    elif user.password_hash:
        raise ValueError("this address already has an active account")
    token = _issue_token(user, INVITE, timedelta(hours=current_app.config["INVITATION_HOURS"]))
    return user, token


def _issue_token(user: User, purpose: str, lifetime: timedelta) -> str:
    token = new_token()
    now = utcnow()
    for earlier in db.session.scalars(
        select(AccountToken).where(
            AccountToken.user_id == user.id,
            AccountToken.purpose == purpose,
            AccountToken.used_at.is_(None),
        )
    ):
        earlier.used_at = now  # only the newest link works
    db.session.add(
        AccountToken(
            user_id=user.id,
            purpose=purpose,
            token_hash=hash_token(token),
            expires_at=now + lifetime,
        )
    )
    return token


def token_user(token: str, purpose: str) -> AccountToken:
    """The unused, unexpired token record (in the request's tenant) or TokenInvalid."""
    record = db.session.scalars(
        select(AccountToken).where(
            AccountToken.token_hash == hash_token(token or ""), AccountToken.purpose == purpose
        )
    ).one_or_none()
    if record is None or record.used_at is not None or record.expires_at <= utcnow():
        raise TokenInvalid()
    return record


def activate(record: AccountToken, password: str, totp_secret: str, code: str) -> User:
    """Set the password and the second factor of an invited account; the link is used up."""
    user = record.user
    check_new_password(
        password,
        min_length=current_app.config["PASSWORD_MIN_LENGTH"],
        personal=(user.email or "", *user.display_name.split()),
    )
    step = verify_totp(totp_secret, code, None)
    if step is None:
        raise CodeRejected()
    user.password_hash = hash_password(password)
    user.totp_secret = totp_secret
    user.totp_last_step = step
    user.active = True
    record.used_at = utcnow()
    return user


def request_reset(email: str) -> str | None:
    """A reset token for an active local account, or None (the page says the same either way)."""
    user = db.session.scalars(
        select(User).where(User.issuer == LOCAL_ISSUER, User.subject == normalise_email(email))
    ).one_or_none()
    if user is None or not user.active or not user.password_hash:
        return None
    return _issue_token(
        user, RESET, timedelta(minutes=current_app.config["PASSWORD_RESET_MINUTES"])
    )


def reset_password(record: AccountToken, password: str, code: str) -> User:
    """A new password, confirmed with the second factor; every open session ends."""
    user = record.user
    check_new_password(
        password,
        min_length=current_app.config["PASSWORD_MIN_LENGTH"],
        personal=(user.email or "", *user.display_name.split()),
    )
    step = verify_totp(user.totp_secret, code, user.totp_last_step)
    if step is None:
        raise CodeRejected()
    user.password_hash = hash_password(password)
    user.totp_last_step = step
    user.failed_sign_ins = 0
    user.locked_until = None
    record.used_at = utcnow()
    end_all_sessions(user, "password_reset")
    return user


# --- signing in ---------------------------------------------------------------------------


@dataclass(frozen=True)
class PasswordChecked:
    """The first factor passed; the second is still to come."""

    tenant_id: int
    user_id: uuid.UUID


def check_password(
    tenant_id: int, email: str, password: str, origin: str | None
) -> PasswordChecked:
    email = normalise_email(email)
    _refuse_while_throttled(tenant_id, email, None, origin)
    with tenant_app_context(tenant_id):
        user = db.session.scalars(
            select(User).where(User.issuer == LOCAL_ISSUER, User.subject == email)
        ).one_or_none()
        # The hash is checked in every case, so that the time taken tells nothing either.
        valid = verify_password(user.password_hash if user else None, password)
        reason = _password_refusal(user, valid)
        if reason is not None:
            _register_failure(user)
            db.session.commit()
            throttle.count_failure(tenant_id, email, origin)
            _refuse(tenant_id, email, user.id if user else None, "invalid", reason)
        if needs_rehash(user.password_hash):
            user.password_hash = hash_password(password)  # the config's cost has changed
            db.session.commit()
        return PasswordChecked(tenant_id=tenant_id, user_id=user.id)


def _password_refusal(user: User | None, valid: bool) -> str | None:
    """The real reason a password step fails (for the log), or None when it passes."""
    if user is None:
        return "unknown_account"
    if not user.active:
        return "inactive"
    if not valid:
        return "wrong_password"
    if _is_locked(user):
        return "locked"
    return None


def check_code(checked: PasswordChecked, code: str, origin: str | None) -> None:
    """The second factor; raises LocalSignInRefused. A used code cannot be replayed."""
    with tenant_app_context(checked.tenant_id):
        user = db.session.get(User, (checked.tenant_id, checked.user_id))
        if user is None or not user.active or _is_locked(user):
            reason = "unknown_account" if user is None else "inactive_or_locked"
            _refuse(checked.tenant_id, None, checked.user_id, "invalid", reason)
        account = user.subject
        _refuse_while_throttled(checked.tenant_id, account, user.id, origin)
        step = verify_totp(user.totp_secret, code, user.totp_last_step)
        if step is None:
            _register_failure(user)
            db.session.commit()
            throttle.count_failure(checked.tenant_id, account, origin)
            _refuse(checked.tenant_id, account, user.id, "invalid_code", "wrong_code")
        user.totp_last_step = step
        user.failed_sign_ins = 0
        db.session.commit()
        throttle.count_success(checked.tenant_id, account, origin)


def _refuse_while_throttled(tenant_id: int, account: str, user_id, origin: str | None) -> None:
    verdict = throttle.check(tenant_id, account, origin)
    if not verdict.allowed:
        _refuse(
            tenant_id,
            account,
            user_id,
            "throttled",
            f"throttled_{verdict.rule}",
            wait_seconds=verdict.wait_seconds,
        )


def _is_locked(user: User) -> bool:
    # No sign-in sets this any more (app.auth.throttle slows guessing instead); a lock
    # set before that rule is still honoured until it runs out.
    locked_until = user.locked_until
    return locked_until is not None and locked_until > utcnow()


def _register_failure(user: User | None) -> None:
    """Consecutive failures on the account (a full sign-in or a reset clears them); they
    lock nothing: app.auth.throttle decides who waits."""
    if user is not None:
        user.failed_sign_ins = (user.failed_sign_ins or 0) + 1


def _refuse(
    tenant_id: int, account: str | None, user_id, answer: str, reason: str, wait_seconds: int = 0
):
    record_security_event(
        tenant_id, Event.SIGN_IN_FAILED, reason, user_id=user_id, account=account, detail="local"
    )
    raise LocalSignInRefused(answer, reason, wait_seconds)
