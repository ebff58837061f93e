"""The municipality model lives in core (``app.core.tenants``): every layer rests on it."""

from app.core.tenants import Tenant

__all__ = ["Tenant"]
