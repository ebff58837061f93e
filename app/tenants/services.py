from __future__ import annotations

from sqlalchemy import select
from werkzeug.exceptions import NotFound

from app.extensions import db
from app.tenants.models import Tenant


def all_tenants() -> list[Tenant]:
    return list(db.session.scalars(select(Tenant).order_by(Tenant.name)))


def tenant_by_slug(slug: str) -> Tenant:
    """The municipality behind a sign-in URL; 404 for an unknown one."""
    tenant = db.session.scalars(select(Tenant).where(Tenant.slug == slug)).one_or_none()
    if tenant is None:
        raise NotFound()
    return tenant


def tenant_for_host(host: str, hosts: dict[str, str]) -> Tenant | None:
    slug = hosts.get(host.split(":", 1)[0].lower())
    return tenant_by_slug(slug) if slug else None
