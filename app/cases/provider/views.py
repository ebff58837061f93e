"""The provider worker's pages (``/trajecten``) and the tenant admin's list of the care
director's invoices (``/trajecten/facturen``). Thin: the rules are in ``services``."""

from __future__ import annotations

import uuid

from flask import Blueprint, redirect, url_for
from flask_babel import lazy_gettext as _
from flask_login import current_user

from app.cases.models import LifeDomainKind
from app.cases.partners.services import partner_of_worker
from app.cases.provider import forms
from app.cases.provider import services as provider
from app.core.actions import act
from app.core.forms import new_submission_key
from app.core.permissions import Permission, requires
from app.core.rendering import render

bp = Blueprint("provider", __name__, url_prefix="/trajecten")


@bp.get("/")
@requires(Permission.TRAJECTORY_PROGRESS)
def provider_home():
    return render(
        "provider/home.html",
        partner=partner_of_worker(current_user),
        trajectories=provider.my_trajectories(current_user),
    )


def _trajectory_page(trajectory, case, *, status: int = 200, errors=None, form_name=""):
    view = provider.trajectory_view(trajectory, case)
    return render(
        "provider/trajectory.html",
        status=status,
        view=view,
        errors=errors or {},
        form_name=form_name,
        new_key=new_submission_key(),
    )


@bp.get("/<uuid:provider_trajectory_id>")
@requires(Permission.TRAJECTORY_PROGRESS)
def provider_trajectory(provider_trajectory_id: uuid.UUID):
    trajectory, case = provider.access_my_trajectory(current_user, provider_trajectory_id)
    return _trajectory_page(trajectory, case)


def _post(trajectory_id: uuid.UUID, form, form_name: str, work, message):
    trajectory, case = provider.access_my_trajectory(current_user, trajectory_id)
    if not form.validate():
        return _trajectory_page(
            trajectory, case, status=422, errors=form.error_dict(), form_name=form_name
        )
    return act(
        lambda: work(trajectory, case),
        done=lambda _row: redirect(
            url_for("provider.provider_trajectory", provider_trajectory_id=trajectory_id)
        ),
        refused=lambda error, status: _trajectory_page(
            trajectory,
            case,
            status=status,
            errors={error.field or "form": error.message},
            form_name=form_name,
        ),
        message=message,
    )


@bp.post("/<uuid:provider_trajectory_id>/voortgang")
@requires(Permission.TRAJECTORY_PROGRESS)
def provider_progress(provider_trajectory_id: uuid.UUID):
    form = forms.ProgressForm()
    form.domain.values = list(LifeDomainKind)
    return _post(
        provider_trajectory_id,
        form,
        "progress",
        lambda trajectory, case: provider.report_progress(
            trajectory,
            case,
            current_user,
            domain=form.domain.data,
            body=form.body.data,
            submission_key=form.submission_key.data,
        ),
        _("The progress has been recorded."),
    )


@bp.post("/<uuid:provider_trajectory_id>/einde")
@requires(Permission.TRAJECTORY_PROGRESS)
def provider_end(provider_trajectory_id: uuid.UUID):
    form = forms.EndForm()
    return _post(
        provider_trajectory_id,
        form,
        "end",
        lambda trajectory, case: provider.propose_end(
            trajectory,
            case,
            current_user,
            proposed_end=form.proposed_end.data,
            body=form.body.data,
            submission_key=form.submission_key.data,
        ),
        _("The proposed end has been sent to the municipality."),
    )


@bp.post("/<uuid:provider_trajectory_id>/factuur")
@requires(Permission.TRAJECTORY_PROGRESS)
def provider_invoice(provider_trajectory_id: uuid.UUID):
    form = forms.InvoiceForm()
    return _post(
        provider_trajectory_id,
        form,
        "invoice",
        lambda trajectory, case: provider.submit_invoice(
            trajectory,
            case,
            current_user,
            amount_cents=form.amount.data,
            invoice_date=form.invoice_date.data,
            reference=form.reference.data,
            submission_key=form.submission_key.data,
        ),
        _("The invoice has been sent to the municipality for approval."),
    )


# --- the municipality's decision on the invoices ----------------------------------------------


def _invoices_page(*, status: int = 200, errors=None, invoice_id=None):
    return render(
        "provider/invoices.html",
        status=status,
        invoices=provider.invoices_awaiting(),
        errors=errors or {},
        error_invoice_id=invoice_id,
    )


@bp.get("/facturen")
@requires(Permission.BUDGET_MANAGE)
def provider_invoices():
    """The care director's invoices: care director, amount, date and reference; no client."""
    return _invoices_page()


@bp.post("/facturen/<uuid:invoice_id>")
@requires(Permission.BUDGET_MANAGE)
def provider_invoice_decide(invoice_id: uuid.UUID):
    invoice = provider.access_invoice(current_user, invoice_id)
    form = forms.DecisionForm()
    if not form.validate():
        return _invoices_page(status=422, errors=form.error_dict(), invoice_id=invoice.id)
    return act(
        lambda: provider.decide_invoice(
            invoice,
            current_user,
            approve=form.decision.data == "approve",
            reason=form.reason.data,
            expected_version=form.version.data,
        ),
        done=lambda _row: redirect(url_for("provider.provider_invoices")),
        refused=lambda error, status: _invoices_page(
            status=status, errors={error.field or "form": error.message}, invoice_id=invoice.id
        ),
        message=_("The decision on the invoice has been saved."),
    )
