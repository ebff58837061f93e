from __future__ import annotations

from sqlalchemy import String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.core.db import TenantScoped, Timestamped
from app.core.permissions import Role
from app.extensions import db


class User(TenantScoped, Timestamped, db.Model):
    """A person who signs in: staff through their municipality's IdP, others locally.

    Keyed by (issuer, subject) within the tenant, never by e-mail.
    """

    __tablename__ = "users"
    __table_args__ = (UniqueConstraint("tenant_id", "issuer", "subject"),)

    display_name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(320))
    role: Mapped[str] = mapped_column(String(40))
    active: Mapped[bool] = mapped_column(default=True)
    issuer: Mapped[str] = mapped_column(String(500))
    subject: Mapped[str] = mapped_column(String(255))

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
        # The tenant travels with the id, inside the signed session cookie, so the
        # request is bound to the user's tenant before any tenant-owned row is read.
        return f"{self.tenant_id}:{self.id}"

    @property
    def role_enum(self) -> Role:
        return Role(self.role)
