"""The grant pages of the centre's regional coordinator: the distribution of the national
grant (``/regio/verdeling``), what the centre spends for the region, and the yearly
accountability report (``/regio/verantwoording``). Thin: the rules are in
``app.regional.grant`` and ``app.regional.accountability``; changes go through ``act``.
Every page is refused (403, logged) to anyone but the regional coordinator of a centre."""

from __future__ import annotations

import uuid
from datetime import date

from flask import Blueprint, redirect, request, url_for
from flask_babel import lazy_gettext as _
from flask_login import current_user
from werkzeug.exceptions import NotFound

from app.core.actions import act
from app.core.forms import new_submission_key
from app.core.permissions import Permission, requires
from app.core.rendering import download, render
from app.regional import accountability, grant, grant_forms
from app.regional.grant_models import DistributionKey

bp = Blueprint("grant", __name__)

HIDDEN_FIELDS = ("year", "submission_key")


def _year() -> int:
    text = request.values.get("jaar", "")
    if text.isdigit() and 2000 <= int(text) <= 2100:
        return int(text)
    return date.today().year


def _grant_page(year: int, *, status: int = 200, errors: dict | None = None, form_name: str = ""):
    grant.require_coordinator(current_user, "grant_distribution")
    errors = dict(errors or {})
    for name in HIDDEN_FIELDS:
        if name in errors:
            errors.setdefault("form", errors.pop(name))
    distributions = grant.distributions_of(year)
    current = grant.current_approval(year)
    return render(
        "regional/grant.html",
        status=status,
        year=year,
        municipalities=grant.municipalities_of(current_user),
        weight_field=grant_forms.weight_field,
        distributions=[(d, grant.shares_of(d.id)) for d in distributions],
        current=current,
        approvals=grant.approvals_of(year),
        expenses=grant.regional_expenses_of(year),
        key_kinds=list(DistributionKey),
        errors=errors,
        form_name=form_name,
        new_key=new_submission_key(),
    )


def _change(year: int, work, form_name: str, message):
    return act(
        work,
        done=lambda _result: redirect(url_for("grant.grant_page", jaar=year)),
        refused=lambda error, status: _grant_page(
            year, status=status, errors={error.field or "form": error.message}, form_name=form_name
        ),
        message=message,
    )


@bp.get("/regio/verdeling")
@requires(Permission.REGIONAL_OVERVIEW)
def grant_page():
    """The year's distributions, approvals and regional expenses: amounts, no people."""
    return _grant_page(_year())


@bp.post("/regio/verdeling")
@requires(Permission.REGIONAL_OVERVIEW)
def grant_compute():
    grant.require_coordinator(current_user, "grant_distribution")
    municipalities = grant.municipalities_of(current_user)
    form = grant_forms.distribution_form(municipalities)
    if not form.validate():
        return _grant_page(_year(), status=422, errors=form.error_dict(), form_name="compute")
    year = form.year.data
    weights = {
        tenant.id: getattr(form, grant_forms.weight_field(tenant)).data for tenant in municipalities
    }
    return _change(
        year,
        lambda: grant.compute(
            current_user,
            year=year,
            total_cents=form.total.data,
            key_kind=form.key_kind.data,
            reference_year=form.reference_year.data,
            weights=weights,
            submission_key=form.submission_key.data,
        ),
        "compute",
        _("The distribution has been computed. Approve it to turn the shares into budget lines."),
    )


@bp.post("/regio/verdeling/<uuid:distribution_id>/goedkeuren")
@requires(Permission.REGIONAL_OVERVIEW)
def grant_approve(distribution_id: uuid.UUID):
    distribution = grant.access_distribution(current_user, distribution_id)
    form = grant_forms.ApprovalForm()
    if not form.validate():
        return _grant_page(
            distribution.year, status=422, errors=form.error_dict(), form_name="approve"
        )
    return _change(
        distribution.year,
        lambda: grant.approve(
            current_user,
            distribution,
            reason=form.reason.data,
            submission_key=form.submission_key.data,
        ),
        "approve",
        _("The distribution has been approved; the shares become budget lines."),
    )


@bp.post("/regio/uitgaven")
@requires(Permission.REGIONAL_OVERVIEW)
def regional_expense_add():
    grant.require_coordinator(current_user, "regional_expense")
    form = grant_forms.ExpenseForm()
    if not form.validate():
        return _grant_page(_year(), status=422, errors=form.error_dict(), form_name="expense")
    year = form.year.data
    return _change(
        year,
        lambda: grant.record_regional_expense(
            current_user,
            year=year,
            amount_cents=form.amount.data,
            description=form.description.data,
            spent_on=form.spent_on.data,
            submission_key=form.submission_key.data,
        ),
        "expense",
        _("The regional expense has been recorded."),
    )


# --- the accountability report ---------------------------------------------------------


def _report_page(year: int, *, status: int = 200, errors: dict | None = None):
    grant.require_coordinator(current_user, "accountability_report")
    return render(
        "regional/accountability.html",
        status=status,
        year=year,
        reports=accountability.reports_of(year),
        errors=errors or {},
    )


@bp.get("/regio/verantwoording")
@requires(Permission.REGIONAL_OVERVIEW)
def accountability_page():
    return _report_page(_year())


@bp.post("/regio/verantwoording")
@requires(Permission.REGIONAL_OVERVIEW)
def accountability_start():
    grant.require_coordinator(current_user, "accountability_report")
    form = grant_forms.ReportForm()
    if not form.validate():
        errors = form.error_dict()
        return _report_page(_year(), status=422, errors={"form": errors.get("year", "")})
    return act(
        lambda: accountability.start_report(current_user, form.year.data),
        done=lambda report: redirect(
            url_for("grant.accountability_progress", report_id=report.id), 303
        ),
        refused=lambda error, status: _report_page(
            form.year.data, status=status, errors={"form": error.message}
        ),
    )


@bp.get("/regio/verantwoording/<uuid:report_id>")
@requires(Permission.REGIONAL_OVERVIEW)
def accountability_progress(report_id: uuid.UUID):
    """The report's progress (polled by htmx until done), then its figures and downloads."""
    report = accountability.access_report(current_user, report_id)
    return render(
        "regional/accountability_report.html",
        block="progress",
        report=report,
        columns=accountability.columns(),
        for_the_others=accountability.for_the_others(report) if report.is_finished else None,
    )


def _finished(report_id: uuid.UUID):
    report = accountability.access_report(current_user, report_id)
    if not report.is_finished:
        raise NotFound()
    return report


@bp.get("/regio/verantwoording/<uuid:report_id>/verantwoording.csv")
@requires(Permission.REGIONAL_OVERVIEW)
def accountability_csv(report_id: uuid.UUID):
    report = _finished(report_id)
    body = accountability.as_csv(report)
    accountability.log_download(current_user, report, "csv")
    return download(
        body.encode("utf-8"), "text/csv", f"verantwoording-rijksbijdrage-{report.year}.csv"
    )


@bp.get("/regio/verantwoording/<uuid:report_id>/verantwoording.xlsx")
@requires(Permission.REGIONAL_OVERVIEW)
def accountability_xlsx(report_id: uuid.UUID):
    report = _finished(report_id)
    body = accountability.as_xlsx(report)
    accountability.log_download(current_user, report, "xlsx")
    return download(
        body,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        f"verantwoording-rijksbijdrage-{report.year}.xlsx",
    )
