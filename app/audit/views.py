"""The privacy officer's and tenant admin's views of the access log."""

from __future__ import annotations

import json
import uuid
from datetime import date

from flask import Blueprint, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from app.audit import retention, services
from app.audit.forms import ClientLookupForm
from app.audit.labels import template_helpers
from app.audit.models import AccessAction
from app.audit.subject_access import pdf_fields, subject_access_bundle
from app.audit.subjects import subjects
from app.audit.tracking import access_action, note_access
from app.core.pdf import render_pdf
from app.core.permissions import Permission, requires
from app.core.rendering import download, render
from app.core.settings import settings_page

bp = Blueprint("audit", __name__, url_prefix="/privacy")


@bp.app_context_processor
def inject_audit_labels() -> dict:
    return template_helpers(pdf_fields)


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
        subject_id=client.id,
        entries=entries,
        period=period,
        by_client=True,
    )


@bp.get("/employees/<uuid:user_id>")
@requires(Permission.ACCESS_LOG_READ)
def employee_report(user_id: uuid.UUID):
    employee = subjects().access_employee(current_user, user_id)
    period = _period()
    entries = services.employee_access_report(employee.id, period)
    return render(
        "audit/report.html",
        subject=employee.display_name,
        entries=entries,
        period=period,
        by_client=False,
    )


def _index_page(form: ClientLookupForm, status: int = 200):
    return render(
        "audit/index.html", form=form, employees=subjects().list_employees(), status=status
    )


@bp.get("/")
@requires(Permission.ACCESS_LOG_READ)
def index():
    return _index_page(ClientLookupForm())


@bp.post("/")
@requires(Permission.ACCESS_LOG_READ)
@access_action(AccessAction.SEARCH)
def find_client():
    """Find a file by citizen number; the number comes in the body, the redirect names the
    client by id only."""
    form = ClientLookupForm()
    if not form.validate_on_submit():
        return _index_page(form, status=422)
    client = subjects().find_client_by_bsn(form.bsn.data)
    if client is None:
        form.bsn.errors.append(_("No client with this citizen number in this municipality."))
        return _index_page(form)
    note_access(
        tenant_id=client.tenant_id,
        client_id=client.id,
        object_type="client",
        object_id=client.id,
        detail="lookup by citizen number",
    )
    return redirect(url_for("audit.client_report", client_id=client.id))


def _bundle_for(client_id: uuid.UUID) -> dict:
    client = services.access_client_for_report(current_user, client_id)
    note_access(
        tenant_id=client.tenant_id,
        client_id=client.id,
        object_type="subject_access",
        object_id=client.id,
    )
    return subject_access_bundle(client)


@bp.get("/clients/<uuid:client_id>/inzage.json")
@requires(Permission.SUBJECT_ACCESS)
@access_action(AccessAction.EXPORT)
def subject_access_json(client_id: uuid.UUID):
    bundle = _bundle_for(client_id)
    body = json.dumps(bundle, ensure_ascii=False, indent=2)
    return download(body, "application/json", f"inzage-{date.today()}.json")


@bp.get("/clients/<uuid:client_id>/inzage.pdf")
@requires(Permission.SUBJECT_ACCESS)
@access_action(AccessAction.EXPORT)
def subject_access_pdf(client_id: uuid.UUID):
    bundle = _bundle_for(client_id)
    pdf = render_pdf("audit/subject_access.html", bundle=bundle)
    return download(pdf, "application/pdf", f"inzage-{date.today()}.pdf")


@bp.get("/vernietigingslijst")
@requires(Permission.ACCESS_LOG_READ)
def destruction_list():
    return render("audit/destruction_list.html", records=retention.destruction_list())


@bp.route("/bewaartermijnen", methods=["GET", "POST"])
@requires(Permission.TENANT_ADMIN)
def retention_settings():
    # The periods are settings of the group "retention" (app.core.settings); a GET writes
    # nothing, the defaults hold until the first save.
    return settings_page(
        "retention",
        "audit/retention.html",
        "audit.retention_settings",
        message=_l("The retention periods have been saved."),
    )
