"""The regional feature: what the centre municipality's regional coordinator sees of the
region (the overview with its charts, downloads and the monitor export; the logged
opening of the cases behind a figure; budgets and the grant's accountability), and each
municipality's own overview of its figures. The only user of ``regional_read``; it reads
the file through ``app.cases.api``."""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l

from app.core import signals
from app.core.i18n import format_cents
from app.core.navigation import add_nav_entry
from app.core.permissions import Permission
from app.regional import budget
from app.regional.budget_views import bp as budget_bp
from app.regional.grant_views import bp as grant_bp
from app.regional.overview import may_see_region
from app.regional.views import bp


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    app.register_blueprint(budget_bp)
    app.register_blueprint(grant_bp)
    _connect_budget(app)
    add_nav_entry(
        app,
        "budget.budget_page",
        _l("Budget"),
        permission=Permission.BUDGET_APPROVE,
        order=61,
    )
    add_nav_entry(
        app,
        "budget.region_money",
        _l("Money of the region"),
        permission=Permission.REGIONAL_OVERVIEW,
        visible=may_see_region,
        order=62,
    )
    add_nav_entry(
        app,
        "grant.grant_page",
        _l("Grant of the region"),
        permission=Permission.REGIONAL_OVERVIEW,
        visible=may_see_region,
        order=63,
    )
    add_nav_entry(
        app,
        "regional.regional_overview",
        _l("Regional overview"),
        permission=Permission.REGIONAL_OVERVIEW,
        visible=may_see_region,
        order=60,
    )
    add_nav_entry(
        app,
        "regional.own_overview",
        _l("Figures"),
        permission=Permission.OWN_FIGURES,
        unless=Permission.REGIONAL_OVERVIEW,
        order=59,
    )


def _connect_budget(app: Flask) -> None:
    """The budget listens to the hand-over (commit), a cancellation (release) and the
    approval of the care director's invoice (spending)."""
    signals.trajectory_handed_over.connect(budget.on_handed_over)
    signals.trajectory_status_changed.connect(budget.on_status_changed)
    signals.trajectory_invoice_approved.connect(budget.on_invoice_approved)
    app.add_template_filter(format_cents, "cents")
