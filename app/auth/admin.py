"""The tenant admin's pages: accounts, invitations, the identity provider, the security log."""

from __future__ import annotations

import uuid

from flask import Blueprint, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.auth import accounts
from app.auth.events import Event, record_security_event
from app.auth.forms import IdentityProviderForm, InviteForm, RoleForm
from app.core.actions import act
from app.core.permissions import Permission, Role, requires
from app.core.rendering import render
from app.extensions import db
from app.tenants.api import Tenant

bp = Blueprint("accounts", __name__, url_prefix="/beheer")


@bp.get("/accounts")
@requires(Permission.ACCOUNTS_MANAGE)
def user_list():
    return _list_page()


def _list_page(error=None, status: int = 200):
    return render(
        "auth/admin/users.html",
        users=accounts.list_users(),
        role_form=RoleForm(),
        error=str(error) if error else None,
        status=status,
    )


def _back_to_list(_result=None):
    return redirect(url_for("accounts.user_list"))


def _refused_on_list(error, status: int):
    """The list again, with the reason on it and the refusal's status: the last admin
    (409: the change conflicts with the others' state) or another refusal (422: a role
    this municipality cannot give). A redirect here answered a refusal as a success."""
    return _list_page(error.message, status)


@bp.post("/accounts/<uuid:user_id>/role")
@requires(Permission.ACCOUNTS_MANAGE)
def change_role(user_id: uuid.UUID):
    form = RoleForm()
    user = accounts.access_user(current_user, user_id)
    if not form.validate_on_submit():
        # A role that is not in the list (no page sends one): refused on the list, not
        # passed over with a redirect that looks like a saved change.
        return _list_page(_("Unknown role."), 422)
    return act(
        lambda: accounts.change_role(current_user, user, form.role.data),
        done=_back_to_list,
        refused=_refused_on_list,
        message=_("The role of %(name)s has been changed.", name=user.display_name),
    )


@bp.post("/accounts/<uuid:user_id>/deactivate")
@requires(Permission.ACCOUNTS_MANAGE)
def deactivate(user_id: uuid.UUID):
    user = accounts.access_user(current_user, user_id)
    return act(
        lambda: accounts.deactivate(current_user, user),
        done=_back_to_list,
        refused=_refused_on_list,
        message=_("%(name)s can no longer sign in.", name=user.display_name),
    )


@bp.post("/accounts/<uuid:user_id>/end-sessions")
@requires(Permission.ACCOUNTS_MANAGE)
def end_sessions(user_id: uuid.UUID):
    user = accounts.access_user(current_user, user_id)
    return act(
        lambda: accounts.end_sessions(current_user, user),
        done=_back_to_list,
        refused=_refused_on_list,
        message=_("All sessions of %(name)s have been ended.", name=user.display_name),
    )


@bp.route("/uitnodigingen/nieuw", methods=["GET", "POST"])
@requires(Permission.ACCOUNTS_INVITE)
def invite():
    form = InviteForm()

    def page(status: int = 200, alert=None):
        return render("auth/admin/invite.html", form=form, alert=alert, status=status)

    if not form.validate_on_submit():
        return page(422 if form.errors else 200)
    tenant_id, actor_id = current_user.tenant_id, current_user.id

    def sent(user):
        record_security_event(
            tenant_id,
            Event.INVITATION_SENT,
            "success",
            user_id=user.id,
            account=user.email,
            detail=f"by {actor_id}",
        )
        flash(_("An invitation has been sent to %(email)s.", email=user.email), "ok")
        return redirect(url_for("accounts.invite"))

    def refused(error, status):
        if error.field and error.field in form:
            form[error.field].errors = [*form[error.field].errors, error.message]
            return page(status)
        return page(status, alert=error.message)

    slug = current_tenant_slug()
    return act(
        lambda: accounts.invite(
            current_user,
            form.display_name.data,
            form.email.data,
            Role(form.role.data),
            lambda token: url_for("local.activate", slug=slug, token=token),
        ),
        done=sent,
        refused=refused,
    )


def current_tenant_slug() -> str:
    return db.session.get(Tenant, current_user.tenant_id).slug


@bp.route("/inlogdienst", methods=["GET", "POST"])
@requires(Permission.ACCOUNTS_MANAGE)
def identity_provider():
    row = accounts.identity_provider()
    # The saved settings fill the form only when it is shown; a post is judged on what it
    # holds (a missing field would otherwise keep the saved value, a dict for the mapping).
    form = IdentityProviderForm() if request.method == "POST" else IdentityProviderForm(obj=row)
    if row is not None and not form.is_submitted():
        form.role_mapping.data = accounts.mapping_as_text(row.role_mapping)
    if row is None and not form.is_submitted():
        form.scopes.data = "openid profile email"
        form.roles_claim.data = "roles"
        form.enabled.data = True

    def page(error=None, status: int = 200):
        return render(
            "auth/admin/identity_provider.html",
            form=form,
            error=str(error) if error else None,
            status=status,
        )

    if not form.validate_on_submit():
        return page(status=422 if form.errors else 200)
    return act(
        lambda: accounts.save_identity_provider(current_user, form.data),
        done=lambda _row: redirect(url_for("accounts.identity_provider")),
        refused=lambda error, status: page(error.message, status),
        message=_("The sign-in settings have been saved."),
    )


@bp.get("/beveiligingslog")
@requires(Permission.ACCOUNTS_MANAGE)
def security_log():
    return render("auth/admin/security_log.html", events=accounts.recent_security_events())
