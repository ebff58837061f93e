"""Clients, cases and the five life domains (the aftercare file).

``init_app`` registers everything the file brings; ``api`` is what other features use.
"""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l

from app.audit.records import register_walk_root
from app.audit.retention import add_retention_rule
from app.audit.subjects import register_subjects
from app.audit.vocabulary import add_vocabulary
from app.cases import (
    access_request,
    documents,
    involved_views,
    jobs,
    queue,
    retention,
    sections,
    services,
    transfer_offers,
)

# The view modules add their routes to the one blueprint when they are imported.
from app.cases import admin as _admin  # noqa: F401
from app.cases import export_views as _export_views  # noqa: F401
from app.cases import merge_views as _merge_views  # noqa: F401
from app.cases import notes_views as _notes_views  # noqa: F401
from app.cases import transfer_views as _transfer_views  # noqa: F401
from app.cases.handover import services as handover
from app.cases.handover import views as _handover_views  # noqa: F401
from app.cases.intake import checklist
from app.cases.intake import checklist_views as _checklist_views  # noqa: F401
from app.cases.intake import views as _intake_views  # noqa: F401
from app.cases.intake.api import bp as intake_api_bp
from app.cases.models import (
    DEFAULT_CARE_DIRECTOR,
    DEFAULT_RELEASE_PREPARATION_WEEKS,
    DEFAULT_SIX_MONTH_WINDOW_DAYS,
    Case,
    Client,
)
from app.cases.panels import add_case_panel
from app.cases.partners import services as partners
from app.cases.partners import views as _partner_views  # noqa: F401
from app.cases.plan import admin as _plan_admin  # noqa: F401
from app.cases.provider import services as provider
from app.cases.provider.views import bp as provider_bp
from app.cases.views import bp, editable
from app.core.navigation import add_nav_entry
from app.core.permissions import Permission
from app.core.registry import entries
from app.core.settings import get_setting, register_setting
from app.core.signals import release_changed
from app.jobs.schedule import add_daily_jobs
from app.notifications.services import add_digest, add_link_namer


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    app.register_blueprint(intake_api_bp)
    app.register_blueprint(provider_bp)
    add_nav_entry(
        app,
        "provider.provider_home",
        _l("Trajectories"),
        permission=Permission.TRAJECTORY_PROGRESS,
        order=12,
    )
    add_nav_entry(
        app, "cases.admin_partners", _l("Partners"), permission=Permission.TENANT_ADMIN, order=42
    )
    add_nav_entry(
        app,
        "provider.provider_invoices",
        _l("Invoices of the care director"),
        permission=Permission.BUDGET_MANAGE,
        order=63,
    )
    add_nav_entry(app, "cases.case_list", _l("Cases"), permission=Permission.CASE_READ, order=10)
    add_nav_entry(
        app,
        "cases.intake_checks",
        _l("Check list"),
        permission=Permission.CASE_WRITE,
        order=12,
    )
    add_nav_entry(
        app,
        "cases.incoming_transfers",
        _l("Incoming transfers"),
        permission=Permission.TRANSFER_RECEIVE,
        order=13,
    )
    add_nav_entry(
        app,
        "cases.client_merge",
        _l("Merge clients"),
        permission=Permission.TENANT_ADMIN,
        order=42,
    )
    add_nav_entry(
        app,
        "cases.admin_settings",
        _l("Aftercare file settings"),
        permission=Permission.TENANT_ADMIN,
        order=41,
    )
    _add_panels(app)
    entries("start_panels", app).append(queue.start_panel)
    add_daily_jobs(app, jobs)
    add_digest(app, jobs.task_digest_for)
    add_link_namer(app, jobs.name_case_links)
    _add_retention_rules(app)
    _add_settings(app)
    add_vocabulary(app, access_request.VOCABULARY)
    add_vocabulary(app, checklist.VOCABULARY)
    register_subjects(app, client_model=Client, find_client_by_bsn=services.find_client_by_bsn)
    # A referral whose help starts after the release follows the release date.
    release_changed.connect(handover.follow_release, weak=False)
    # What hangs on a client or a case: transfer, retention and the access request walk it.
    register_walk_root(app, Client, "client_id")
    register_walk_root(app, Case, "case_id")


def _add_panels(app: Flask) -> None:
    """The file's own sections below the plan and the notes, each a panel of the case page
    (``app.cases.panels``: shown on demand)."""
    add_case_panel(
        app,
        "sharing",
        _sharing_panel,
        title=_l("Sharing with partners"),
        template="cases/_sharing_panel.html",
        order=10,
        errors=("consent_errors",),
    )
    add_case_panel(
        app,
        "referrals",
        lambda case: {
            "referrals": handover.referrals_of(case),
            # The partners to choose from, only where the form to refer is shown.
            "referral_partners": partners.partners_by_kind() if editable(case) else {},
        },
        title=_l("Referrals"),
        template="cases/_referrals_panel.html",
        order=20,
        errors=("referral_errors", "outcome_errors"),
    )
    add_case_panel(
        app,
        "trajectories",
        lambda case: {
            **_trajectory_panel(case),
            "default_cost_euros": get_setting("cases.trajectory_default_cost_euros"),
            # The trajectories that stayed with the municipality that sent the case here.
            "arrived_by": transfer_offers.accepted_here(case.id),
        },
        title=_l("Hand-over to the care director"),
        template="cases/_trajectories_panel.html",
        order=30,
        errors=("trajectory_errors", "trajectory_update_errors"),
    )
    # The notes are not a panel: the case page pages them (app.cases.sections).
    add_case_panel(
        app,
        "transfer",
        transfer_offers.transfer_panel,
        title=_l("Transfer to another municipality"),
        template="cases/_transfer_panel.html",
        order=35,
        errors=("transfer_errors",),
        shown=editable,
    )
    add_case_panel(
        app,
        "people",
        involved_views.people_panel,
        title=_l("People involved"),
        template="cases/_people_panel.html",
        order=40,
        errors=("person_errors",),
    )
    add_case_panel(
        app,
        "documents",
        involved_views.documents_panel,
        title=_l("Documents"),
        template="cases/_documents_panel.html",
        order=45,
        errors=("document_errors",),
    )
    # The timeline comes last, a page at a time like the notes (app.cases.sections).
    add_case_panel(
        app,
        "timeline",
        lambda case: {"timeline": sections.timeline_page(case.id)},
        title=_l("Timeline"),
        template="cases/_timeline_panel.html",
        order=1000,
    )


def _sharing_panel(case) -> dict:
    """The sharing basis per life domain and its history, from one read of the recordings."""
    history = handover.consent_history(case)
    return {"bases": handover.current_bases_of(history), "basis_history": history}


def _trajectory_panel(case) -> dict:
    """The case's trajectories with what the care director reported and invoiced."""
    trajectories = handover.trajectories_of(case)
    reports, invoices = provider.reports_and_invoices_of(trajectories)
    return {
        "trajectories": trajectories,
        "trajectory_reports": reports,
        "trajectory_invoices": invoices,
    }


def _add_settings(app: Flask) -> None:
    """The file's settings on the tenant admin's settings page (values in the store)."""
    group = {"group": "cases", "group_label": _l("Aftercare file")}
    register_setting(
        app,
        "cases.social_network_domain",
        bool,
        False,
        _l("Use the sixth life domain, social network, in new cases"),
        **group,
    )
    register_setting(
        app,
        "cases.care_director_name",
        str,
        DEFAULT_CARE_DIRECTOR,
        _l("Care director who carries out the trajectories"),
        max_length=200,
        required_message=_l("Name the care director (at most 200 characters)."),
        **group,
    )
    register_setting(
        app,
        "cases.trajectory_default_cost_euros",
        int,
        1500,
        _l("Default cost of a trajectory (EUR)"),
        minimum=0,
        maximum=1_000_000,
        **group,
    )
    register_setting(
        app,
        "cases.extra_facilities",
        str,
        "",
        _l("Prisons added to the list of Dutch prisons (separated by semicolons)"),
        max_length=2000,
        required=False,
        **group,
    )
    register_setting(
        app,
        "cases.release_preparation_weeks",
        int,
        DEFAULT_RELEASE_PREPARATION_WEEKS,
        _l("Release preparation starts (weeks before the expected release)"),
        minimum=1,
        maximum=52,
        **group,
    )
    register_setting(
        app,
        "cases.six_month_window_days",
        int,
        DEFAULT_SIX_MONTH_WINDOW_DAYS,
        _l("Window of the six-month measurement (days either side)"),
        minimum=0,
        maximum=92,
        **group,
    )

    register_setting(
        app,
        documents.MAX_KB_SETTING,
        int,
        documents.DEFAULT_MAX_KB,
        _l("Largest document of a case (kB)"),
        minimum=100,
        maximum=documents.HARD_MAX_KB,
        **group,
    )


def _add_retention_rules(app: Flask) -> None:
    add_retention_rule(
        app,
        "closed_case",
        _l("Closed case file"),
        retention.closed_cases,
        order=10,
        record_types=(("case", _l("Case file")),),
    )
    add_retention_rule(
        app,
        "detention_notice",
        _l("Notices of detention start and end"),
        retention.detention_notices,
        order=20,
        record_types=(("intake_message", _l("Notice of detention")),),
    )
    add_retention_rule(
        app,
        "transfer_tombstone",
        _l("Name on a transferred case"),
        retention.transfer_tombstones,
        order=60,
        record_types=(("case_event", _l("Timeline entry")),),
    )
