from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, DateTime, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from app.core.db import SharedTable, utcnow
from app.extensions import db


class Tenant(SharedTable, db.Model):
    """A municipality. Shared: every tenant may read the list, none may change it."""

    __tablename__ = "tenants"
    __table_args__ = (CheckConstraint("id > 0", name="positive_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    is_centre: Mapped[bool] = mapped_column(default=False)

    def __repr__(self) -> str:
        return f"<Tenant {self.slug}>"


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
    removed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    export_checksum: Mapped[str] = mapped_column(String(64))
    counts: Mapped[dict] = mapped_column(JSON, default=dict)
