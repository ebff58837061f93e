"""A notice to one user, kept in the portal; mail carries the same subject and text.

``dedupe_key`` makes a notice idempotent: the daily plan computes the same key
(e.g. ``release:<case>:six_weeks:<release date>``) each time it runs, and the
unique constraint keeps it to one row however often it runs.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import (
    ForeignKeyConstraint,
    Index,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.db import TenantScoped, UTCDateTime, utcnow
from app.extensions import db


class Notification(TenantScoped, db.Model):
    __tablename__ = "notifications"
    __table_args__ = (
        ForeignKeyConstraint(["tenant_id", "user_id"], ["users.tenant_id", "users.id"]),
        UniqueConstraint("tenant_id", "dedupe_key"),
        Index(
            "ix_notifications_tenant_id_user_id_created_at", "tenant_id", "user_id", "created_at"
        ),
    )

    user_id: Mapped[uuid.UUID]
    kind: Mapped[str] = mapped_column(String(60))
    dedupe_key: Mapped[str] = mapped_column(String(200))
    subject: Mapped[str] = mapped_column(String(300))
    body_text: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    link: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    mailed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    user = relationship(
        "User",
        primaryjoin="and_(User.id == foreign(Notification.user_id), "
        "User.tenant_id == Notification.tenant_id)",
    )
