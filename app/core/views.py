from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, current_app, jsonify, redirect, request, session, url_for
from flask_login import current_user

from app.core.health import health_report
from app.core.permissions import Permission, Role, public, requires
from app.core.registry import entries
from app.core.rendering import render

bp = Blueprint("core", __name__)


@bp.get("/healthz")
@public
def healthz():
    report, status = health_report()
    return jsonify(report), status


@bp.get("/")
@public
def index():
    if current_user.is_authenticated:
        return redirect(url_for("core.start"))
    return redirect(url_for("auth.sign_in"))


@bp.get("/start")
@requires(Permission.START_PAGE)
def start():
    if current_user.role == Role.CASE_WORKER:
        return redirect(url_for("cases.case_list"))
    # Panels the features register (``entries("start_panels")``): callables giving a dict
    # with the "template" to include and what it shows (as ``panel``), or None.
    panels = [shown for panel in entries("start_panels") if (shown := panel())]
    return render("core/start.html", panels=panels)


@bp.post("/taal")
@public
def choose_language():
    """Dutch by default; English on request, kept in the session."""
    chosen = request.form.get("locale")
    if chosen in current_app.config["LANGUAGES"]:
        session["locale"] = chosen
    return redirect(local_path(request.form.get("next")) or url_for("core.index"))


def local_path(target: str | None) -> str | None:
    """``target`` when it is a path on this site, else None: never an open redirect.

    Browsers drop tabs and newlines and read a backslash as a slash, so a path with
    either could still leave the site; such a target is refused as a whole.
    """
    if not target or any(ord(char) < 0x20 or char in "\\\x7f" for char in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


@bp.get("/over")
@requires(Permission.START_PAGE)
def about():
    """A fixed page behind sign-in: what the portal is. The benchmark's floor: every
    middleware step a real page takes (session, tenant, permission, access headers), with
    no query of its own beyond them (bench/deployment.py)."""
    return render("core/about.html")
