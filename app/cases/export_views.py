"""Export routes: the case list as CSV, the whole file as PDF."""

from __future__ import annotations

import re
import uuid
from datetime import date

from flask import request
from flask_login import current_user

from app.audit.models import AccessAction
from app.audit.tracking import access_action, note_access
from app.cases import export, listing, services
from app.cases.blueprint import bp
from app.cases.views import case_context
from app.core.permissions import Permission, requires
from app.core.rendering import download
from app.extensions import db


@bp.get("/export.csv")
@requires(Permission.CASE_READ)
@access_action(AccessAction.EXPORT)
def export_case_list():
    query = listing.CaseQuery.from_args(request.args)
    cases = listing.all_matching(query)
    for case in cases:  # an export is logged per client whose data leaves the portal
        note_access(
            tenant_id=case.tenant_id,
            client_id=case.client_id,
            object_type="case",
            object_id=case.id,
            detail="case list CSV",
        )
    export.record_export(
        current_user,
        kind="case_list_csv",
        detail={"query": query.to_args(page=1), "rows": len(cases)},
    )
    body = export.case_list_csv(cases)
    return download(body, "text/csv; charset=utf-8", f"nazorgdossiers-{date.today()}.csv")


@bp.get("/<uuid:case_id>/export.pdf")
@requires(Permission.CASE_READ)
@access_action(AccessAction.EXPORT)
def export_case_pdf(case_id: uuid.UUID):
    case = services.access_case(current_user, case_id)
    export.record_export(current_user, kind="case_file_pdf", case_id=case.id)
    db.session.commit()
    pdf = export.case_file_pdf(case_context(case))
    family = re.sub(r"[^A-Za-z0-9]+", "-", case.client.family_name).strip("-") or "client"
    name = f"nazorgdossier-{family}-{date.today()}.pdf"
    return download(pdf, "application/pdf", name)
