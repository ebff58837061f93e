"""Routes of the people involved and the documents of a case (panels on the case page).

Add, change and end a person; upload a document or a new version of one; download a
version. Every write goes through ``act``; a refusal shows the case page again with the
message next to its field and the user's input kept.
"""

from __future__ import annotations

import uuid
from datetime import date

from flask import request
from flask_babel import lazy_gettext as _
from flask_login import current_user

from app.audit.models import AccessAction
from app.audit.services import record_access
from app.audit.tracking import Actor, access_action
from app.cases import documents, people, services
from app.cases.blueprint import bp
from app.cases.views import back_to_case, case_page, on_case
from app.core.actions import act
from app.core.forms import (
    Choice,
    DateValue,
    Form,
    SubmissionKeyField,
    TextField,
    VersionField,
    column_length,
)
from app.core.permissions import Permission, requires
from app.core.rendering import download, render


class PersonForm(Form):
    role = Choice(_("Role"), values=list(people.PersonRole), required=True)
    name = TextField(_("Name"), max_length=column_length(people.CasePerson, "name"), required=True)
    organisation = TextField(
        _("Organisation"), max_length=column_length(people.CasePerson, "organisation")
    )
    contact = TextField(
        _("Phone or e-mail"), max_length=column_length(people.CasePerson, "contact")
    )
    started_on = DateValue(_("Involved since"))


class PersonAddForm(PersonForm):
    submission_key = SubmissionKeyField()


class PersonEditForm(PersonForm):
    version = VersionField()


class PersonEndForm(Form):
    version = VersionField()
    ended_on = DateValue(_("Ended on"), required=True)
    end_reason = TextField(_("Reason"), max_length=1000)


class DocumentForm(Form):
    kind = Choice(_("Kind of document"), values=list(documents.DocumentKind), required=True)
    title = TextField(_("Description"), max_length=column_length(documents.CaseDocument, "title"))
    submission_key = SubmissionKeyField()


def _values(form: PersonForm) -> dict:
    return {key: getattr(form, key).data for key in people.EDITABLE}


def _sent(names) -> dict:
    return {name: request.form.get(name, "") for name in names}


# --- people involved ------------------------------------------------------------------------


@bp.post("/<uuid:case_id>/people")
@requires(Permission.CASE_WRITE)
def person_add(case_id: uuid.UUID):
    case = services.access_case(current_user, case_id)
    form = PersonAddForm()
    sent = _sent(people.EDITABLE)
    if not form.validate():
        return case_page(case, status=422, person_errors=form.error_dict(), person_input=sent)
    return on_case(
        case,
        lambda: people.add_person(
            case, current_user, _values(form), submission_key=form.submission_key.data
        ),
        anchor="#people",
        errors_name="person_errors",
        field="name",
        person_input=sent,
    )


def _person_page(case, person, *, status=200, errors=None, sent=None, end_errors=None):
    return render(
        "cases/person_edit.html",
        status=status,
        case=case,
        person=person,
        role_labels=people.ROLE_LABELS,
        errors=errors or {},
        end_errors=end_errors or {},
        sent=sent,
        today=date.today(),
    )


@bp.get("/<uuid:case_id>/people/<uuid:person_id>")
@requires(Permission.CASE_WRITE)
def person_edit(case_id: uuid.UUID, person_id: uuid.UUID):
    case = services.access_case(current_user, case_id)
    return _person_page(case, people.access_person(case, person_id))


@bp.post("/<uuid:case_id>/people/<uuid:person_id>")
@requires(Permission.CASE_WRITE)
def person_save(case_id: uuid.UUID, person_id: uuid.UUID):
    case = services.access_case(current_user, case_id)
    person = people.access_person(case, person_id)
    form = PersonEditForm()
    sent = _sent(people.EDITABLE)
    if not form.validate():
        return _person_page(case, person, status=422, errors=form.error_dict(), sent=sent)

    def refused(error, status):
        fresh = people.access_person(services.access_case(current_user, case_id), person_id)
        field = "version" if status == 409 else (error.field or "name")
        return _person_page(case, fresh, status=status, errors={field: error.message}, sent=sent)

    return act(
        lambda: people.edit_person(
            person, current_user, _values(form), expected_version=form.version.data
        ),
        done=lambda _r: back_to_case(case, "#people"),
        refused=refused,
    )


@bp.post("/<uuid:case_id>/people/<uuid:person_id>/end")
@requires(Permission.CASE_WRITE)
def person_end(case_id: uuid.UUID, person_id: uuid.UUID):
    case = services.access_case(current_user, case_id)
    person = people.access_person(case, person_id)
    form = PersonEndForm()
    if not form.validate():
        return _person_page(case, person, status=422, end_errors=form.error_dict())

    def refused(error, status):
        fresh = people.access_person(services.access_case(current_user, case_id), person_id)
        field = "version" if status == 409 else (error.field or "ended_on")
        return _person_page(case, fresh, status=status, end_errors={field: error.message})

    return act(
        lambda: people.end_person(
            person,
            current_user,
            form.ended_on.data,
            form.end_reason.data,
            expected_version=form.version.data,
        ),
        done=lambda _r: back_to_case(case, "#people"),
        refused=refused,
    )


# --- documents ------------------------------------------------------------------------------


def _read_upload() -> tuple[str, bytes] | None:
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return None
    # Read one byte past the limit: a larger file is refused without reading it whole.
    return upload.filename, upload.stream.read(documents.max_bytes() + 1)


def _upload(case, series_of=None):
    form = DocumentForm()
    sent = _sent(("kind", "title"))
    if not form.validate():
        return case_page(case, status=422, document_errors=form.error_dict(), document_input=sent)
    received = _read_upload()
    if received is None:
        errors = {"file": str(_("Choose a file."))}
        return case_page(case, status=422, document_errors=errors, document_input=sent)
    filename, content = received
    return on_case(
        case,
        lambda: documents.add_document(
            case,
            current_user,
            kind=form.kind.data,
            title=form.title.data,
            filename=filename,
            content=content,
            series_of=series_of,
            submission_key=form.submission_key.data,
        ),
        anchor="#documents",
        errors_name="document_errors",
        field="file",
        document_input=sent,
    )


@bp.post("/<uuid:case_id>/documents")
@requires(Permission.CASE_WRITE)
def document_add(case_id: uuid.UUID):
    case = services.access_case(current_user, case_id)
    return _upload(case)


@bp.post("/<uuid:case_id>/documents/<uuid:document_id>/versions")
@requires(Permission.CASE_WRITE)
def document_new_version(case_id: uuid.UUID, document_id: uuid.UUID):
    case = services.access_case(current_user, case_id)
    earlier = documents.access_document(case, document_id)
    return _upload(case, series_of=earlier)


@bp.get("/<uuid:case_id>/documents/<uuid:document_id>")
@requires(Permission.CASE_READ)
@access_action(AccessAction.EXPORT)
def document_download(case_id: uuid.UUID, document_id: uuid.UUID):
    """The file as an attachment (never shown inline); the download is in the access log."""
    case = services.access_case(current_user, case_id)
    document = documents.access_document(case, document_id)
    # A row of its own beside the case's (note_access keeps one per client and request),
    # written with the request's rows before the file leaves.
    record_access(
        Actor(
            current_user.id, current_user.display_name, current_user.tenant_id, current_user.role
        ),
        tenant_id=case.tenant_id,
        client_id=case.client_id,
        object_type="case_document",
        object_id=str(document.id),
        action=AccessAction.EXPORT,
        detail=f"download {document.filename} (version {document.version_number})",
    )
    response = download(document.content, document.media_type, document.filename)
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def people_panel(case) -> dict:
    return {
        "involved_people": people.people_of(case),
        "person_roles": people.ROLE_LABELS,
    }


def documents_panel(case) -> dict:
    return {
        "case_documents": documents.documents_of(case),
        "document_kinds": documents.KIND_LABELS,
        "document_max_kb": documents.max_bytes() // 1024,
    }
