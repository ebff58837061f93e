"""Consent, referrals and trajectories on the case page (routes on the cases blueprint)."""

from __future__ import annotations

import uuid

from flask import redirect, request, url_for
from flask_login import current_user

from app.cases import forms, services
from app.cases.blueprint import bp
from app.cases.errors import CaseError, EditConflict
from app.cases.handover import services as handover
from app.cases.handover.models import ReferralStatus, SharingBasis, TrajectoryStatus
from app.cases.plan.models import Responsible
from app.cases.views import case_page
from app.core.permissions import Permission, requires
from app.extensions import db


def _done(case, anchor: str):
    db.session.commit()
    return redirect(url_for("cases.case_detail", case_id=case.id) + anchor)


def _refused(case_id, errors_name: str, message, status: int = 422):
    """Nothing saved: the case page again with the message (409 for an edit conflict)."""
    db.session.rollback()
    case = services.access_case(current_user, case_id)
    return case_page(case, status=status, **{errors_name: message})


@bp.post("/<uuid:case_id>/consents")
@requires(Permission.CASE_WRITE)
def consent_record(case_id: uuid.UUID):
    case = services.access_case(current_user, case_id)
    errors = forms.FormErrors()
    basis = forms.choice(request.form, "basis", list(SharingBasis), errors)
    effective_on = forms.parse_date(request.form, "effective_on", errors, required=True)
    domain = request.form.get("domain", "")
    if errors:
        return _refused(case_id, "consent_error", " ".join(str(e) for e in errors.values()))
    try:
        handover.record_basis(
            case,
            current_user,
            domain=domain,
            basis=basis,
            effective_on=effective_on,
            note=forms.text(request.form, "note"),
        )
    except CaseError as error:
        return _refused(case_id, "consent_error", error.message)
    return _done(case, "#sharing")


@bp.post("/<uuid:case_id>/referrals")
@requires(Permission.CASE_WRITE)
def referral_add(case_id: uuid.UUID):
    case = services.access_case(current_user, case_id)
    errors = forms.FormErrors()
    partner = forms.choice(request.form, "partner", list(Responsible), errors)
    key = forms.parse_submission_key(request.form, errors)
    if errors:
        return _refused(case_id, "referral_error", " ".join(str(e) for e in errors.values()))
    try:
        handover.refer(
            case,
            current_user,
            domain=request.form.get("domain", ""),
            partner=partner,
            request=forms.text(request.form, "request"),
            submission_key=key,
        )
    except CaseError as error:
        return _refused(case_id, "referral_error", error.message)
    return _done(case, "#referrals")


@bp.post("/<uuid:case_id>/referrals/<uuid:referral_id>")
@requires(Permission.CASE_WRITE)
def referral_outcome(case_id: uuid.UUID, referral_id: uuid.UUID):
    case = services.access_case(current_user, case_id)
    referral = handover.access_referral(case, referral_id)
    errors = forms.FormErrors()
    status = forms.choice(request.form, "status", list(ReferralStatus), errors)
    version = forms.parse_version(request.form, errors)
    if errors:
        return _refused(case_id, "referral_error", " ".join(str(e) for e in errors.values()))
    try:
        handover.record_outcome(
            referral,
            current_user,
            status=status,
            reason=forms.text(request.form, "reason"),
            outcome=forms.text(request.form, "outcome"),
            expected_version=version,
        )
    except EditConflict as conflict:
        return _refused(case_id, "referral_error", conflict.message, 409)
    except CaseError as error:
        return _refused(case_id, "referral_error", error.message)
    return _done(case, "#referrals")


@bp.post("/<uuid:case_id>/trajectories")
@requires(Permission.CASE_WRITE)
def trajectory_add(case_id: uuid.UUID):
    case = services.access_case(current_user, case_id)
    errors = forms.FormErrors()
    start = forms.parse_date(request.form, "start_date", errors, required=True)
    end = forms.parse_date(request.form, "end_date", errors)
    euros = forms.parse_int(request.form, "cost_euros", errors)
    key = forms.parse_submission_key(request.form, errors)
    if errors:
        return _refused(case_id, "trajectory_error", " ".join(str(e) for e in errors.values()))
    try:
        handover.hand_over(
            case,
            current_user,
            start_date=start,
            end_date=end,
            cost_cents=euros * 100 if euros is not None else None,
            submission_key=key,
        )
    except CaseError as error:
        return _refused(case_id, "trajectory_error", error.message)
    return _done(case, "#trajectories")


@bp.post("/<uuid:case_id>/trajectories/<uuid:trajectory_id>")
@requires(Permission.CASE_WRITE)
def trajectory_update(case_id: uuid.UUID, trajectory_id: uuid.UUID):
    case = services.access_case(current_user, case_id)
    trajectory = handover.access_trajectory(case, trajectory_id)
    errors = forms.FormErrors()
    status = forms.choice(request.form, "status", list(TrajectoryStatus), errors)
    end = forms.parse_date(request.form, "end_date", errors)
    version = forms.parse_version(request.form, errors)
    if errors:
        return _refused(case_id, "trajectory_error", " ".join(str(e) for e in errors.values()))
    try:
        handover.update_trajectory(
            trajectory, current_user, status=status, end_date=end, expected_version=version
        )
    except EditConflict as conflict:
        return _refused(case_id, "trajectory_error", conflict.message, 409)
    except CaseError as error:
        return _refused(case_id, "trajectory_error", error.message)
    return _done(case, "#trajectories")
