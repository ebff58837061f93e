from __future__ import annotations

from flask import Blueprint
from flask_login import current_user

from app.core.tenants import Tenant
from app.extensions import db

# Tenant administration gets its routes in a later issue.
bp = Blueprint("tenants", __name__)


@bp.app_context_processor
def inject_current_tenant() -> dict:
    if not current_user.is_authenticated:
        return {"current_tenant": None}
    return {"current_tenant": db.session.get(Tenant, current_user.tenant_id)}
