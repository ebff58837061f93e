from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import DateTime, ForeignKeyConstraint, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.core.db import TenantScoped, utcnow
from app.extensions import db


class IntakeMessage(TenantScoped, db.Model):
    """One received intake document, by its key: the sender's message id, or a content hash.

    The unique key makes intake idempotent: the same API message or the same file
    row received again finds this row and changes nothing.
    """

    __tablename__ = "intake_messages"
    __table_args__ = (
        UniqueConstraint("tenant_id", "message_key"),
        ForeignKeyConstraint(["tenant_id", "case_id"], ["cases.tenant_id", "cases.id"]),
        Index("ix_intake_messages_tenant_id_case_id", "tenant_id", "case_id"),
    )

    message_key: Mapped[str] = mapped_column(String(220))
    source: Mapped[str] = mapped_column(String(10))
    case_id: Mapped[uuid.UUID]
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
