"""What other features may use of the tenants feature: the municipalities."""

from app.core.tenants import Tenant, all_tenants, tenant_by_slug, tenant_for_host, tenant_ids

__all__ = ["Tenant", "all_tenants", "tenant_by_slug", "tenant_for_host", "tenant_ids"]
