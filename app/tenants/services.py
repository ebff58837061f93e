"""Queries on the municipalities (kept in core, ``app.core.tenants``)."""

from app.core.tenants import all_tenants, tenant_by_slug, tenant_for_host

__all__ = ["all_tenants", "tenant_by_slug", "tenant_for_host"]
