"""Notes on the case page: add, and edit inline with htmx."""

from __future__ import annotations

import uuid

from flask import redirect, render_template, request, url_for
from flask_login import current_user

from app.cases import forms, notes, services
from app.cases.blueprint import bp
from app.cases.views import case_page
from app.core.actions import act
from app.core.permissions import Permission, requires
from app.extensions import htmx


def note_fragment(case, note, *, editing=False, status=200, **extra):
    body = render_template("cases/_note.html", case=case, note=note, editing=editing, **extra)
    return body, status, {"Vary": "HX-Request"}


def back_to_notes(case):
    return redirect(url_for("cases.case_detail", case_id=case.id) + "#notes")


@bp.post("/<uuid:case_id>/notes")
@requires(Permission.CASE_WRITE)
def note_add(case_id: uuid.UUID):
    case = services.access_case(current_user, case_id)
    form = forms.NoteForm()
    body = request.form.get("body", "")
    if not form.validate():
        message = next(iter(form.error_dict().values()))
        return case_page(case, status=422, note_error=message, note_input=body)

    def refused(error, status: int):
        fresh = services.access_case(current_user, case_id)
        return case_page(fresh, status=status, note_error=error.message, note_input=body)

    return act(
        lambda: notes.add_note(
            case, current_user, form.body.data, submission_key=form.submission_key.data
        ),
        done=lambda _note: back_to_notes(case),
        refused=refused,
    )


@bp.get("/<uuid:case_id>/notes/<uuid:note_id>")
@requires(Permission.CASE_READ)
def note_view(case_id: uuid.UUID, note_id: uuid.UUID):
    case = services.access_case(current_user, case_id)
    return note_fragment(case, notes.access_note(case, note_id))


@bp.get("/<uuid:case_id>/notes/<uuid:note_id>/edit")
@requires(Permission.CASE_WRITE)
def note_edit(case_id: uuid.UUID, note_id: uuid.UUID):
    case = services.access_case(current_user, case_id)
    return note_fragment(case, notes.access_note(case, note_id), editing=True)


@bp.post("/<uuid:case_id>/notes/<uuid:note_id>")
@requires(Permission.CASE_WRITE)
def note_save(case_id: uuid.UUID, note_id: uuid.UUID):
    case = services.access_case(current_user, case_id)
    note = notes.access_note(case, note_id)
    form = forms.NoteEditForm()
    submitted = request.form.get("body", "")
    if not form.validate():
        message = next(iter(form.error_dict().values()))
        return note_fragment(
            case, note, editing=True, status=422, submitted=submitted, error=message
        )

    def refused(error, status: int):
        # The note as saved now (the rollback undid this change), the user's text in the form.
        saved = notes.access_note(case, note_id)
        shown = {"conflict": error.message} if status == 409 else {"error": error.message}
        return note_fragment(case, saved, editing=True, status=status, submitted=submitted, **shown)

    def done(_result):
        if not htmx:
            return back_to_notes(case)
        return note_fragment(case, note)

    return act(
        lambda: notes.edit_note(
            note, current_user, form.body.data, expected_version=form.version.data
        ),
        done=done,
        refused=refused,
    )
