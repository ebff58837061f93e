"""The budget pages: a municipality's own budget (``/begroting``) and the region's money
for the centre's regional coordinator (``/regio/geld``). Thin: the rules are in
``app.regional.budget``; every change goes through ``act``."""

from __future__ import annotations

import uuid
from datetime import date

from flask import Blueprint, redirect, request, url_for
from flask_babel import lazy_gettext as _
from flask_login import current_user
from werkzeug.exceptions import NotFound

from app.core.actions import act
from app.core.forms import new_submission_key
from app.core.permissions import Permission, requires, role_has
from app.core.rendering import render
from app.regional import budget, budget_forms, money

bp = Blueprint("budget", __name__)


def _year() -> int:
    text = request.values.get("jaar", "")
    if text.isdigit() and 2000 <= int(text) <= 2100:
        return int(text)
    return date.today().year


# Fields the forms carry hidden: a refusal of one is shown above the page, not next to it.
HIDDEN_FIELDS = ("year", "submission_key")


def _page(year: int, *, status: int = 200, errors: dict | None = None, form_name: str = ""):
    today = date.today()
    errors = dict(errors or {})
    for name in HIDDEN_FIELDS:
        if name in errors:
            errors.setdefault("form", errors.pop(name))
    return render(
        "regional/budget.html",
        status=status,
        year=year,
        today=today,
        forecast=budget.forecast(year, today),
        lines=budget.lines_of(year),
        planning=budget.budget_year(year),
        history=budget.history(year),
        approvals=budget.approvals_of(year),
        may_manage=role_has(current_user.role, frozenset({Permission.BUDGET_MANAGE})),
        errors=errors or {},
        form_name=form_name,
        new_key=new_submission_key(),
        defaults=(budget.DEFAULT_TRAJECTORY_COST_CENTS, budget.DEFAULT_EXPECTED_TRAJECTORIES),
    )


def _change(year: int, work, form_name: str, message):
    return act(
        work,
        done=lambda _result: redirect(url_for("budget.budget_page", jaar=year)),
        refused=lambda error, status: _page(
            year, status=status, errors={error.field or "form": error.message}, form_name=form_name
        ),
        message=message,
    )


@bp.get("/begroting")
@requires(Permission.BUDGET_APPROVE)
def budget_page():
    """The municipality's own budget: no client data (a commitment names no person)."""
    return _page(_year())


@bp.post("/begroting/regels")
@requires(Permission.BUDGET_MANAGE)
def budget_line_add():
    form = budget_forms.BudgetLineForm()
    if not form.validate():
        return _page(_year(), status=422, errors=form.error_dict(), form_name="line")
    year = form.year.data
    return _change(
        year,
        lambda: budget.add_line(
            year,
            form.source.data,
            form.amount.data,
            current_user,
            description=form.description.data,
            submission_key=form.submission_key.data,
        ),
        "line",
        _("The budget line has been saved."),
    )


@bp.post("/begroting/planning")
@requires(Permission.BUDGET_MANAGE)
def budget_planning():
    form = budget_forms.PlanningForm()
    if not form.validate():
        return _page(_year(), status=422, errors=form.error_dict(), form_name="planning")
    year = form.year.data
    return _change(
        year,
        lambda: budget.set_planning(
            year,
            trajectory_cost_cents=form.trajectory_cost.data,
            expected_trajectories=form.expected_trajectories.data,
        ),
        "planning",
        _("The planning figures have been saved."),
    )


@bp.post("/begroting/goedkeuringen")
@requires(Permission.BUDGET_APPROVE)
def budget_approve():
    form = budget_forms.ApprovalForm()
    if not form.validate():
        return _page(_year(), status=422, errors=form.error_dict(), form_name="approval")
    year = form.year.data
    return _change(
        year,
        lambda: budget.approve_overrun(
            year, current_user, form.reason.data, submission_key=form.submission_key.data
        ),
        "approval",
        _("The approval has been recorded."),
    )


@bp.post("/begroting/verplichtingen/<uuid:commitment_id>/factuur")
@requires(Permission.BUDGET_MANAGE)
def budget_invoice(commitment_id: uuid.UUID):
    commitment = budget.access_commitment(commitment_id)
    if commitment is None:
        raise NotFound()
    form = budget_forms.InvoiceForm()
    if not form.validate():
        return _page(commitment.year, status=422, errors=form.error_dict(), form_name="invoice")
    return _change(
        commitment.year,
        lambda: budget.record_invoice(
            commitment,
            amount_cents=form.amount.data,
            invoice_date=form.invoice_date.data,
            reference=form.reference.data,
            expected_version=form.version.data,
        ),
        "invoice",
        _("The invoice has been recorded."),
    )


@bp.get("/regio/geld")
@requires(Permission.REGIONAL_OVERVIEW)
def region_money():
    """Every municipality's money (aggregate amounts, exact); no client data."""
    return render("regional/money.html", money=money.region_money(current_user, _year()))
