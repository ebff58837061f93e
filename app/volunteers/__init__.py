"""The regional volunteer programme (Circles of Support and Accountability), held by the
centre municipality: volunteers, their screening and training, the public application
form, and the referral of clients to the programme. Everything here is a row of the
centre municipality's tenant."""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l

from app.cases.api import add_case_panel
from app.core.navigation import add_nav_entry
from app.core.permissions import Permission
from app.core.signals import consent_recorded
from app.jobs import enqueue
from app.jobs.schedule import add_daily_jobs
from app.volunteers import forms, jobs, referrals, services
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
    add_nav_entry(
        app,
        "volunteers.coordinator_overview",
        _l("Circles overview"),
        permission=Permission.VOLUNTEERS_MANAGE,
        order=31,
    )
    add_nav_entry(
        app,
        "volunteers.coordinator_waiting",
        _l("Waiting list and matching"),
        permission=Permission.VOLUNTEERS_MANAGE,
        order=32,
    )
    add_daily_jobs(app, jobs)
    add_case_panel(
        app,
        "circle-referral",
        _panel_context,
        title=_l("Circle programme"),
        template="volunteers/_case_panel.html",
        order=60,
    )
    consent_recorded.connect(_consent_recorded, weak=False)


def _panel_context(case) -> dict:
    return {
        "circle_referred": referrals.referred(case),
        "circle_may_refer": referrals.may_refer(case),
        "circle_languages": forms.LANGUAGES,
        "circle_slots": forms.SLOTS,
        "circle_slot_label": services.slot_label,
        "circle_offence_kinds": services.OFFENCE_KINDS,
        "circle_offence_label": services.offence_label,
    }


def _consent_recorded(case, *, basis: str, actor: str, **_extra) -> None:
    # A job recorded in the same transaction: it runs once the withdrawal is committed.
    if basis == "consent_withdrawn":
        enqueue(jobs.end_programme_referral, case_id=str(case.id), actor=actor)
