"""The regional volunteer programme (Circles of Support and Accountability), held by the
centre municipality: volunteers, their screening and training, and the public
application form. Everything here is a row of the centre municipality's tenant."""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l

from app.core.navigation import add_nav_entry
from app.core.permissions import Permission
from app.jobs.schedule import add_daily_jobs
from app.volunteers import jobs
from app.volunteers.views import bp


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    add_nav_entry(
        app,
        "volunteers.coordinator_pipeline",
        _l("Volunteers"),
        permission=Permission.VOLUNTEERS_MANAGE,
        order=30,
    )
    add_daily_jobs(app, jobs)
