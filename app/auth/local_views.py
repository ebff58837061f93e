"""Sign-in, activation and password reset of local accounts, per municipality.

The municipality in the URL only says which door the person came through; every
lookup runs in that municipality's own session (``tenant_app_context``), and the
session that results belongs to the account's tenant.
"""

from __future__ import annotations

import math
import time
import uuid

from flask import Blueprint, redirect, request, session, url_for
from flask_babel import gettext as _

from app.auth import local, passwords
from app.auth.events import Event, record_security_event
from app.auth.forms import CodeStepForm, NewPasswordForm, PasswordStepForm, ResetRequestForm
from app.auth.local import LocalSignInRefused, PasswordChecked, TokenInvalid
from app.auth.mail import send_account_link
from app.auth.services import start_session_for
from app.auth.session import establish_session
from app.core.actions import act, commit
from app.core.context import tenant_app_context
from app.core.permissions import public
from app.core.rendering import render
from app.tenants.api import tenant_by_slug

bp = Blueprint("local", __name__, url_prefix="/auth/<slug>")

PENDING_KEY = "pending_second_factor"
PENDING_SECONDS = 300


def _refusal(refused: LocalSignInRefused) -> str:
    if refused.answer == "throttled":
        return _(
            "Too many failed attempts. Try again in %(wait)s.",
            wait=_wait_in_words(refused.wait_seconds),
        )
    if refused.answer == "invalid_code":
        return _("The code is not correct. Use the newest code from your app.")
    # A wrong password, an unknown, an inactive and a locked account: one answer.
    return _("The e-mail address or password is not correct.")


def _wait_in_words(seconds: int) -> str:
    """The wait, rounded up to what a person reads: seconds, minutes or hours."""
    if seconds < 60:
        n = max(seconds, 1)
        return _("1 second") if n == 1 else _("%(n)s seconds", n=n)
    if seconds < 2 * 3600:
        n = math.ceil(seconds / 60)
        return _("1 minute") if n == 1 else _("%(n)s minutes", n=n)
    return _("%(n)s hours", n=math.ceil(seconds / 3600))


REFUSAL_STATUS = {"invalid": 401, "invalid_code": 401, "throttled": 429}


def _refused_page(template: str, refused: LocalSignInRefused, **context):
    response = render(
        template, error=_refusal(refused), status=REFUSAL_STATUS[refused.answer], **context
    )
    if refused.wait_seconds:
        response.headers["Retry-After"] = str(refused.wait_seconds)
    return response


@bp.route("/local", methods=["GET", "POST"])
@public
def password_step(slug: str):
    tenant = tenant_by_slug(slug)
    form = PasswordStepForm()
    if form.validate_on_submit():
        try:
            checked = local.check_password(
                tenant.id, form.email.data, form.password.data, request.remote_addr
            )
        except LocalSignInRefused as refused:
            return _refused_page("auth/local_password.html", refused, form=form, tenant=tenant)
        session.clear()
        session[PENDING_KEY] = {
            "tenant": checked.tenant_id,
            "user": str(checked.user_id),
            "at": int(time.time()),
        }
        return redirect(url_for("local.code_step", slug=slug))
    return render(
        "auth/local_password.html", form=form, tenant=tenant, status=422 if form.errors else 200
    )


def _pending() -> PasswordChecked | None:
    pending = session.get(PENDING_KEY)
    if not pending or time.time() - pending.get("at", 0) > PENDING_SECONDS:
        return None
    return PasswordChecked(tenant_id=pending["tenant"], user_id=uuid.UUID(pending["user"]))


@bp.route("/local/code", methods=["GET", "POST"])
@public
def code_step(slug: str):
    tenant = tenant_by_slug(slug)
    checked = _pending()
    if checked is None or checked.tenant_id != tenant.id:
        return redirect(url_for("local.password_step", slug=slug))
    form = CodeStepForm()
    if form.validate_on_submit():
        try:
            local.check_code(checked, form.code.data, request.remote_addr)
        except LocalSignInRefused as refused:
            return _refused_page("auth/local_code.html", refused, form=form, tenant=tenant)
        cookie = start_session_for(
            checked.tenant_id,
            checked.user_id,
            method="local",
            origin=request.remote_addr,
            user_agent=request.headers.get("User-Agent"),
        )
        if cookie is None:
            return redirect(url_for("local.password_step", slug=slug))
        establish_session(cookie)
        return redirect(url_for("core.start"))
    return render(
        "auth/local_code.html", form=form, tenant=tenant, status=422 if form.errors else 200
    )


@bp.route("/invitation/<token>", methods=["GET", "POST"])
@public
def activate(slug: str, token: str):
    tenant = tenant_by_slug(slug)
    form = NewPasswordForm()
    errors: list = []
    with tenant_app_context(tenant.id):
        try:
            record = local.token_user(token, local.INVITE)
        except TokenInvalid:
            return render("auth/link_invalid.html", tenant=tenant, status=404)
        user = record.user
        if user.totp_secret is None:
            # The secret the QR code shows is kept, so that a reload shows the same one.
            commit(lambda: _new_totp_secret(user))
        if form.validate_on_submit():
            answer = act(
                lambda: local.activate(
                    record, form.password.data, user.totp_secret, form.code.data
                ),
                done=lambda activated: _activated(tenant.id, activated, slug),
                refused=lambda error, _status: errors.append(error.message),
            )
            if answer is not None:
                return answer
        qr_svg = passwords.totp_qr_svg(user.totp_secret, user.subject)
        secret, name = user.totp_secret, user.display_name
    error = str(errors[0]) if errors else None
    return render(
        "auth/activate.html",
        form=form,
        tenant=tenant,
        qr_svg=qr_svg,
        secret=secret,
        name=name,
        error=error,
        status=422 if (error or form.errors) else 200,
    )


def _new_totp_secret(user) -> None:
    user.totp_secret = passwords.new_totp_secret()


def _activated(tenant_id: int, user, slug: str):
    record_security_event(
        tenant_id, Event.ACCOUNT_ACTIVATED, "success", user_id=user.id, account=user.subject
    )
    return redirect(url_for("local.password_step", slug=slug, activated=1))


@bp.route("/reset", methods=["GET", "POST"])
@public
def request_reset(slug: str):
    tenant = tenant_by_slug(slug)
    form = ResetRequestForm()
    if form.validate_on_submit():
        with tenant_app_context(tenant.id):
            token = commit(lambda: local.request_reset(form.email.data))
        if token:
            send_account_link(
                tenant.id,
                local.normalise_email(form.email.data),
                "reset",
                url_for("local.reset", slug=slug, token=token),
                "",
            )
        # The same answer whether or not the address is known.
        return render("auth/reset_requested.html", tenant=tenant)
    return render(
        "auth/reset_request.html", form=form, tenant=tenant, status=422 if form.errors else 200
    )


@bp.route("/reset/<token>", methods=["GET", "POST"])
@public
def reset(slug: str, token: str):
    tenant = tenant_by_slug(slug)
    form = NewPasswordForm()
    errors: list = []
    with tenant_app_context(tenant.id):
        try:
            record = local.token_user(token, local.RESET)
        except TokenInvalid:
            return render("auth/link_invalid.html", tenant=tenant, status=404)
        if form.validate_on_submit():
            answer = act(
                lambda: local.reset_password(record, form.password.data, form.code.data),
                done=lambda user: _password_reset(tenant.id, user, slug),
                refused=lambda error, _status: errors.append(error.message),
            )
            if answer is not None:
                return answer
    error = str(errors[0]) if errors else None
    return render(
        "auth/reset.html",
        form=form,
        tenant=tenant,
        error=error,
        status=422 if (error or form.errors) else 200,
    )


def _password_reset(tenant_id: int, user, slug: str):
    record_security_event(
        tenant_id, Event.PASSWORD_RESET, "success", user_id=user.id, account=user.subject
    )
    return redirect(url_for("local.password_step", slug=slug, reset=1))
