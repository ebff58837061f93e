"""The access log of client data (NEN 7513): who read, changed, searched or exported what
of which client (the PDF export is the print of a file), or revealed a citizen number,
when, in which role, from where. ``on_behalf_of`` is empty until a role acts for someone
else. Also the platform's retention runner (``retention``) and the access request
(``subject_access``), which the features fill through registries."""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l

from app.audit import jobs, retention, tracking
from app.audit.views import bp
from app.core.navigation import add_nav_entry
from app.core.permissions import Permission
from app.jobs.schedule import add_daily_jobs


def init_app(app: Flask) -> None:
    tracking.init_app(app)
    app.register_blueprint(bp)
    retention.init_app(app)
    add_daily_jobs(app, jobs)
    add_nav_entry(
        app, "audit.index", _l("Privacy"), permission=Permission.ACCESS_LOG_READ, order=90
    )
