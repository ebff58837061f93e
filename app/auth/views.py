from __future__ import annotations

from flask import Blueprint, abort, current_app, redirect, request, session, url_for

from app.auth import demo, oidc, services
from app.auth.events import Event, record_security_event
from app.auth.oidc import SignInRejected
from app.auth.session import current_session_value, establish_session
from app.auth.urls import portal_url
from app.core.actions import commit
from app.core.permissions import public
from app.core.rendering import render
from app.tenants.api import all_tenants, tenant_by_slug, tenant_for_host

bp = Blueprint("auth", __name__, url_prefix="/auth")

# Rejections that mean "this person has no access" rather than "something went wrong".
NO_ACCESS_REASONS = {"no_role", "deactivated"}


def _client_details() -> dict:
    return {"origin": request.remote_addr, "user_agent": request.headers.get("User-Agent")}


@bp.get("/sign-in")
@public
def sign_in():
    if current_app.config["DEMO_SIGN_IN"]:
        return redirect(url_for("auth.demo_sign_in"))
    tenant = tenant_for_host(request.host, current_app.config["TENANT_HOSTS"])
    if tenant is not None:
        return redirect(url_for("auth.oidc_login", slug=tenant.slug))
    return render("auth/sign_in.html", tenants=all_tenants())


@bp.get("/<slug>/login")
@public
def oidc_login(slug: str):
    tenant = tenant_by_slug(slug)
    config = oidc.provider_config(tenant)
    if config is None:
        abort(404)
    callback = portal_url(url_for("auth.oidc_callback", slug=slug))
    try:
        # The pending state is stored before the browser leaves.
        return commit(lambda: oidc.begin_sign_in(config, callback))
    except SignInRejected as rejected:
        return _rejected(tenant, rejected)


@bp.get("/<slug>/callback")
@public
def oidc_callback(slug: str):
    tenant = tenant_by_slug(slug)
    config = oidc.provider_config(tenant)
    if config is None:
        abort(404)
    try:
        identity = oidc.complete_sign_in(config, request.args.to_dict())
        cookie = services.start_staff_session(config, identity, **_client_details())
    except SignInRejected as rejected:
        return _rejected(tenant, rejected)
    establish_session(cookie)
    return redirect(url_for("core.start"))


def _rejected(tenant, rejected: SignInRejected):
    record_security_event(
        tenant.id, Event.SIGN_IN_FAILED, rejected.reason, detail=rejected.detail or None
    )
    status = 403 if rejected.reason in NO_ACCESS_REASONS else 401
    return render(
        "auth/sign_in_failed.html",
        tenant=tenant,
        reason=rejected.reason,
        no_access=rejected.reason in NO_ACCESS_REASONS,
        status=status,
    )


@bp.post("/sign-out")
@public
def sign_out():
    ended = services.sign_out(current_session_value())
    session.clear()
    if ended is not None and ended.id_token:
        tenant = next((t for t in all_tenants() if t.id == ended.tenant_id), None)
        config = oidc.provider_config(tenant) if tenant else None
        if config is not None:
            target = oidc.logout_url(config, ended.id_token, portal_url(url_for("auth.signed_out")))
            if target:
                return redirect(target)
    return redirect(url_for("auth.signed_out"))


@bp.get("/signed-out")
@public
def signed_out():
    return render("auth/signed_out.html")


@bp.route("/demo", methods=["GET", "POST"])
@public
def demo_sign_in():
    # Exists in every config so the route table is the same, but answers only in
    # development; production refuses to start with DEMO_SIGN_IN on.
    if not current_app.config["DEMO_SIGN_IN"]:
        abort(404)
    if request.method == "POST":
        user = demo.find_demo_user(request.form.get("user", ""))
        cookie = user and services.start_session_for(
            user.tenant_id, user.id, method="demo", **_client_details()
        )
        if not cookie:
            return render("auth/demo.html", directory=demo.demo_directory(), status=422, error=True)
        establish_session(cookie)
        return redirect(url_for("core.start"))
    return render("auth/demo.html", directory=demo.demo_directory())
