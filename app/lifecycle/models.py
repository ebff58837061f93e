"""The platform's record of a municipality that left: it outlives the municipality."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, BigInteger, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.core.db import SharedTable, TenantScoped, UTCDateTime, enum_check, utcnow
from app.extensions import db


class TenantRemoval(SharedTable, db.Model):
    """The platform's destruction record of a municipality that left (``flask tenants remove``).

    It stays after every row of the municipality is gone and holds no personal data: the
    municipality's slug and name, when, the SHA-256 of the export's checksum list that
    preceded it, and how many rows each table lost. Read-only for the portal role.
    """

    __tablename__ = "tenant_removals"

    id: Mapped[int] = mapped_column(primary_key=True)
    former_tenant_id: Mapped[int] = mapped_column(Integer)
    slug: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(120))
    removed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    export_checksum: Mapped[str] = mapped_column(String(64))
    counts: Mapped[dict] = mapped_column(JSON, default=dict)


class ExportStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    EXPIRED = "expired"  # the file was cleaned up after its keeping period


class TenantExport(TenantScoped, db.Model):
    """A complete export a tenant admin started (``app.lifecycle.export_job``): its progress,
    and, once done, the zip file on the export volume (``TENANT_EXPORT_DIR``), named by this
    row's id, never by anything a user typed. Not itself exported: it describes exports."""

    __tablename__ = "tenant_exports"
    __table_args__ = (
        Index("ix_tenant_exports_tenant_id_created_at", "tenant_id", "created_at"),
        {"info": {"secret": True}},
    )

    status: Mapped[str] = mapped_column(
        String(20), enum_check("status", ExportStatus), default=ExportStatus.QUEUED.value
    )
    started_by_id: Mapped[uuid.UUID | None]
    started_by_name: Mapped[str] = mapped_column(String(200))
    tables_done: Mapped[int] = mapped_column(Integer, default=0)
    tables_total: Mapped[int] = mapped_column(Integer, default=0)
    rows: Mapped[int | None] = mapped_column(Integer)
    size_bytes: Mapped[int | None] = mapped_column(BigInteger)
    # SHA-256 of the export's SHA256SUMS (the removal record names it too).
    checksum: Mapped[str | None] = mapped_column(String(64))
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    @property
    def is_active(self) -> bool:
        return self.status in (ExportStatus.QUEUED.value, ExportStatus.RUNNING.value)

    @property
    def percent_done(self) -> int:
        if self.status == ExportStatus.DONE.value:
            return 100
        return self.tables_done * 100 // self.tables_total if self.tables_total else 0
