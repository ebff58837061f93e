from __future__ import annotations

from flask import Blueprint, abort, current_app, redirect, request, session, url_for
from flask_login import login_user, logout_user
from sqlalchemy import select

from app.auth import demo
from app.core.permissions import public
from app.core.rendering import render
from app.extensions import db
from app.tenants.models import Tenant

bp = Blueprint("auth", __name__, url_prefix="/auth")


@bp.get("/sign-in")
@public
def sign_in():
    if current_app.config["DEMO_SIGN_IN"]:
        return redirect(url_for("auth.demo_sign_in"))
    tenants = db.session.scalars(select(Tenant).order_by(Tenant.name)).all()
    return render("auth/sign_in.html", tenants=tenants)


@bp.post("/sign-out")
@public
def sign_out():
    logout_user()
    session.clear()
    return redirect(url_for("auth.sign_in"))


@bp.route("/demo", methods=["GET", "POST"])
@public
def demo_sign_in():
    # Exists in every config so the route table is the same, but answers only in
    # development; production refuses to start with DEMO_SIGN_IN on.
    if not current_app.config["DEMO_SIGN_IN"]:
        abort(404)
    if request.method == "POST":
        user = demo.find_demo_user(request.form.get("user", ""))
        if user is None:
            return render("auth/demo.html", directory=demo.demo_directory(), status=422, error=True)
        session.clear()  # a fresh session at every sign-in
        login_user(user)
        return redirect(url_for("core.start"))
    return render("auth/demo.html", directory=demo.demo_directory())
