from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import (
    JSON,
    ForeignKeyConstraint,
    Index,
    Integer,
    LargeBinary,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from app.core.db import TenantScoped, UTCDateTime, enum_check, utcnow
from app.extensions import db


class MessageKind(StrEnum):
    """The kinds of message a prison sends about one detention."""

    DETENTION_START = "detention_start"
    BASIC_DOCUMENT = "basic_document"
    TRANSFER = "transfer"
    LEAVE = "leave"
    END_OF_DETENTION = "end_of_detention"


class IntakeMessage(TenantScoped, db.Model):
    """One received message about a detention, by its key: the sender's message id, or a
    content hash. Each is a version of the case's intake document.

    The unique key makes intake idempotent: the same API message or the same file
    row received again finds this row and changes nothing. A new message (another id or
    other content) for a case is a new version: it updates the case, and keeps the life
    domains' information as this version gave it (``domains``).
    """

    __tablename__ = "intake_messages"
    __regional_read__ = True  # the case file: the regional read may see it
    __table_args__ = (
        UniqueConstraint("tenant_id", "message_key"),
        ForeignKeyConstraint(["tenant_id", "case_id"], ["cases.tenant_id", "cases.id"]),
        Index("ix_intake_messages_tenant_id_case_id", "tenant_id", "case_id"),
    )

    message_key: Mapped[str] = mapped_column(String(220))
    source: Mapped[str] = mapped_column(String(10))
    case_id: Mapped[uuid.UUID]
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    kind: Mapped[str] = mapped_column(
        String(30),
        enum_check("kind", MessageKind),
        default=MessageKind.BASIC_DOCUMENT.value,
        server_default=MessageKind.BASIC_DOCUMENT.value,
    )
    # Per life domain the status, situation and need as this version gave them.
    domains: Mapped[dict | None] = mapped_column(JSON)


class IntakeUpload(TenantScoped, db.Model):
    """A large upload, kept until a background job has received its rows.

    The job works through the rows in chunks (``processed_rows`` is the progress the
    page shows) and keeps the per-line report here. The file holds citizen numbers:
    its content is cleared once the last row is done.
    """

    __tablename__ = "intake_uploads"
    __table_args__ = (
        ForeignKeyConstraint(["tenant_id", "uploaded_by_id"], ["users.tenant_id", "users.id"]),
        Index("ix_intake_uploads_tenant_id_uploaded_by_id", "tenant_id", "uploaded_by_id"),
        Index("ix_intake_uploads_tenant_id_content_hash", "tenant_id", "content_hash"),
    )

    filename: Mapped[str] = mapped_column(String(255))
    content: Mapped[bytes | None] = mapped_column(LargeBinary)
    content_hash: Mapped[str] = mapped_column(String(64), info={"secret": False})  # of the file
    uploaded_by_id: Mapped[uuid.UUID | None]
    total_rows: Mapped[int] = mapped_column(Integer)
    processed_rows: Mapped[int] = mapped_column(Integer, default=0)
    # {"created": [case ids], "already_received": [case ids], "problems": [[line, [texts]]]}
    report: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    @property
    def is_finished(self) -> bool:
        return self.finished_at is not None

    @property
    def percent_done(self) -> int:
        return 100 if not self.total_rows else self.processed_rows * 100 // self.total_rows
