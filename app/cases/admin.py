"""The municipality's settings for the aftercare file, for its tenant admin."""

from __future__ import annotations

from flask import redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.cases import forms
from app.cases.blueprint import bp
from app.cases.intake import tokens
from app.cases.services import saved_tenant_settings, tenant_settings
from app.core.permissions import Permission, requires
from app.core.rendering import render
from app.extensions import db


@bp.get("/admin/settings")
@requires(Permission.TENANT_ADMIN)
def admin_settings():
    return render("cases/admin_settings.html", settings=tenant_settings(), new_token=None)


@bp.post("/admin/settings")
@requires(Permission.TENANT_ADMIN)
def admin_settings_save():
    errors = forms.FormErrors()
    cost = forms.parse_int(request.form, "trajectory_default_cost_euros", errors, required=True)
    if cost is not None and not 0 <= cost <= 1_000_000:
        errors["trajectory_default_cost_euros"] = "0 – 1.000.000"
    care_director = (request.form.get("care_director_name") or "").strip()
    if not care_director or len(care_director) > 200:
        errors["care_director_name"] = _("Name the care director (at most 200 characters).")
    if errors:
        return render(
            "cases/admin_settings.html",
            status=422,
            settings=tenant_settings(),
            new_token=None,
            errors=errors,
        )
    settings = saved_tenant_settings()
    settings.social_network_domain = forms.parse_bool(request.form, "social_network_domain")
    settings.trajectory_default_cost_cents = cost * 100
    settings.care_director_name = care_director
    db.session.commit()
    return redirect(url_for("cases.admin_settings"))


@bp.post("/admin/api-token")
@requires(Permission.TENANT_ADMIN)
def admin_api_token():
    if request.form.get("action") == "revoke":
        tokens.revoke_token()
        db.session.commit()
        return redirect(url_for("cases.admin_settings"))
    token = tokens.issue_token(current_user.tenant_id)
    db.session.commit()
    # Shown once, in this answer only; the portal keeps its hash.
    response = render("cases/admin_settings.html", settings=tenant_settings(), new_token=token)
    response.headers["Cache-Control"] = "no-store"
    return response
