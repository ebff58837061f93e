"""The log of security events: sign-ins, failures, sign-outs, role changes, refusals.

Each event is written and committed in a session of its own once the response is
known (app.core.deferred), so it stays even when the request that caused it rolls back.
"""

from __future__ import annotations

import logging
import uuid
from enum import StrEnum

from flask import current_app, g, has_request_context, request
from sqlalchemy import inspect as sa_inspect

from app.auth.models import SecurityEvent, User
from app.core.audit import access_refused
from app.core.context import tenant_app_context
from app.core.db import utcnow
from app.core.deferred import after_response
from app.core.security_events import security_event
from app.extensions import db

security_log = logging.getLogger("nazorg.security")


class Event(StrEnum):
    SIGN_IN = "sign_in"
    SIGN_IN_FAILED = "sign_in_failed"
    SIGN_OUT = "sign_out"
    SESSION_ENDED = "session_ended"
    ROLE_CHANGED = "role_changed"
    ACCOUNT_DEACTIVATED = "account_deactivated"
    ACCESS_REFUSED = "access_refused"
    INVITATION_SENT = "invitation_sent"
    ACCOUNT_ACTIVATED = "account_activated"
    PASSWORD_RESET = "password_reset"  # noqa: S105 - an event name
    SETTINGS_CHANGED = "settings_changed"


def request_origin() -> str | None:
    return request.remote_addr if has_request_context() else None


def record_security_event(
    tenant_id: int,
    event: Event,
    result: str,
    *,
    user_id: uuid.UUID | None = None,
    account: str | None = None,
    detail: str | None = None,
) -> None:
    origin = request_origin()
    security_log.info(
        "%s %s",
        event.value,
        result,
        extra={
            "tenant": tenant_id,
            "user": str(user_id) if user_id else None,
            "account": account,
            "origin": origin,
            "detail": detail,
        },
    )
    row = dict(
        event=event.value,
        result=result,
        user_id=user_id,
        account=(account or "")[:320] or None,
        origin=origin,
        detail=(detail or "")[:500] or None,
        occurred_at=utcnow(),
    )
    after_response(_write_event, tenant_id=tenant_id, row=row)


def _write_event(tenant_id: int, row: dict) -> None:
    with current_app.app_context(), tenant_app_context(tenant_id):
        db.session.add(SecurityEvent(**row))
        db.session.commit()


def _record_refused_access(user, what: str, detail: str) -> None:
    if getattr(user, "is_authenticated", False):
        record_security_event(
            user.tenant_id,
            Event.ACCESS_REFUSED,
            what,
            user_id=user.id,
            account=user.subject,
            detail=detail,
        )


def _record_reported_event(
    event: str, *, result: str, tenant_id: int | None, user_id=None, detail=None
) -> None:
    """Store an event reported through ``app.core.security_events`` (already logged there)."""
    if tenant_id is None:
        return
    row = dict(
        event=event[:40],
        result=result[:40],
        user_id=_reporting_user(user_id),
        account=None,
        origin=request_origin(),
        detail=(detail or "")[:500] or None,
        occurred_at=utcnow(),
    )
    account = _signed_in_account(tenant_id, row["user_id"])
    after_response(_write_reported_event, tenant_id=tenant_id, row=row, account=account)


# The account of a reported event's user, not known at the time of the report.
UNKNOWN = object()


def _signed_in_account(tenant_id: int, user_id):
    """The account (OIDC subject) of ``user_id`` when that is the signed-in user of this
    request with the account still loaded; else ``UNKNOWN``, for the writer to look up.
    (Every page of the regional overview with kept figures reports an event: the lookup
    was a statement of its own.)"""
    if user_id is None or not has_request_context():
        return UNKNOWN
    # The user Flask-Login has loaded in this context, never a load of one here: a report
    # made inside another municipality's context must not read the user there.
    user = g.get("_login_user")
    state = sa_inspect(user, raiseerr=False) if user is not None else None
    identity = getattr(state, "identity", None)
    if identity != (tenant_id, user_id) or "subject" in state.unloaded:
        return UNKNOWN
    return user.subject


def _reporting_user(user_id) -> uuid.UUID | None:
    """The event's user id: the one given, else the signed-in user's. Read from the
    identity key, which stays readable when a commit has expired the user's attributes."""
    from flask_login import current_user

    if user_id is not None:
        try:
            return user_id if isinstance(user_id, uuid.UUID) else uuid.UUID(str(user_id))
        except ValueError:
            return None
    if not has_request_context():
        return None
    state = sa_inspect(current_user._get_current_object(), raiseerr=False)
    identity = getattr(state, "identity", None)
    return identity[1] if identity else None


def _write_reported_event(tenant_id: int, row: dict, account=UNKNOWN) -> None:
    """Write the event with the account of its user (looked up in the event's tenant
    unless known)."""
    with current_app.app_context(), tenant_app_context(tenant_id):
        if account is not UNKNOWN:
            row = dict(row, account=account)
        elif row["user_id"] is not None:
            user = db.session.get(User, (tenant_id, row["user_id"]))
            row = dict(row, account=user.subject if user is not None else None)
        db.session.add(SecurityEvent(**row))
        db.session.commit()


def connect_audit_signals() -> None:
    access_refused.connect(_record_refused_access)
    security_event.connect(_record_reported_event)
