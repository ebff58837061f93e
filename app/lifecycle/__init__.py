"""A municipality joins, takes its data along, and leaves (``flask tenants --help``).

A feature above ``auth`` and ``cases``: onboarding creates the first admin and the
file's defaults through their ``api`` modules. The tables a municipality owns come from
the metadata (``catalogue.py``), never from a list.
"""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l

from app.core.navigation import add_nav_entry
from app.core.permissions import Permission
from app.jobs.schedule import add_daily_jobs
from app.lifecycle import (
    export_job,
    models,  # noqa: F401 - the destruction record's table
)
from app.lifecycle.cli import register_cli
from app.lifecycle.views import bp


def init_app(app: Flask) -> None:
    register_cli(app)
    app.register_blueprint(bp)
    add_daily_jobs(app, export_job)
    add_nav_entry(
        app,
        "lifecycle.exports",
        _l("Complete export"),
        permission=Permission.TENANT_ADMIN,
        order=45,
    )
