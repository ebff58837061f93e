"""Users, their server-side sessions, identity-provider settings and the security log."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import (
    JSON,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.db import SharedTable, TenantScoped, Timestamped, UTCDateTime, enum_check, utcnow
from app.core.permissions import Role
from app.core.tenants import Tenant
from app.extensions import db


class User(TenantScoped, Timestamped, db.Model):
    """A person who signs in: staff through their municipality's IdP, others locally.

    Staff are keyed by (issuer, subject) within the tenant, never by e-mail. Local
    accounts (volunteers, provider workers) have the issuer ``local`` and their
    e-mail address as subject, a password hash and a TOTP secret.
    """

    __tablename__ = "users"
    __table_args__ = (UniqueConstraint("tenant_id", "issuer", "subject"),)

    display_name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(320))
    role: Mapped[str] = mapped_column(String(40), enum_check("role", Role))
    active: Mapped[bool] = mapped_column(default=True)
    issuer: Mapped[str] = mapped_column(String(500))
    subject: Mapped[str] = mapped_column(String(255))
    # info["secret"]: left out of a municipality's export (app.lifecycle.export).
    password_hash: Mapped[str | None] = mapped_column(String(255), info={"secret": True})
    totp_secret: Mapped[str | None] = mapped_column(String(64), info={"secret": True})
    totp_last_step: Mapped[int | None] = mapped_column(Integer, info={"secret": True})
    failed_sign_ins: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_sign_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    # Loaded with the session (auth.sessions): the signed-in user holds its municipality,
    # so the page's header finds it in the identity map (which keeps only what is held).
    tenant: Mapped[Tenant] = relationship(viewonly=True)

    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        return f"{self.tenant_id}:{self.id}"

    @property
    def role_enum(self) -> Role:
        return Role(self.role)


class UserSession(TenantScoped, db.Model):
    """A signed-in browser. The cookie holds only a random token; its hash is stored here,
    so that sign-out, deactivation and "end all sessions" really end it."""

    __tablename__ = "user_sessions"
    __table_args__ = (
        ForeignKeyConstraint(["tenant_id", "user_id"], ["users.tenant_id", "users.id"]),
        Index("ix_user_sessions_tenant_id_user_id", "tenant_id", "user_id"),
        UniqueConstraint("tenant_id", "token_hash"),
        {"info": {"secret": True}},  # sessions never leave the installation (export)
    )

    user_id: Mapped[uuid.UUID]
    token_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    end_reason: Mapped[str | None] = mapped_column(String(40))
    origin: Mapped[str | None] = mapped_column(String(64))
    user_agent: Mapped[str | None] = mapped_column(String(300))
    # Kept for RP-initiated logout (id_token_hint); never shown.
    id_token: Mapped[str | None] = mapped_column(Text)

    user: Mapped[User] = relationship(
        primaryjoin="and_(User.id == foreign(UserSession.user_id), "
        "User.tenant_id == UserSession.tenant_id)",
    )


class SecurityEvent(TenantScoped, db.Model):
    """Append-only: the portal role may insert and read, never update or delete."""

    __tablename__ = "security_events"

    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    event: Mapped[str] = mapped_column(String(40))
    result: Mapped[str] = mapped_column(String(40))
    # No foreign key: the record outlives the account it names.
    user_id: Mapped[uuid.UUID | None]
    account: Mapped[str | None] = mapped_column(String(320))
    origin: Mapped[str | None] = mapped_column(String(64))
    detail: Mapped[str | None] = mapped_column(String(500))


class IdentityProvider(TenantScoped, Timestamped, db.Model):
    """A municipality's OpenID provider. The client secret itself is never stored:
    ``client_secret_ref`` names the environment variable that holds it."""

    __tablename__ = "identity_providers"
    __table_args__ = (UniqueConstraint("tenant_id"),)

    issuer: Mapped[str] = mapped_column(String(500))
    client_id: Mapped[str] = mapped_column(String(255))
    # The name of a variable, not the secret: it travels with an export.
    client_secret_ref: Mapped[str] = mapped_column(String(100), info={"secret": False})
    scopes: Mapped[str] = mapped_column(String(255), default="openid profile email")
    roles_claim: Mapped[str] = mapped_column(String(100), default="roles")
    role_mapping: Mapped[dict] = mapped_column(JSON, default=dict)
    required_acr: Mapped[str | None] = mapped_column(String(255))
    enabled: Mapped[bool] = mapped_column(default=True)
    config_version: Mapped[int] = mapped_column(Integer, default=1)


class AccountToken(TenantScoped, db.Model):
    """A single-use, expiring link: an invitation or a password reset."""

    __tablename__ = "account_tokens"
    __table_args__ = (
        ForeignKeyConstraint(["tenant_id", "user_id"], ["users.tenant_id", "users.id"]),
        Index("ix_account_tokens_tenant_id_user_id", "tenant_id", "user_id"),
        UniqueConstraint("tenant_id", "token_hash"),
        {"info": {"secret": True}},  # single-use links never leave the installation (export)
    )

    user_id: Mapped[uuid.UUID]
    purpose: Mapped[str] = mapped_column(String(20))
    token_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    user: Mapped[User] = relationship(
        primaryjoin="and_(User.id == foreign(AccountToken.user_id), "
        "User.tenant_id == AccountToken.tenant_id)",
    )


class PendingSignIn(SharedTable, db.Model):
    """Authlib's state store: state, nonce and PKCE verifier of a sign-in under way.

    Server-side, so that a state is single-use even if an old cookie is replayed.
    Not tenant-owned: it exists before anyone is signed in and holds no personal data.
    """

    __tablename__ = "pending_sign_ins"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
