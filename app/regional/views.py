"""The overview pages: the region (``/regio``, the centre's regional coordinator) and one
municipality (``/cijfers``, its own staff); their downloads; the list behind a figure and
the read-only case of another municipality (``app.regional.crossing``)."""

from __future__ import annotations

import uuid
from datetime import date

from flask import Blueprint, abort, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.exceptions import NotFound

from app.cases.api import case_label
from app.core.permissions import Permission, requires
from app.core.rendering import download, render
from app.regional import charts, crossing, downloads, overview

bp = Blueprint("regional", __name__)

FORMATS = {"csv", "xlsx"}


def _period() -> overview.Period:
    return overview.Period.of(request.args.get("periode"), date.today())


def _page(view: overview.Overview, endpoint: str):
    return render(
        "regional/overview.html",
        overview=view,
        endpoint=endpoint,
        charts=_charts(view),
        small_cell_text=overview.SMALL_CELL_TEXT,
        cell_texts=overview.cell_texts(),
    )


def _charts(view: overview.Overview) -> dict:
    """The bar chart of open cases per municipality and the trend of releases per month."""
    rows = view.rows if view.scope == "region" else view.all_rows
    bars = charts.bar_chart(
        _("Open cases per municipality"),
        _("Bars per municipality: the number of open cases on %(day)s.", day=view.today),
        [(row.name, row.get("open")) for row in rows],
        "chart-open-cases",
    )
    trend_row = view.region or view.rows[0]
    names = overview.MONTH_NAMES()
    trend = charts.trend_chart(
        _("Releases per month: %(name)s", name=trend_row.name),
        _("One column per month, the twelve months up to the end of %(period)s.",
          period=view.period.label),
        [
            (month, f"{names[month.month - 1][:3]} {month.year % 100:02d}",
             trend_row.get("month", month.isoformat()))
            for month in view.months
        ],
        "chart-releases-trend",
    )  # fmt: skip
    return {"bars": bars, "trend": trend}


def _download(view: overview.Overview, kind: str, stem: str):
    fmt = request.args.get("formaat", "csv")
    if fmt not in FORMATS or (kind == "monitor" and fmt != "csv"):
        return _problem(_("Unknown file format."))
    if kind == "monitor":
        lines = downloads.monitor_lines(view, case_label)
    else:
        lines = downloads.overview_lines(view, case_label)
    name = f"{stem}-{view.period.key}.{fmt}"
    if fmt == "csv":
        body, mimetype = downloads.as_csv(lines), "text/csv"
    else:
        notes = [
            _("Period: %(period)s (%(start)s to %(end)s).", period=view.period.label,
              start=view.period.start, end=view.period.end),
            suppression_rule(view),
        ]  # fmt: skip
        body = downloads.as_xlsx(lines, _("Figures"), notes)
        mimetype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return download(body, mimetype, name)


def _problem(message: str):
    return render("regional/problem.html", message=message, status=400)


def suppression_rule(view: overview.Overview) -> str:
    if view.scope == "own":
        return _("These are your municipality's own figures: every figure is exact.")
    return _(
        "Figures about people of another municipality from 1 to 4 are shown as “< 5”, and "
        "figures that would give one back by subtraction as “—”; your own municipality's "
        "figures and all amounts of money are exact."
    )


# --- the region -----------------------------------------------------------------------------


@bp.get("/regio")
@requires(Permission.REGIONAL_OVERVIEW)
def regional_overview():
    """Aggregate figures of the region; no client data, so no access-log row."""
    return _page(overview.regional_overview(current_user, _period()), "regional.regional_overview")


@bp.get("/regio/download")
@requires(Permission.REGIONAL_OVERVIEW)
def regional_download():
    return _download(overview.regional_overview(current_user, _period()), "overview", "regio")


@bp.get("/regio/monitor")
@requires(Permission.REGIONAL_OVERVIEW)
def regional_monitor():
    view = overview.regional_overview(current_user, _period())
    return _download(view, "monitor", "monitor-regio")


# --- one municipality -----------------------------------------------------------------------


@bp.get("/cijfers")
@requires(Permission.OWN_FIGURES)
def own_overview():
    """The municipality's own figures, exact; no client data."""
    return _page(overview.own_overview(current_user, _period()), "regional.own_overview")


@bp.get("/cijfers/download")
@requires(Permission.OWN_FIGURES)
def own_download():
    return _download(overview.own_overview(current_user, _period()), "overview", "cijfers")


@bp.get("/cijfers/monitor")
@requires(Permission.OWN_FIGURES)
def own_monitor():
    return _download(overview.own_overview(current_user, _period()), "monitor", "monitor")


# --- behind a figure ------------------------------------------------------------------------


def _target():
    """The municipality and figure asked for: 400 when not named at all, 404 (logged) for a
    municipality outside the coordinator's region or a figure that has no list."""
    slug = request.values.get("gemeente", "")
    figure = request.values.get("cijfer", "")
    if not slug or not figure:
        abort(_problem(_("Choose a figure of the overview.")))
    tenant = crossing.target_tenant(current_user, slug)
    return tenant, crossing.check_figure(figure)


@bp.get("/regio/lijst")
@requires(Permission.REGIONAL_OVERVIEW)
def figure_cases():
    """The cases behind a figure: the centre's own at once, another municipality's after a
    reason (each listed client logged in that municipality)."""
    tenant, figure = _target()
    period = _period()
    own = tenant.id == current_user.tenant_id
    reason = None if own else crossing.reason_for(tenant)
    if not own and reason is None:
        return _reason_page(tenant, figure, period, crossing.ReasonForm(formdata=None), 200)
    cases = crossing.list_cases(current_user, tenant, figure, period, date.today(), reason)
    return render(
        "regional/cases.html",
        tenant=tenant,
        figure=figure,
        figure_text=figure_label(figure),
        period=period,
        cases=cases,
        own=own,
        reason=reason,
    )


@bp.post("/regio/lijst")
@requires(Permission.REGIONAL_OVERVIEW)
def give_reason():
    form = crossing.ReasonForm()
    tenant, figure = _target()
    period = overview.Period.of(request.form.get("periode"), date.today())
    if tenant.id == current_user.tenant_id:
        return redirect(url_for(".figure_cases", gemeente=tenant.slug, cijfer=figure,
                                periode=period.key))  # fmt: skip
    if not form.validate():
        return _reason_page(tenant, figure, period, form, 422)
    crossing.give_reason(tenant, form.reason.data, form.explanation.data)
    return redirect(
        url_for(".figure_cases", gemeente=tenant.slug, cijfer=figure, periode=period.key)
    )


def _reason_page(tenant, figure, period, form, status):
    return render(
        "regional/reason.html",
        tenant=tenant,
        figure=figure,
        figure_text=figure_label(figure),
        period=period,
        form=form,
        reasons=crossing.REASONS,
        errors=form.error_dict() if status == 422 else {},
        minutes=crossing.REASON_MINUTES,
        status=status,
    )


@bp.get("/regio/dossier")
@requires(Permission.REGIONAL_OVERVIEW)
def regional_case():
    """A case of another municipality, read-only, after a reason; logged there."""
    slug = request.args.get("gemeente", "")
    if not slug or not request.args.get("dossier"):
        abort(_problem(_("Choose a figure of the overview.")))
    tenant = crossing.target_tenant(current_user, slug)
    try:
        case_id = uuid.UUID(request.args.get("dossier", ""))
    except ValueError:
        raise NotFound() from None
    if tenant.id == current_user.tenant_id:
        return redirect(url_for("cases.case_detail", case_id=case_id))
    reason = crossing.reason_for(tenant)
    if reason is None:
        return redirect(url_for(".figure_cases", gemeente=tenant.slug, cijfer="cohort"))
    view = crossing.read_case(current_user, tenant, case_id, reason)
    return render("regional/case.html", tenant=tenant, case=view, reason=reason)


def figure_label(figure: str) -> str:
    if figure.startswith("phase:"):
        return _("Open cases: %(phase)s", phase=case_label("phase", figure.removeprefix("phase:")))
    return {
        "releases_soon": _("Release expected within 6 weeks"),
        "overdue_tasks": _("Cases with overdue tasks"),
        "cohort": _("Released in the period"),
    }.get(figure, figure)
