"""The platform's record of a municipality that left: it outlives the municipality."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from app.core.db import SharedTable, UTCDateTime, utcnow
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
