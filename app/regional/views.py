from __future__ import annotations

from flask import Blueprint
from flask_login import current_user

from app.core.permissions import Permission, requires
from app.core.rendering import render
from app.regional import overview

bp = Blueprint("regional", __name__)


@bp.get("/regio")
@requires(Permission.REGIONAL_OVERVIEW)
def regional_overview():
    """Aggregate figures of the region; no client data, so no access-log row
    (see ``app.regional.overview``)."""
    return render(
        "regional/overview.html",
        overview=overview.regional_overview(current_user),
        small_cell_text=overview.SMALL_CELL_TEXT,
    )
