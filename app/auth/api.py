"""What other features may use of accounts and sign-in."""

from __future__ import annotations

from flask import current_app, has_request_context, url_for
from sqlalchemy import select

from app.auth.accounts import identity_provider
from app.auth.demo import DEMO_ISSUER
from app.auth.events import Event, record_security_event
from app.auth.local import INVITE, LOCAL_ISSUER, invite, normalise_email
from app.auth.local import _issue_token as issue_account_token
from app.auth.mail import send_account_link
from app.auth.models import IdentityProvider, User
from app.auth.oidc import secret_variable_allowed, secret_variable_prefix
from app.core.permissions import Role
from app.extensions import db

__all__ = [
    "DEMO_ISSUER",
    "INVITE",
    "LOCAL_ISSUER",
    "IdentityProvider",
    "User",
    "identity_provider",
    "invite_local_account",
    "issue_account_token",
    "normalise_email",
    "record_security_event",
    "secret_variable_allowed",
    "secret_variable_prefix",
    "send_account_link",
]


def invite_local_account(
    tenant_id: int, tenant_slug: str, display_name: str, email: str, role: Role
) -> User | None:
    """Invite someone to a local account (password and authenticator app), as a tenant
    admin's *Uitnodigen* does: an inactive account, the single-use link by mail (in the
    caller's transaction: both or neither) and the security log. An address that has an
    active local account already gets no new invitation: that account is returned when
    it has ``role``, None otherwise."""
    try:
        user, token = invite(display_name, email, role)
    except ValueError:
        existing = db.session.scalars(
            select(User).where(User.issuer == LOCAL_ISSUER, User.subject == normalise_email(email))
        ).one_or_none()
        return existing if existing is not None and existing.role == role.value else None
    if has_request_context():
        link = url_for("local.activate", slug=tenant_slug, token=token)
    else:
        with current_app.test_request_context():
            link = url_for("local.activate", slug=tenant_slug, token=token)
    send_account_link(tenant_id, user.email, "invitation", link, user.display_name)
    if has_request_context():
        record_security_event(
            tenant_id, Event.INVITATION_SENT, "success", user_id=user.id, account=user.email
        )
    return user
