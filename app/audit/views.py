"""The privacy officer's and tenant admin's views of the access log."""

from __future__ import annotations

import uuid

from flask import Blueprint, request
from flask_login import current_user

from app.audit import services
from app.audit.models import AccessAction
from app.core.permissions import Permission, requires
from app.core.rendering import render

bp = Blueprint("audit", __name__, url_prefix="/privacy")


def _period() -> services.Period:
    return services.Period.parse(request.args.get("van"), request.args.get("tot"))


@bp.get("/clients/<uuid:client_id>")
@requires(Permission.ACCESS_LOG_READ)
def client_report(client_id: uuid.UUID):
    client = services.access_client_for_report(current_user, client_id)
    period = _period()
    entries = services.client_access_report(client.id, period)
    # Reading who read a file is itself an access to that client's data.
    services.record_access(
        current_user,
        tenant_id=client.tenant_id,
        client_id=client.id,
        object_type="access_report",
        object_id=client.id,
        action=AccessAction.READ,
    )
    return render(
        "audit/report.html",
        subject=client.full_name,
        entries=entries,
        period=period,
        by_client=True,
    )


@bp.get("/employees/<uuid:user_id>")
@requires(Permission.ACCESS_LOG_READ)
def employee_report(user_id: uuid.UUID):
    employee = services.access_employee_for_report(current_user, user_id)
    period = _period()
    entries = services.employee_access_report(employee.id, period)
    return render(
        "audit/report.html",
        subject=employee.display_name,
        entries=entries,
        period=period,
        by_client=False,
    )
