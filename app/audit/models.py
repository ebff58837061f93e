from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import JSON, Date, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from app.core.db import TenantScoped, UTCDateTime, enum_check, utcnow
from app.extensions import db


class AccessAction(StrEnum):
    READ = "read"
    CHANGE = "change"
    SEARCH = "search"
    EXPORT = "export"
    PRINT = "print"
    REVEAL = "reveal"


class AccessLogEntry(TenantScoped, db.Model):
    """One access to a client's data. Append-only: the portal role may insert and read, and
    change nothing but ``client_id`` (when two clients are merged, ``cases.merge``).

    The row belongs to the tenant that owns the data, so that municipality sees every
    access to its clients, the regional coordinator's included (``actor_tenant_id``).
    No foreign keys: the log outlives the client, the case and the account it names.
    """

    __tablename__ = "access_log"
    __table_args__ = (
        Index(
            "ix_access_log_tenant_id_client_id_occurred_at", "tenant_id", "client_id", "occurred_at"
        ),
        Index("ix_access_log_tenant_id_user_id_occurred_at", "tenant_id", "user_id", "occurred_at"),
    )

    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    user_id: Mapped[uuid.UUID]
    user_name: Mapped[str] = mapped_column(String(200))
    actor_tenant_id: Mapped[int] = mapped_column(Integer)
    role: Mapped[str] = mapped_column(String(40))
    on_behalf_of: Mapped[uuid.UUID | None]
    client_id: Mapped[uuid.UUID | None]
    object_type: Mapped[str] = mapped_column(String(40))
    object_id: Mapped[str | None] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(20), enum_check("action", AccessAction))
    result: Mapped[str] = mapped_column(String(20), default="granted")
    origin: Mapped[str | None] = mapped_column(String(64))
    detail: Mapped[str | None] = mapped_column(String(300))


class DestructionRecord(TenantScoped, db.Model):
    """The destruction list: what was destroyed, when, under which rule; no personal data.

    ``record_id`` is the random id the destroyed record had; nothing left in the
    portal links it to a person. Append-only for the portal role.
    """

    __tablename__ = "destruction_log"

    destroyed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    rule: Mapped[str] = mapped_column(String(40))
    record_type: Mapped[str] = mapped_column(String(40))
    record_id: Mapped[str | None] = mapped_column(String(64))
    due_on: Mapped[date | None] = mapped_column(Date)
    counts: Mapped[dict] = mapped_column(JSON, default=dict)
