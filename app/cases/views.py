"""The case list and the case page. Views parse, call a service, render.

Sub-modules add their own routes to the same blueprint (imported at the bottom).
"""

from __future__ import annotations

import uuid
from datetime import date

from flask import abort, make_response, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from app.audit.models import AccessAction
from app.audit.tracking import access_action, note_access
from app.cases import forms, listing, phases, release, services, timeline
from app.cases import transfer as transfers
from app.cases.blueprint import bp
from app.cases.errors import CaseError, EditConflict
from app.cases.labels import template_helpers
from app.cases.models import CasePhase, DomainStatus, MonitorMoment
from app.cases.panels import panel_context
from app.cases.plan import services as plan
from app.cases.plan.models import Responsible
from app.core.permissions import Permission, requires
from app.core.rendering import render
from app.extensions import db, htmx


def case_context(case) -> dict:
    """Everything the case page (and the PDF of the file) shows."""
    return {
        "case": case,
        "matrix": services.monitor_matrix(case),
        "moments": list(MonitorMoment),
        "next_phases": phases.allowed_next(case),
        "tasks": plan.tasks_of(case),
        "events": timeline.entries_for(case.id),
        "workers": services.case_workers(),
        "six_months_due": services.six_month_snapshot_due(case),
        "recorded_moments": {s.moment for s in case.snapshots},
        "statuses": list(DomainStatus),
        "today_iso": date.today().isoformat(),
        "new_submission_key": forms.new_submission_key,
        **extra_sections(case),
    }


def extra_sections(case) -> dict:
    """The panels' names (``app.cases.panels``: the file's own and other features')."""
    return panel_context(case)


def case_page(case, *, status: int = 200, **extra):
    return render("cases/detail.html", status=status, **{**case_context(case), **extra})


def back_to_case(case, anchor: str = ""):
    return redirect(url_for("cases.case_detail", case_id=case.id) + anchor)


def apply_to_case(case_id: uuid.UUID, errors, action, *, field: str, anchor: str, errors_name: str):
    """Run ``action()`` unless the form had errors: commit and go back to the case; or
    roll back and show the case page with the refusal next to ``field`` (422).

    A request that loses a race on a unique constraint (two clicks at once) runs the
    action once more: it then sees the other's row and refuses, or has nothing to do."""
    if not errors:
        try:
            try:
                case = action()
                db.session.commit()
            except IntegrityError:
                db.session.rollback()
                case = action()
                db.session.commit()
            return back_to_case(case, anchor)
        except CaseError as error:
            db.session.rollback()
            errors[field] = error.message
    case = services.access_case(current_user, case_id)
    return case_page(case, status=422, **{errors_name: errors})


@bp.get("/")
@requires(Permission.CASE_READ)
@access_action(AccessAction.SEARCH)
def case_list():
    query = listing.CaseQuery.from_args(request.args)
    result = listing.search_cases(query)
    # One row for the list, not one per name on it; opening a case is a row of its own.
    note_access(
        tenant_id=current_user.tenant_id,
        client_id=None,
        object_type="case_list",
        object_id=None,
        detail=f"{result.total} results",
    )
    block = "results" if htmx and htmx.target == "case-results" else "content"
    response = make_response(
        render(
            "cases/list.html",
            block=block,
            transfers=transfers.outgoing_transfers() if block == "content" else [],
            page=result,
            query=result.query,
            workers=services.case_workers(),
            phases=list(CasePhase),
        )
    )
    if htmx and result.query.bsn:
        # The list stays bookmarkable, but a citizen number never enters the history.
        response.headers["HX-Push-Url"] = (
            url_for("cases.case_list") + "?" + result.query.history_args()
        )
    return response


@bp.get("/<uuid:case_id>")
@requires(Permission.CASE_READ)
def case_detail(case_id: uuid.UUID):
    return case_page(services.access_case(current_user, case_id))


@bp.get("/<uuid:case_id>/bsn")
@requires(Permission.CASE_WRITE)
@access_action(AccessAction.REVEAL)
def reveal_bsn(case_id: uuid.UUID):
    """The full citizen number, on request, for the roles that need it."""
    case = services.access_case(current_user, case_id)
    return render_template("cases/_bsn.html", case=case, revealed=True)


@bp.post("/<uuid:case_id>/phase")
@requires(Permission.CASE_WRITE)
def change_phase(case_id: uuid.UUID):
    case = services.access_case(current_user, case_id)
    errors = forms.FormErrors()
    target = forms.choice(request.form, "phase", list(CasePhase), errors)

    def change():
        phases.change_phase(case, CasePhase(target), current_user, request.form.get("reason"))
        return case

    return apply_to_case(
        case_id, errors, change, field="phase", anchor="#phase", errors_name="phase_errors"
    )


# The client's fields on the case-details form, with their column lengths.
CLIENT_FORM_FIELDS = {"address": 500, "postal_address": 500, "responsible_municipality": 120}


@bp.post("/<uuid:case_id>/details")
@requires(Permission.CASE_WRITE)
def update_details(case_id: uuid.UUID):
    case = services.access_case(current_user, case_id)
    form = request.form
    errors = forms.FormErrors()
    detention_start = forms.parse_date(form, "detention_start", errors)
    expected_release = forms.parse_date(form, "expected_release", errors)
    version = forms.parse_version(form, errors)
    # The client's fields are edited only when the form carries them, then with their version.
    client_changes = {
        name: forms.text(form, name, max_length)
        for name, max_length in CLIENT_FORM_FIELDS.items()
        if name in form
    }
    client_version = forms.parse_version(form, errors, "client_version") if client_changes else None
    if not errors:
        try:
            services.update_case(
                case,
                expected_version=version,
                actor=current_user,
                facility=forms.text(form, "facility", 200),
                detention_start=detention_start,
                prolific_offender=forms.parse_bool(form, "prolific_offender"),
                benefit_recipient=forms.parse_bool(form, "benefit_recipient"),
                case_worker_id=forms.parse_uuid(form, "case_worker_id"),
            )
            if client_changes:
                services.update_client(
                    case, expected_version=client_version, actor=current_user, **client_changes
                )
            release.move_expected_release(case, expected_release, current_user)
            db.session.commit()
            return back_to_case(case, "#details")
        except EditConflict as conflict:
            db.session.rollback()
            errors["form"] = conflict.message
        except CaseError as error:
            db.session.rollback()
            errors["form"] = error.message
    case = services.access_case(current_user, case_id)
    return case_page(
        case, status=409 if "form" in errors else 422, detail_errors=errors, detail_input=form
    )


@bp.post("/<uuid:case_id>/release")
@requires(Permission.CASE_WRITE)
def record_release(case_id: uuid.UUID):
    case = services.access_case(current_user, case_id)
    errors = forms.FormErrors()
    released_on = forms.parse_date(request.form, "released_on", errors, required=True)

    def record():
        release.record_release(case, released_on, current_user)
        return case

    return apply_to_case(
        case_id,
        errors,
        record,
        field="released_on",
        anchor="#release",
        errors_name="release_errors",
    )


@bp.post("/<uuid:case_id>/snapshots/<moment>")
@requires(Permission.CASE_WRITE)
def take_snapshot(case_id: uuid.UUID, moment: str):
    case = services.access_case(current_user, case_id)
    if moment not in {m.value for m in MonitorMoment}:
        abort(404)

    def take():
        services.take_snapshot(case, MonitorMoment(moment), current_user)
        return case

    return apply_to_case(
        case_id,
        forms.FormErrors(),
        take,
        field="moment",
        anchor="#domains",
        errors_name="snapshot_errors",
    )


# --- life domains, edited inline -----------------------------------------------------------


def domain_row(case, domain, *, editing: bool = False, status: int = 200, **extra):
    body = render_template(
        "cases/_domain_row.html",
        case=case,
        row=next(r for r in services.monitor_matrix(case) if r["domain"] is domain),
        moments=list(MonitorMoment),
        statuses=list(DomainStatus),
        editing=editing,
        **extra,
    )
    return body, status, {"Vary": "HX-Request"}


@bp.get("/<uuid:case_id>/domains/<uuid:domain_id>")
@requires(Permission.CASE_READ)
def domain_view(case_id: uuid.UUID, domain_id: uuid.UUID):
    case = services.access_case(current_user, case_id)
    domain = services.access_life_domain(current_user, case, domain_id)
    return domain_row(case, domain)


@bp.get("/<uuid:case_id>/domains/<uuid:domain_id>/edit")
@requires(Permission.CASE_WRITE)
def domain_edit(case_id: uuid.UUID, domain_id: uuid.UUID):
    case = services.access_case(current_user, case_id)
    domain = services.access_life_domain(current_user, case, domain_id)
    if not htmx:
        return case_page(case, editing_domain=domain.id)
    return domain_row(case, domain, editing=True)


@bp.post("/<uuid:case_id>/domains/<uuid:domain_id>")
@requires(Permission.CASE_WRITE)
def domain_save(case_id: uuid.UUID, domain_id: uuid.UUID):
    case = services.access_case(current_user, case_id)
    domain = services.access_life_domain(current_user, case, domain_id)
    form = request.form
    errors = forms.FormErrors()
    status = forms.choice(form, "status", list(DomainStatus), errors)
    version = forms.parse_version(form, errors)
    submitted = {"status": status, "need": form.get("need", ""), "notes": form.get("notes", "")}
    if not errors:
        try:
            services.update_life_domain(
                domain,
                expected_version=version,
                actor=current_user,
                status=status,
                need=forms.text(form, "need"),
                notes=forms.text(form, "notes"),
            )
            db.session.commit()
            if not htmx:
                return back_to_case(case, "#domains")
            return domain_row(case, domain)
        except EditConflict as conflict:
            # Nothing saved: the user's input stays in the form, the saved version beside it.
            db.session.rollback()
            case = services.access_case(current_user, case_id)
            domain = services.access_life_domain(current_user, case, domain_id)
            if not htmx:
                return case_page(
                    case,
                    status=409,
                    editing_domain=domain.id,
                    domain_input=submitted,
                    domain_conflict=conflict.message,
                )
            return domain_row(
                case,
                domain,
                editing=True,
                status=409,
                submitted=submitted,
                conflict=conflict.message,
            )
    if not htmx:
        return case_page(
            case, status=422, editing_domain=domain.id, domain_input=submitted, domain_errors=errors
        )
    return domain_row(case, domain, editing=True, status=422, submitted=submitted, errors=errors)


# --- tasks -------------------------------------------------------------------------------------


@bp.post("/<uuid:case_id>/tasks/<uuid:task_id>/done")
@requires(Permission.CASE_WRITE)
def task_done(case_id: uuid.UUID, task_id: uuid.UUID):
    case = services.access_case(current_user, case_id)
    task = plan.access_task(case, task_id)
    plan.complete_task(task, current_user, done=request.form.get("done", "1") == "1")
    db.session.commit()
    if not htmx:
        return back_to_case(case, "#plan")
    return (
        render_template("cases/_task_row.html", case=case, task=task),
        200,
        {"Vary": "HX-Request"},
    )


@bp.post("/<uuid:case_id>/tasks")
@requires(Permission.CASE_WRITE)
def task_add(case_id: uuid.UUID):
    case = services.access_case(current_user, case_id)
    form = request.form
    errors = forms.FormErrors()
    due = forms.parse_date(form, "due_date", errors, required=True)
    domain = forms.choice(form, "domain", [d.domain for d in case.life_domains], errors)
    responsible = forms.choice(form, "responsible", list(Responsible), errors)

    def add():
        plan.add_task(
            case,
            current_user,
            domain=domain,
            title=form.get("title", ""),
            responsible=responsible,
            due_date=due,
        )
        return case

    return apply_to_case(
        case_id, errors, add, field="title", anchor="#plan", errors_name="task_errors"
    )


@bp.app_context_processor
def inject_case_labels() -> dict:
    return template_helpers()


@bp.post("/<uuid:case_id>/transfer")
@requires(Permission.CASE_WRITE)
def transfer(case_id: uuid.UUID):
    case = services.access_case(current_user, case_id)
    errors = forms.FormErrors()
    target = forms.parse_int(request.form, "target", errors, required=True)
    if not errors:
        try:
            transfers.transfer_case(case, target, current_user, request.form.get("reason"))
            return redirect(url_for("cases.case_list"))
        except CaseError as error:
            db.session.rollback()
            errors["target"] = error.message
    case = services.access_case(current_user, case_id)
    return case_page(case, status=422, transfer_errors=errors)
