"""The tenant admin's pages: accounts, invitations, the identity provider, the security log."""

from __future__ import annotations

import uuid

from flask import Blueprint, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.auth import accounts, local
from app.auth.accounts import LastAdminRefused, SettingsRejected
from app.auth.events import Event, record_security_event
from app.auth.forms import IdentityProviderForm, InviteForm, RoleForm
from app.auth.mail import send_account_link
from app.core.permissions import Permission, Role, requires
from app.core.rendering import render
from app.extensions import db
from app.tenants.api import Tenant

bp = Blueprint("accounts", __name__, url_prefix="/beheer")


@bp.get("/accounts")
@requires(Permission.ACCOUNTS_MANAGE)
def user_list():
    return render("auth/admin/users.html", users=accounts.list_users(), role_form=RoleForm())


def _refused_list(refused: LastAdminRefused):
    """The account list with the reason, 409: the change conflicts with the others' state."""
    db.session.rollback()  # and the admin rows' lock goes with it
    return render(
        "auth/admin/users.html",
        users=accounts.list_users(),
        role_form=RoleForm(),
        error=str(refused),
        status=409,
    )


@bp.post("/accounts/<uuid:user_id>/role")
@requires(Permission.ACCOUNTS_MANAGE)
def change_role(user_id: uuid.UUID):
    form = RoleForm()
    user = accounts.access_user(current_user, user_id)
    if form.validate_on_submit():
        try:
            accounts.change_role(current_user, user, form.role.data)
        except LastAdminRefused as refused:
            return _refused_list(refused)
        except SettingsRejected as rejected:
            flash(str(rejected), "error")
        else:
            db.session.commit()
            flash(_("The role of %(name)s has been changed.", name=user.display_name), "ok")
    return redirect(url_for("accounts.user_list"))


@bp.post("/accounts/<uuid:user_id>/deactivate")
@requires(Permission.ACCOUNTS_MANAGE)
def deactivate(user_id: uuid.UUID):
    user = accounts.access_user(current_user, user_id)
    try:
        accounts.deactivate(current_user, user)
    except LastAdminRefused as refused:
        return _refused_list(refused)
    db.session.commit()
    flash(_("%(name)s can no longer sign in.", name=user.display_name), "ok")
    return redirect(url_for("accounts.user_list"))


@bp.post("/accounts/<uuid:user_id>/end-sessions")
@requires(Permission.ACCOUNTS_MANAGE)
def end_sessions(user_id: uuid.UUID):
    user = accounts.access_user(current_user, user_id)
    accounts.end_sessions(current_user, user)
    db.session.commit()
    flash(_("All sessions of %(name)s have been ended.", name=user.display_name), "ok")
    return redirect(url_for("accounts.user_list"))


@bp.route("/uitnodigingen/nieuw", methods=["GET", "POST"])
@requires(Permission.ACCOUNTS_INVITE)
def invite():
    form = InviteForm()
    if form.validate_on_submit():
        try:
            user, token = local.invite(
                form.display_name.data, form.email.data, Role(form.role.data)
            )
        except ValueError:
            form.email.errors.append(_("This address already has an active account."))
        else:
            # The mail joins the account's transaction: both or neither.
            link = url_for("local.activate", slug=current_tenant_slug(), token=token)
            send_account_link(
                current_user.tenant_id, user.email, "invitation", link, user.display_name
            )
            user_id, email = user.id, user.email
            db.session.commit()
            record_security_event(
                current_user.tenant_id,
                Event.INVITATION_SENT,
                "success",
                user_id=user_id,
                account=email,
                detail=f"by {current_user.id}",
            )
            flash(_("An invitation has been sent to %(email)s.", email=email), "ok")
            return redirect(url_for("accounts.invite"))
    return render("auth/admin/invite.html", form=form, status=422 if form.errors else 200)


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
    error = None
    if form.validate_on_submit():
        try:
            accounts.save_identity_provider(current_user, form.data)
        except SettingsRejected as rejected:
            error = str(rejected)
        else:
            db.session.commit()
            flash(_("The sign-in settings have been saved."), "ok")
            return redirect(url_for("accounts.identity_provider"))
    return render(
        "auth/admin/identity_provider.html",
        form=form,
        error=error,
        status=422 if (error or form.errors) else 200,
    )


@bp.get("/beveiligingslog")
@requires(Permission.ACCOUNTS_MANAGE)
def security_log():
    return render("auth/admin/security_log.html", events=accounts.recent_security_events())
