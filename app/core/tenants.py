"""The municipalities: the ``tenants`` table that the tenant scope, the jobs and every
feature rest on. Core, because tenancy is what core is about; ``app.tenants`` offers it
to the features through its ``api``."""

from __future__ import annotations

from sqlalchemy import CheckConstraint, Index, String, select, text
from sqlalchemy.orm import Mapped, mapped_column
from werkzeug.exceptions import NotFound

from app.core.db import SharedTable
from app.extensions import db


class Tenant(SharedTable, db.Model):
    """A municipality. Shared: every tenant may read the list, none may change it.

    ``region`` groups municipalities (a slug, as data: any number of regions of any size);
    a region has at most one centre (``is_centre``), whose regional coordinator reads the
    region's municipalities and no others."""

    __tablename__ = "tenants"
    __table_args__ = (
        CheckConstraint("id > 0", name="positive_id"),
        Index(
            "uq_tenants_region_centre",
            "region",
            unique=True,
            postgresql_where=text("is_centre"),
            sqlite_where=text("is_centre"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    is_centre: Mapped[bool] = mapped_column(default=False)
    region: Mapped[str] = mapped_column(String(40), index=True)

    def __repr__(self) -> str:
        return f"<Tenant {self.slug}>"


def all_tenants() -> list[Tenant]:
    return list(db.session.scalars(select(Tenant).order_by(Tenant.name)))


def region_tenants(tenant: Tenant) -> list[Tenant]:
    """The municipalities of ``tenant``'s region, the centre included, by name."""
    return region_of(tenant.id)


def region_tenant_ids(tenant_id: int) -> list[int]:
    """The ids of the municipalities in the region of which ``tenant_id`` is the centre;
    empty for a municipality that is no centre."""
    centre = tenant_of(tenant_id)
    if centre is None or not centre.is_centre:
        return []
    return [t.id for t in region_of(tenant_id)]


_REGION_OF = "region_of_tenant"


def region_of(tenant_id: int) -> list[Tenant]:
    """The municipalities of ``tenant_id``'s region, itself included, by name.

    One query per session: the rows are kept in the session's ``info`` (the identity map
    keeps an object only while something refers to it, so repeated ``session.get`` calls
    in one request each went to the database)."""
    cache = db.session.info.setdefault(_REGION_OF, {})
    if tenant_id not in cache:
        region = select(Tenant.region).where(Tenant.id == tenant_id).scalar_subquery()
        cache[tenant_id] = list(
            db.session.scalars(select(Tenant).where(Tenant.region == region).order_by(Tenant.name))
        )
    return list(cache[tenant_id])


def tenant_of(tenant_id: int) -> Tenant | None:
    """The municipality ``tenant_id``, from the session's region lookup (``region_of``)."""
    return next((t for t in region_of(tenant_id) if t.id == tenant_id), None)


def tenant_ids() -> list[int]:
    return list(db.session.scalars(select(Tenant.id).order_by(Tenant.id)))


def tenant_by_slug(slug: str) -> Tenant:
    """The municipality behind a sign-in URL; 404 for an unknown one."""
    tenant = db.session.scalars(select(Tenant).where(Tenant.slug == slug)).one_or_none()
    if tenant is None:
        raise NotFound()
    return tenant


def tenant_for_host(host: str, hosts: dict[str, str]) -> Tenant | None:
    slug = hosts.get(host.split(":", 1)[0].lower())
    return tenant_by_slug(slug) if slug else None
