from __future__ import annotations

import uuid

from flask import Blueprint, redirect, request, url_for
from flask_login import current_user

from app.core.actions import commit
from app.core.permissions import Permission, requires
from app.core.rendering import render
from app.extensions import db
from app.jobs import failed

bp = Blueprint("jobs", __name__, url_prefix="/admin/jobs")


def _failed_page(status: int = 200, **flags):
    try:
        jobs, unavailable = failed.failed_jobs(), False
    except failed.QueueUnavailable:
        jobs, unavailable = [], True
    return render(
        "jobs/failed.html",
        jobs=jobs,
        unavailable=unavailable,
        rerun=flags.get("rerun", False),
        purged=flags.get("purged", False),
        status=status,
    )


@bp.get("/failed")
@requires(Permission.TENANT_ADMIN)
def failed_jobs():
    return _failed_page(rerun=request.args.get("rerun") == "1")


@bp.post("/failed/<uuid:outbox_id>/run-again")
@requires(Permission.TENANT_ADMIN)
def run_again(outbox_id: uuid.UUID):
    try:
        commit(lambda: failed.run_again(current_user, outbox_id))
    except failed.QueueUnavailable:
        db.session.rollback()
        return render("jobs/failed.html", jobs=[], unavailable=True, rerun=False, status=503)
    except failed.ArgumentsPurged:
        db.session.rollback()
        return _failed_page(status=409, purged=True)
    return redirect(url_for("jobs.failed_jobs", rerun="1"))
