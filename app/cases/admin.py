"""The municipality's settings for the aftercare file, for its tenant admin."""

from __future__ import annotations

from flask import redirect, request, url_for
from flask_login import current_user

from app.cases import forms
from app.cases.blueprint import bp
from app.cases.intake import tokens
from app.cases.services import saved_tenant_settings, tenant_settings
from app.core.actions import act
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
    form = forms.SettingsForm()
    if not form.validate():
        return render(
            "cases/admin_settings.html",
            status=422,
            settings=tenant_settings(),
            new_token=None,
            errors=form.error_dict(),
        )

    def save():
        settings = saved_tenant_settings()
        settings.social_network_domain = form.social_network_domain.data
        settings.trajectory_default_cost_cents = form.trajectory_default_cost_euros.data * 100
        settings.care_director_name = form.care_director_name.data
        settings.extra_facilities = form.extra_facilities.data or None

    return act(
        save,
        done=lambda _result: redirect(url_for("cases.admin_settings")),
        refused=lambda error, status: render(
            "cases/admin_settings.html",
            status=status,
            settings=tenant_settings(),
            new_token=None,
            errors={"form": error.message},
        ),
    )


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
