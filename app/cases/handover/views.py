"""Consent, referrals and trajectories on the case page (routes on the cases blueprint)."""

from __future__ import annotations

import uuid

from flask_login import current_user

from app.cases import forms, services
from app.cases.blueprint import bp
from app.cases.handover import services as handover
from app.cases.partners.models import PartnerKind
from app.cases.partners.services import partners_by_kind
from app.cases.views import again_on_case_page, back_to_case, invalid_on_case_page
from app.core.actions import act
from app.core.permissions import Permission, requires


def _on_case_page(case, work, *, anchor: str, errors_name: str, field: str):
    """The action path of these forms: back to the section, or the case page again with
    the message next to its field (422), or the conflict message (409)."""
    return act(
        work,
        done=lambda _row: back_to_case(case, anchor),
        refused=again_on_case_page(case.id, errors_name, field),
    )


def _invalid(case, form, errors_name: str):
    return invalid_on_case_page(case, form, errors_name)


def referral_choices() -> list[str]:
    """What the referral form may name: a partner that takes referrals, or a kind."""
    found = [str(p.id) for group in partners_by_kind().values() for p in group if p.takes_referrals]
    return found + [kind.value for kind in PartnerKind]


@bp.post("/<uuid:case_id>/consents")
@requires(Permission.CASE_WRITE)
def consent_record(case_id: uuid.UUID):
    case = services.access_case(current_user, case_id)
    form = forms.ConsentForm()
    form.domain.values = [d.domain for d in case.life_domains]
    if not form.validate():
        return _invalid(case, form, "consent_errors")
    return _on_case_page(
        case,
        lambda: handover.record_basis(
            case,
            current_user,
            domain=form.domain.data,
            basis=form.basis.data,
            effective_on=form.effective_on.data,
            note=form.note.data,
            submission_key=form.submission_key.data,
        ),
        anchor="#sharing",
        errors_name="consent_errors",
        field="basis",
    )


@bp.post("/<uuid:case_id>/referrals")
@requires(Permission.CASE_WRITE)
def referral_add(case_id: uuid.UUID):
    case = services.access_case(current_user, case_id)
    form = forms.ReferralForm()
    form.domain.values = [d.domain for d in case.life_domains]
    form.partner.values = referral_choices()
    if not form.validate():
        return _invalid(case, form, "referral_errors")
    return _on_case_page(
        case,
        lambda: handover.refer(
            case,
            current_user,
            domain=form.domain.data,
            partner=form.partner.data,
            request=form.request.data,
            submission_key=form.submission_key.data,
        ),
        anchor="#referrals",
        errors_name="referral_errors",
        field="form",
    )


@bp.post("/<uuid:case_id>/referrals/<uuid:referral_id>")
@requires(Permission.CASE_WRITE)
def referral_outcome(case_id: uuid.UUID, referral_id: uuid.UUID):
    case = services.access_case(current_user, case_id)
    referral = handover.access_referral(case, referral_id)
    form = forms.OutcomeForm()
    if not form.validate():
        return _invalid(case, form, "outcome_errors")
    return _on_case_page(
        case,
        lambda: handover.record_outcome(
            referral,
            current_user,
            status=form.status.data,
            reason=form.reason.data,
            outcome=form.outcome.data,
            expected_version=form.version.data,
        ),
        anchor="#referrals",
        errors_name="outcome_errors",
        field="form",
    )


@bp.post("/<uuid:case_id>/trajectories")
@requires(Permission.CASE_WRITE)
def trajectory_add(case_id: uuid.UUID):
    case = services.access_case(current_user, case_id)
    form = forms.TrajectoryForm()
    if not form.validate():
        return _invalid(case, form, "trajectory_errors")
    euros = form.cost_euros.data

    def hand_over():
        return handover.hand_over(
            case,
            current_user,
            start_date=form.start_date.data,
            end_date=form.end_date.data,
            cost_cents=euros * 100 if euros is not None else None,
            submission_key=form.submission_key.data,
            reason=form.reason.data,
        )

    return _on_case_page(
        case,
        hand_over,
        anchor="#trajectories",
        errors_name="trajectory_errors",
        field="form",
    )


@bp.post("/<uuid:case_id>/trajectories/<uuid:trajectory_id>")
@requires(Permission.CASE_WRITE)
def trajectory_update(case_id: uuid.UUID, trajectory_id: uuid.UUID):
    case = services.access_case(current_user, case_id)
    trajectory = handover.access_trajectory(case, trajectory_id)
    form = forms.TrajectoryUpdateForm()
    if not form.validate():
        return _invalid(case, form, "trajectory_update_errors")
    return _on_case_page(
        case,
        lambda: handover.update_trajectory(
            trajectory,
            current_user,
            status=form.status.data,
            end_date=form.end_date.data,
            expected_version=form.version.data,
        ),
        anchor="#trajectories",
        errors_name="trajectory_update_errors",
        field="form",
    )
