"""The intake form and the file upload (routes on the cases blueprint)."""

from __future__ import annotations

import uuid

from flask import redirect, request, url_for
from flask_login import current_user

from app.cases.blueprint import bp
from app.cases.intake.document import DOMAIN_KEYS, parse_document
from app.cases.intake.facilities import known_facilities
from app.cases.intake.forms import IntakeForm, put_errors, submitted_document, values_of
from app.cases.intake.jobs import access_upload, receive_file, report_of
from app.cases.intake.services import Source, receive_intake_once
from app.cases.labels import (
    LEGAL_TITLE_LABELS,
    MESSAGE_KIND_LABELS,
    RELEASE_TYPE_LABELS,
    intake_field_label,
)
from app.cases.models import DomainStatus
from app.cases.services import life_domain_kinds
from app.core.actions import act
from app.core.permissions import Permission, requires
from app.core.rendering import render

MAX_UPLOAD_BYTES = 5 * 1024 * 1024


def intake_form(status: int = 200, **context):
    return render(
        "cases/intake.html",
        status=status,
        domains=[k.value for k in life_domain_kinds()],
        statuses=list(DomainStatus),
        facilities=known_facilities(),
        message_kinds=[(k, str(text)) for k, text in MESSAGE_KIND_LABELS.items()],
        legal_titles=[(k.value, str(text)) for k, text in LEGAL_TITLE_LABELS.items()],
        release_types=[(k.value, str(text)) for k, text in RELEASE_TYPE_LABELS.items()],
        **context,
    )


@bp.get("/intake")
@requires(Permission.CASE_WRITE)
def intake():
    return intake_form(values={})


@bp.post("/intake")
@requires(Permission.CASE_WRITE)
def intake_submit():
    form = IntakeForm()
    valid = form.validate()
    document, errors = parse_document(submitted_document(form, request.form))
    if errors or not valid:
        messages = put_errors(form, errors, intake_field_label)
        return intake_form(status=422, values=values_of(form), errors=messages)

    def done(result):
        if result.waiting:
            return redirect(url_for("cases.intake_check", check_id=result.check_id))
        return redirect(url_for("cases.case_detail", case_id=result.case_id))

    def refused(error, status):
        messages = put_errors(form, [(error.field or "kind", error.message)], intake_field_label)
        return intake_form(status=status, values=values_of(form), errors=messages)

    # A double click posts the same document twice: both get the one case.
    return act(
        lambda: receive_intake_once(document, current_user, Source.FORM),
        done=done,
        refused=refused,
    )


@bp.route("/intake/upload", methods=["GET", "POST"])
@requires(Permission.CASE_WRITE)
def intake_upload():
    if request.method == "GET":
        return render("cases/upload.html", report=None, domain_keys=DOMAIN_KEYS)
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return render(
            "cases/upload.html", status=422, report=None, missing=True, domain_keys=DOMAIN_KEYS
        )
    content = upload.stream.read(MAX_UPLOAD_BYTES + 1)
    if len(content) > MAX_UPLOAD_BYTES:
        return render(
            "cases/upload.html", status=413, report=None, too_large=True, domain_keys=DOMAIN_KEYS
        )

    def done(received):
        report, started = received
        if started is not None:
            return redirect(url_for("cases.intake_upload_progress", upload_id=started.id), 303)
        status = 200 if not report.file_error else 422
        return render("cases/upload.html", status=status, report=report, domain_keys=DOMAIN_KEYS)

    def refused(error, status):
        return render(
            "cases/upload.html",
            status=status,
            report=None,
            refusal=error.message,
            domain_keys=DOMAIN_KEYS,
        )

    return act(
        lambda: receive_file(upload.filename, content, current_user), done=done, refused=refused
    )


@bp.get("/intake/upload/<uuid:upload_id>")
@requires(Permission.CASE_WRITE)
def intake_upload_progress(upload_id: uuid.UUID):
    """A large upload's progress (polled by htmx until done), then its report."""
    upload = access_upload(current_user, upload_id)
    return render(
        "cases/upload_progress.html",
        block="progress",
        upload=upload,
        report=report_of(upload) if upload.is_finished else None,
    )
