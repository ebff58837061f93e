from __future__ import annotations

from flask import Blueprint
from flask_login import current_user

from app.core.permissions import Permission, requires
from app.core.rendering import render
from app.extensions import db
from app.tenants import regional
from app.tenants.models import Tenant

# Tenant administration gets its routes in a later issue.
bp = Blueprint("tenants", __name__)


@bp.app_context_processor
def inject_current_tenant() -> dict:
    if not current_user.is_authenticated:
        return {"current_tenant": None}
    return {"current_tenant": db.session.get(Tenant, current_user.tenant_id)}


@bp.get("/regio")
@requires(Permission.REGIONAL_OVERVIEW)
def regional_overview():
    """Aggregate figures of the region; no client data, so no access-log row
    (see ``app.tenants.regional``)."""
    return render(
        "tenants/regional.html",
        overview=regional.regional_overview(current_user),
        small_cell_text=regional.SMALL_CELL_TEXT,
    )
