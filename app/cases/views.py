from __future__ import annotations

import uuid

from flask import Blueprint
from flask_login import current_user

from app.cases import services
from app.core.permissions import Permission, requires
from app.core.rendering import render

bp = Blueprint("cases", __name__, url_prefix="/cases")


@bp.get("/")
@requires(Permission.CASE_READ)
def case_list():
    return render("cases/list.html", cases=services.list_cases(current_user))


@bp.get("/<uuid:case_id>")
@requires(Permission.CASE_READ)
def case_detail(case_id: uuid.UUID):
    return render("cases/detail.html", case=services.access_case(current_user, case_id))


@bp.app_context_processor
def inject_case_labels() -> dict:
    from app.cases.labels import template_helpers

    return template_helpers()
