"""Notes on the case page: add, and edit inline with htmx."""

from __future__ import annotations

import uuid

from flask import redirect, render_template, request, url_for
from flask_login import current_user

from app.cases import forms, notes, services
from app.cases.blueprint import bp
from app.cases.errors import CaseError, EditConflict
from app.cases.views import case_page
from app.core.permissions import Permission, requires
from app.extensions import db, htmx


def note_fragment(case, note, *, editing=False, status=200, **extra):
    body = render_template("cases/_note.html", case=case, note=note, editing=editing, **extra)
    return body, status, {"Vary": "HX-Request"}


@bp.post("/<uuid:case_id>/notes")
@requires(Permission.CASE_WRITE)
def note_add(case_id: uuid.UUID):
    case = services.access_case(current_user, case_id)
    errors = forms.FormErrors()
    key = forms.parse_submission_key(request.form, errors)
    body = request.form.get("body", "")
    if errors:
        return case_page(case, status=422, note_error=errors["submission_key"], note_input=body)
    try:
        notes.add_note(case, current_user, body, submission_key=key)
    except CaseError as error:
        db.session.rollback()
        case = services.access_case(current_user, case_id)
        return case_page(case, status=422, note_error=error.message, note_input=body)
    db.session.commit()
    return redirect(url_for("cases.case_detail", case_id=case.id) + "#notes")


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
    errors = forms.FormErrors()
    version = forms.parse_version(request.form, errors)
    submitted = request.form.get("body", "")
    if errors:
        return note_fragment(
            case, note, editing=True, status=422, submitted=submitted, error=errors["version"]
        )
    try:
        notes.edit_note(note, current_user, submitted, expected_version=version)
        db.session.commit()
    except EditConflict as conflict:
        db.session.rollback()
        note = notes.access_note(case, note_id)
        return note_fragment(
            case, note, editing=True, status=409, submitted=submitted, conflict=conflict.message
        )
    except CaseError as error:
        db.session.rollback()
        note = notes.access_note(case, note_id)
        return note_fragment(
            case, note, editing=True, status=422, submitted=submitted, error=error.message
        )
    if not htmx:
        return redirect(url_for("cases.case_detail", case_id=case.id) + "#notes")
    return note_fragment(case, note)
