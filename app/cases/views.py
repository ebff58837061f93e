"""The case list and the case page. Views parse (``app.cases.forms``), call a service
through the action path (``app.core.actions.act``), render.

Sub-modules add their own routes to the same blueprint (imported at the bottom).
"""

from __future__ import annotations

import uuid
from datetime import date

from flask import abort, make_response, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _
from flask_login import current_user
from werkzeug.exceptions import NotFound

from app.audit.models import AccessAction
from app.audit.tracking import access_action, note_access
from app.cases import (
    forms,
    listing,
    municipality,
    notes,
    panels,
    phases,
    queue,
    release,
    release_day,
    sections,
    services,
    timeline,
)
from app.cases import transfer as transfers
from app.cases import transfer_offers as offers
from app.cases.blueprint import bp
from app.cases.errors import CaseError
from app.cases.labels import template_helpers
from app.cases.models import CasePhase, DomainStatus, MonitorMoment
from app.cases.plan import services as plan
from app.cases.release_day import release_checklist
from app.core.actions import act, check_version
from app.core.permissions import Permission, requires, role_has
from app.core.rendering import render, wants_fragment
from app.extensions import db, htmx


def editable(case) -> bool:
    """Whether the page shows the case's forms (the worker list and partners only then)."""
    return (
        role_has(getattr(current_user, "role", None), frozenset({Permission.CASE_WRITE}))
        and not case.is_closed
    )


def _panel_names(case) -> dict:
    """What every panel's form reads besides its own names (``app.cases.panels``)."""
    return {
        "case": case,
        "today_iso": date.today().isoformat(),
        "new_submission_key": forms.new_submission_key,
    }


def _file_context(case) -> dict:
    """What the case page and the PDF of the file both show (the short parts)."""
    return {
        **_panel_names(case),
        "matrix": services.monitor_matrix(case),
        "moments": list(MonitorMoment),
        "next_phases": phases.allowed_next(case),
        "six_months_due": services.six_month_snapshot_due(case),
        "recorded_moments": {s.moment for s in services.valid_snapshots(case)},
        "six_month_window": services.six_month_window(case),
        "voided_snapshots": [s for s in case.snapshots if s.voided_at is not None],
        "statuses": list(DomainStatus),
        # The header and the facts name it; the transfer panel proposes it.
        "responsible": municipality.responsible_of(case),
    }


def case_context(
    case, pages: dict[str, int] | None = None, open_panels=(), shown: dict | None = None
) -> dict:
    """Everything the case page shows: the long sections a page at a time (``pages``: a
    section's page number by its name, ``app.cases.sections``; page 1 otherwise), of the
    lists behind the forms only what the forms show, and of the panels
    (``app.cases.panels``) only the open ones': those in ``open_panels`` and those whose
    errors ``shown`` holds (a refused form of theirs); the folded forms likewise."""
    unfolded = panels.open_forms(open_panels, shown) if editable(case) else set()
    return {
        **_file_context(case),
        **panels.panel_context(case, open_panels, shown),
        **sections.section_pages(case, pages),
        **_form_names(unfolded),
        "release_day": release_checklist(case, date.today(), limit=release_day.SHOWN_ON_CASE_PAGE),
    }


def _form_names(unfolded: set[str]) -> dict:
    """The folded forms shown unfolded, and what only they read."""
    workers = services.case_worker_choices() if "edit-details" in unfolded else []
    return {"open_forms": unfolded, "workers": workers}


def file_context(case) -> dict:
    """Everything the PDF of the file shows: the whole plan, notes and timeline, never paged."""
    return {
        **_file_context(case),
        **panels.panel_context(case),
        "tasks": plan.tasks_of(case),
        "notes": notes.notes_of(case),
        "events": timeline.entries_for(case.id),
    }


def case_page(
    case,
    *,
    status: int = 200,
    pages: dict[str, int] | None = None,
    open_panels=(),
    **extra,
):
    """The case page; ``extra`` holds what a refused form shows again (its errors open
    their panel) and overrides the page's names."""
    context = case_context(case, pages, {*open_panels, *_asked_open()}, extra)
    return render("cases/detail.html", status=status, **{**context, **extra})


def _asked_open() -> set[str]:
    """The panels the address asks for (``?open=a,b``; an unknown name opens nothing)."""
    return panels.open_names(request.args.get("open"))


def back_to_case(case, anchor: str = ""):
    """The case page at ``anchor``; a panel's anchor opens that panel."""
    return redirect(panels.case_page_url(case.id, anchor))


def again_on_case_page(
    case_id: uuid.UUID, errors_name: str, field: str, conflict_field: str | None = None, **extra
):
    """The refusal answer of a case-page form: the case page again, freshly read (the
    rollback undid the change), with the message next to its field (422: the error's own
    field, or ``field``) or the conflict message (409, at ``conflict_field``); ``extra``
    keeps the user's input in the form."""

    def answer(error, status: int):
        case = services.access_case(current_user, case_id)
        default = (conflict_field or field) if status == 409 else field
        errors = {error.field or default: error.message}
        return case_page(case, status=status, **{errors_name: errors}, **extra)

    return answer


def invalid_on_case_page(case, form, errors_name: str, **extra):
    """The form did not validate: nothing was tried, the case page shows why (422)."""
    return case_page(case, status=422, **{errors_name: form.error_dict()}, **extra)


def on_case(case, work, *, anchor: str, errors_name: str, field: str, conflict_field=None, **extra):
    """The action path of a case-page form whose answer is the case page."""
    return act(
        work,
        done=lambda _result: back_to_case(case, anchor),
        refused=again_on_case_page(case.id, errors_name, field, conflict_field, **extra),
    )


@bp.get("/")
@requires(Permission.CASE_READ)
@access_action(AccessAction.SEARCH)
def case_list():
    query = listing.CaseQuery.from_args(request.args)
    block = "results" if htmx and htmx.target == "case-results" else "content"
    # The filter's case workers and the queue's count come in the page's own statement
    # (round trips fewer); a page of results alone (htmx) shows neither.
    also = {}
    if block == "content":
        also["workers"] = services.case_worker_choices_column()
    with_queue = block == "content" and queue.sees_queue()
    if with_queue:
        also["unassigned"] = queue.unassigned_count_column()
    result = listing.search_cases(query, also=also)
    # One row for the list, not one per name on it; opening a case is a row of its own.
    note_access(
        tenant_id=current_user.tenant_id,
        client_id=None,
        object_type="case_list",
        object_id=None,
        detail=f"{result.total} results",
    )
    response = make_response(
        render(
            "cases/list.html",
            block=block,
            unassigned_queue=queue.start_panel(result.also["unassigned"]) if with_queue else None,
            page=result,
            query=result.query,
            workers=services.worker_choices_from(result.also.get("workers", [])),
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
    case = services.access_case(current_user, case_id)
    if request.args.get("print") == "release-day":
        # The release day's checklist on a page of its own, to print: every open task.
        checklist = release_checklist(case, date.today())
        return render("cases/release_day.html", case=case, release_day=checklist, printing=True)
    return case_page(case)


def section_answer(case_id: uuid.UUID, section: str):
    """A section's next page (``app.cases.sections``): with htmx the rows of that page
    (and the next "Meer tonen"), without JavaScript the case page with that page of the
    section. The case is read, and its reading logged, as the case page does."""
    number = sections.page_number(request.args.get("page"))
    case = services.access_case(current_user, case_id)
    if not wants_fragment():
        if section == "timeline":  # a panel: open, at that page
            return case_page(
                case, open_panels={"timeline"}, timeline=sections.timeline_page(case.id, number)
            )
        return case_page(case, pages={section: number})
    if section == "tasks":
        return render(
            "cases/detail.html", block="plan_rows", case=case, plan=sections.plan_page(case, number)
        )
    if section == "notes":
        return render(
            "cases/detail.html",
            block="note_items",
            case=case,
            note_page=sections.notes_page(case, number),
        )
    return render(
        "cases/_timeline_panel.html",
        block="timeline_items",
        case=case,
        timeline=sections.timeline_page(case.id, number),
    )


@bp.get("/<uuid:case_id>/panels/<panel>")
@requires(Permission.CASE_READ)
def case_panel(case_id: uuid.UUID, panel: str):
    """One panel of the case page (``app.cases.panels``): with htmx its content, in place
    of the link the page showed; without JavaScript the case page with that panel open.
    The case is read, and its reading logged, as the case page does."""
    case = services.access_case(current_user, case_id)
    found = panels.find_panel(case, panel)
    if found is None:
        abort(404)
    if not wants_fragment():
        return case_page(case, open_panels={found.name})
    return render(
        "cases/_panel.html",
        block="panel_body",
        **_panel_names(case),
        **found.context(case),
        panel=found,
        panel_open=True,
    )


@bp.get("/<uuid:case_id>/forms/<form>")
@requires(Permission.CASE_WRITE)
def case_form(case_id: uuid.UUID, form: str):
    """A folded form of the case page (``panels.FORMS``): with htmx the form, in place of
    the link the page showed; without JavaScript the case page with the form unfolded. A
    case whose page shows no forms (closed) has none: 404. The case is read, and its
    reading logged, as the case page does."""
    case = services.access_case(current_user, case_id)
    if form not in panels.FORMS or not editable(case):
        abort(404)
    if not wants_fragment():
        return case_page(case, open_panels={form})
    return render(
        "cases/detail.html",
        block=form.replace("-", "_"),
        **_panel_names(case),
        **_form_names({form}),
    )


@bp.get("/<uuid:case_id>/tasks")
@requires(Permission.CASE_READ)
def case_tasks(case_id: uuid.UUID):
    return section_answer(case_id, "tasks")


@bp.get("/<uuid:case_id>/notes")
@requires(Permission.CASE_READ)
def case_notes(case_id: uuid.UUID):
    return section_answer(case_id, "notes")


@bp.get("/<uuid:case_id>/timeline")
@requires(Permission.CASE_READ)
def case_timeline(case_id: uuid.UUID):
    return section_answer(case_id, "timeline")


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
    form = forms.PhaseForm()
    form.phase.values = list(CasePhase)
    if not form.validate():
        return invalid_on_case_page(case, form, "phase_errors")

    def change():
        check_version(case, form.version.data)
        to = CasePhase(form.phase.data)
        if to == CasePhase.CLOSED and not form.outcome.data:
            raise CaseError(
                _("Choose the outcome of the aftercare to close the case."), field="outcome"
            )
        phases.change_phase(case, to, current_user, form.reason.data, form.outcome.data)

    return on_case(case, change, anchor="#phase", errors_name="phase_errors", field="phase")


@bp.post("/<uuid:case_id>/details")
@requires(Permission.CASE_WRITE)
def update_details(case_id: uuid.UUID):
    case = services.access_case(current_user, case_id)
    form = forms.DetailsForm()
    if not form.validate():
        return invalid_on_case_page(case, form, "detail_errors", detail_input=request.form)

    def save():
        services.update_case(
            case,
            expected_version=form.version.data,
            actor=current_user,
            facility=form.facility.data,
            detention_start=form.detention_start.data,
            prolific_offender=form.prolific_offender.data,
            benefit_recipient=form.benefit_recipient.data,
            case_worker_id=form.case_worker_id.data,
        )
        client_changes = form.client_changes()
        if client_changes:
            services.update_client(
                case,
                expected_version=form.client_version.data,
                actor=current_user,
                **client_changes,
            )
        release.move_expected_release(case, form.expected_release.data, current_user)

    return on_case(
        case,
        save,
        anchor="#details",
        errors_name="detail_errors",
        field="expected_release",  # the one rule of this form: not before the detention
        conflict_field="form",
        detail_input=request.form,
    )


@bp.post("/<uuid:case_id>/responsible")
@requires(Permission.CASE_WRITE)
def confirm_responsible(case_id: uuid.UUID):
    """The case worker confirms the municipality of responsibility (who and when are kept)."""
    case = services.access_case(current_user, case_id)
    form = forms.ResponsibleForm()
    form.responsible_tenant.values = [t.slug for t in municipality.region_tenants()] + [
        municipality.OUTSIDE
    ]
    if not form.validate():
        return invalid_on_case_page(case, form, "responsible_errors")

    def confirm():
        check_version(case.client, form.client_version.data)
        municipality.set_responsible(
            case.client,
            case.id,
            form.responsible_tenant.data,
            form.responsible_outside_name.data,
            current_user,
            confirm=True,
        )

    return on_case(
        case,
        confirm,
        anchor="#details",
        errors_name="responsible_errors",
        field="responsible_tenant",
        conflict_field="client_version",
    )


@bp.post("/<uuid:case_id>/release")
@requires(Permission.CASE_WRITE)
def record_release(case_id: uuid.UUID):
    case = services.access_case(current_user, case_id)
    form = forms.ReleaseForm()
    if not form.validate():
        return invalid_on_case_page(case, form, "release_errors")

    def record():
        check_version(case, form.version.data)
        release.record_release(case, form.released_on.data, current_user)

    return on_case(
        case, record, anchor="#release", errors_name="release_errors", field="released_on"
    )


@bp.post("/<uuid:case_id>/release/correct")
@requires(Permission.CASE_WRITE)
def correct_release(case_id: uuid.UUID):
    case = services.access_case(current_user, case_id)
    form = forms.ReleaseCorrectionForm()
    if not form.validate():
        return invalid_on_case_page(case, form, "correction_errors")

    def correct():
        check_version(case, form.version.data)
        release.correct_release(case, form.released_on.data, form.reason.data, current_user)

    return on_case(
        case, correct, anchor="#release", errors_name="correction_errors", field="released_on"
    )


@bp.post("/<uuid:case_id>/snapshots/<moment>/void")
@requires(Permission.CASE_WRITE)
def void_snapshot(case_id: uuid.UUID, moment: str):
    case = services.access_case(current_user, case_id)
    if moment not in {m.value for m in MonitorMoment}:
        abort(404)
    form = forms.VoidSnapshotForm()
    if not form.validate():
        return invalid_on_case_page(case, form, "void_errors")

    def void():
        services.void_snapshot(case, MonitorMoment(moment), form.reason.data, current_user)

    return on_case(case, void, anchor="#domains", errors_name="void_errors", field="reason")


@bp.post("/<uuid:case_id>/snapshots/<moment>")
@requires(Permission.CASE_WRITE)
def take_snapshot(case_id: uuid.UUID, moment: str):
    case = services.access_case(current_user, case_id)
    if moment not in {m.value for m in MonitorMoment}:
        abort(404)

    def take():
        services.take_snapshot(case, MonitorMoment(moment), current_user)

    return on_case(case, take, anchor="#domains", errors_name="snapshot_errors", field="moment")


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


def domain_refused(case_id: uuid.UUID, domain_id: uuid.UUID, submitted: dict):
    """Nothing saved: the user's input stays in the form; on a conflict the saved version
    is shown beside it (409), otherwise the reason (422)."""

    def answer(error, status: int):
        case = services.access_case(current_user, case_id)
        domain = services.access_life_domain(current_user, case, domain_id)
        if status == 409:
            shown = {"domain_conflict": error.message}
            row = {"conflict": error.message}
        else:
            shown = {"domain_errors": {error.field or "status": error.message}}
            row = {"errors": {error.field or "status": error.message}}
        if not htmx:
            return case_page(
                case, status=status, editing_domain=domain.id, domain_input=submitted, **shown
            )
        return domain_row(case, domain, editing=True, status=status, submitted=submitted, **row)

    return answer


@bp.post("/<uuid:case_id>/domains/<uuid:domain_id>")
@requires(Permission.CASE_WRITE)
def domain_save(case_id: uuid.UUID, domain_id: uuid.UUID):
    case = services.access_case(current_user, case_id)
    domain = services.access_life_domain(current_user, case, domain_id)
    form = forms.DomainForm()
    submitted = {"status": form.status.raw, "need": form.need.raw, "notes": form.notes.raw}
    if not form.validate():
        errors = form.error_dict()
        if not htmx:
            return case_page(
                case,
                status=422,
                editing_domain=domain.id,
                domain_input=submitted,
                domain_errors=errors,
            )
        return domain_row(
            case, domain, editing=True, status=422, submitted=submitted, errors=errors
        )

    def save():
        services.update_life_domain(
            domain,
            expected_version=form.version.data,
            actor=current_user,
            status=form.status.data,
            need=form.need.data,
            notes=form.notes.data,
        )

    def done(_result):
        if not htmx:
            return back_to_case(case, "#domains")
        return domain_row(case, domain)

    return act(save, done=done, refused=domain_refused(case_id, domain_id, submitted))


# --- tasks -------------------------------------------------------------------------------------


def task_row(case, task, *, status: int = 200, error=None):
    body = render_template("cases/_task_row.html", case=case, task=task, task_error=error)
    return body, status, {"Vary": "HX-Request"}


@bp.post("/<uuid:case_id>/tasks/<uuid:task_id>/done")
@requires(Permission.CASE_WRITE)
def task_done(case_id: uuid.UUID, task_id: uuid.UUID):
    case = services.access_case(current_user, case_id)
    task = plan.access_task(case, task_id)
    form = forms.TaskDoneForm()

    def answer_with(error, status: int):
        fresh = plan.access_task(services.access_case(current_user, case_id), task_id)
        if not htmx:
            return case_page(case, status=status, task_row_errors={fresh.id: error})
        return task_row(case, fresh, status=status, error=error)

    if not form.validate():
        return answer_with(next(iter(form.error_dict().values())), 422)

    def toggle():
        plan.complete_task(
            task, current_user, done=form.done.data, expected_version=form.version.data
        )

    def done(_result):
        if not htmx:
            return back_to_case(case, "#plan")
        return task_row(case, task)

    return act(toggle, done=done, refused=lambda error, status: answer_with(error.message, status))


@bp.post("/<uuid:case_id>/tasks")
@requires(Permission.CASE_WRITE)
def task_add(case_id: uuid.UUID):
    case = services.access_case(current_user, case_id)
    form = forms.TaskForm()
    form.domain.values = [d.domain for d in case.life_domains]
    if not form.validate():
        return invalid_on_case_page(case, form, "task_errors", task_input=request.form)

    def add():
        plan.add_task(
            case,
            current_user,
            domain=form.domain.data,
            title=form.title.data,
            responsible=form.responsible.data,
            due_date=form.due_date.data,
            submission_key=form.submission_key.data,
        )

    return on_case(
        case, add, anchor="#plan", errors_name="task_errors", field="title", task_input=request.form
    )


@bp.app_context_processor
def inject_case_labels() -> dict:
    return template_helpers()


@bp.post("/<uuid:case_id>/transfer")
@requires(Permission.CASE_WRITE)
def transfer(case_id: uuid.UUID):
    """Offer the case to another municipality of the region (a reason and a confirmation);
    the case stays here until the receiver accepts (``app.cases.transfer_offers``)."""
    form = forms.TransferForm()
    errors = form.error_dict() if not form.validate() else {}
    target = form.target.data
    earlier = None if errors else transfers.finished_transfer(case_id)
    if earlier is None:
        try:
            case = services.access_case(current_user, case_id)
        except NotFound:  # it may have left between the check and this read
            earlier = None if errors else transfers.finished_transfer(case_id)
            if earlier is None:
                raise
    if earlier is not None:  # the case left already: a repeated request gets that result
        if earlier.target_tenant_id == target:
            return redirect(url_for("cases.case_list"))
        abort(409, description=transfers.conflict_message(earlier))
    if not errors:
        try:
            offer = offers.offer_transfer(
                case, target, current_user, form.reason.data, confirmed=form.confirm.data
            )
            if offer.state == transfers.TransferState.DONE:  # a half-done move, finished now
                return redirect(url_for("cases.case_list"))
            return back_to_case(case, "#transfer")
        except transfers.TransferConflict as conflict:
            db.session.rollback()
            abort(409, description=conflict.message)
        except CaseError as error:
            db.session.rollback()
            errors[error.field or "target"] = error.message
    case = services.access_case(current_user, case_id)
    return case_page(case, status=422, transfer_errors=errors, transfer_input=request.form)
