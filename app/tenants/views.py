from __future__ import annotations

from flask import Blueprint
from flask_login import current_user

from app.extensions import db
from app.tenants.models import Tenant

# Tenant administration and the regional overview get their routes in later issues.
bp = Blueprint("tenants", __name__)


@bp.app_context_processor
def inject_current_tenant() -> dict:
    if not current_user.is_authenticated:
        return {"current_tenant": None}
    return {"current_tenant": db.session.get(Tenant, current_user.tenant_id)}
