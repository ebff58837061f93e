"""Export routes: the case list as CSV, the whole file as PDF."""

from __future__ import annotations

import re
import uuid
from datetime import date

from flask import request, stream_with_context
from flask_login import current_user

from app.audit.models import AccessAction
from app.audit.tracking import Actor, access_action, not_recorded
from app.cases import export, listing, services
from app.cases.blueprint import bp
from app.cases.views import file_context
from app.core.actions import commit
from app.core.permissions import Permission, requires
from app.core.rendering import download


@bp.get("/export.csv")
@requires(Permission.CASE_READ)
@access_action(AccessAction.EXPORT)
def export_case_list():
    query = listing.CaseQuery.from_args(request.args)
    actor = Actor(
        current_user.id, current_user.display_name, current_user.tenant_id, current_user.role
    )
    matching = listing.filtered(query, date.today())
    try:
        clients = export.log_case_list_export(actor, matching)
    except Exception:  # noqa: BLE001 - without its record no row of the list may leave
        return not_recorded()
    export.record_export(
        current_user,
        kind="case_list_csv",
        detail={"query": query.to_args(page=1), "rows": clients},
    )
    body = stream_with_context(
        export.case_list_csv(
            actor, listing.ordered(listing.with_client(matching, query), query), actor.tenant_id
        )
    )
    return download(body, "text/csv; charset=utf-8", f"nazorgdossiers-{date.today()}.csv")


@bp.get("/<uuid:case_id>/export.pdf")
@requires(Permission.CASE_READ)
@access_action(AccessAction.EXPORT)
def export_case_pdf(case_id: uuid.UUID):
    case = services.access_case(current_user, case_id)
    # Recorded (committed) before the file leaves.
    commit(lambda: export.record_export(current_user, kind="case_file_pdf", case_id=case.id))
    pdf = export.case_file_pdf(file_context(case))
    family = re.sub(r"[^A-Za-z0-9]+", "-", case.client.family_name).strip("-") or "client"
    name = f"nazorgdossier-{family}-{date.today()}.pdf"
    return download(pdf, "application/pdf", name)
