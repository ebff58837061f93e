from __future__ import annotations

from sqlalchemy import CheckConstraint, String
from sqlalchemy.orm import Mapped, mapped_column

from app.core.db import SharedTable
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
