"""The tenant admin's page of complete exports: start one, follow its progress (htmx
polling), download the finished zip. Tenant admins of the municipality only; every
download is in the access log and the security log."""

from __future__ import annotations

import uuid
from datetime import date

from flask import Blueprint, redirect, send_file, url_for
from flask_login import current_user
from werkzeug.exceptions import NotFound

from app.audit.models import AccessAction
from app.audit.services import record_access
from app.audit.tracking import Actor, access_action
from app.auth.api import record_security_event
from app.core.actions import act
from app.core.audit import report_refused_access
from app.core.permissions import Permission, requires
from app.core.rendering import render
from app.extensions import db
from app.lifecycle import export_job
from app.lifecycle.export import LifecycleEvent
from app.lifecycle.models import ExportStatus, TenantExport
from app.tenants.api import Tenant

bp = Blueprint("lifecycle", __name__, url_prefix="/admin/export")


def _page(status: int = 200):
    rows = export_job.exports()
    return render(
        "lifecycle/exports.html",
        block="exports",
        status=status,
        exports=rows,
        active=any(row.is_active for row in rows),
        keep_days=export_job.keep_days(),
    )


@bp.get("/")
@requires(Permission.TENANT_ADMIN)
def exports():
    """The exports of the municipality (polled by htmx while one is running)."""
    return _page()


@bp.post("/")
@requires(Permission.TENANT_ADMIN)
def start_export():
    return act(
        lambda: export_job.start_export(current_user),
        done=lambda _row: redirect(url_for("lifecycle.exports"), 303),
        refused=lambda _error, status: _page(status),
    )


@bp.get("/<uuid:export_id>/download")
@requires(Permission.TENANT_ADMIN)
@access_action(AccessAction.EXPORT)
def download_export(export_id: uuid.UUID):
    row = db.session.get(TenantExport, (current_user.tenant_id, export_id))
    path = export_job.zip_path(row) if row is not None else None
    if row is None or row.status != ExportStatus.DONE.value or not path.is_file():
        report_refused_access(current_user, "tenant_export", str(export_id))
        raise NotFound()
    tenant = db.session.get(Tenant, current_user.tenant_id)
    detail = f"download of the complete export {row.id}, sha256 {(row.checksum or '')[:16]}"
    record_access(
        Actor(
            current_user.id, current_user.display_name, current_user.tenant_id, current_user.role
        ),
        tenant_id=current_user.tenant_id,
        client_id=None,
        object_type="tenant_export",
        object_id=str(row.id),
        action=AccessAction.EXPORT,
        detail=detail,
    )
    record_security_event(
        current_user.tenant_id,
        LifecycleEvent.TENANT_EXPORT_DOWNLOADED,
        "success",
        user_id=current_user.id,
        detail=detail,
    )
    made = row.created_at.date() if row.created_at else date.today()
    name = f"nazorgportaal-{tenant.slug}-{made}.zip"
    response = send_file(path, mimetype="application/zip", as_attachment=True, download_name=name)
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
