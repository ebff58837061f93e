"""The municipality's settings for the aftercare file, for its tenant admin."""

from __future__ import annotations

from flask import redirect, request, url_for
from flask_babel import lazy_gettext as _
from flask_login import current_user

from app.cases.blueprint import bp
from app.cases.intake import tokens
from app.cases.services import tenant_settings
from app.core.actions import act
from app.core.permissions import Permission, requires
from app.core.settings import settings_page


@bp.route("/admin/settings", methods=["GET"])
@requires(Permission.TENANT_ADMIN)
def admin_settings():
    return _settings_page()


@bp.post("/admin/settings")
@requires(Permission.TENANT_ADMIN)
def admin_settings_save():
    return _settings_page()


def _settings_page():
    """Every registered setting of the municipality (grouped), from the settings store."""
    return settings_page(
        None,
        "cases/admin_settings.html",
        "cases.admin_settings",
        message=_("The settings have been saved."),
        settings=tenant_settings(),
        new_token=None,
    )


@bp.post("/admin/api-token")
@requires(Permission.TENANT_ADMIN)
def admin_api_token():
    if request.form.get("action") == "revoke":
        return act(
            tokens.revoke_token,
            done=lambda _result: redirect(url_for("cases.admin_settings")),
            refused=lambda error, status: _settings_page(),
        )

    def shown_once(token: str):
        # Shown once, in this answer only; the portal keeps its hash.
        response = settings_page(
            None,
            "cases/admin_settings.html",
            "cases.admin_settings",
            settings=tenant_settings(),
            new_token=token,
            show_only=True,
        )
        response.headers["Cache-Control"] = "no-store"
        return response

    return act(
        lambda: tokens.issue_token(current_user.tenant_id),
        done=shown_once,
        refused=lambda error, status: _settings_page(),
    )
