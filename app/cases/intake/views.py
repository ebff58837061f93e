"""The intake form and the file upload (routes on the cases blueprint)."""

from __future__ import annotations

from flask import redirect, request, url_for
from flask_login import current_user

from app.cases.blueprint import bp
from app.cases.intake.document import DOMAIN_KEYS, flat_row_to_document, parse_document
from app.cases.intake.services import Source, receive_intake_once
from app.cases.intake.upload import import_file
from app.cases.labels import intake_field_label
from app.cases.models import DomainStatus
from app.cases.services import life_domain_kinds
from app.core.permissions import Permission, requires
from app.core.rendering import render
from app.extensions import db

MAX_UPLOAD_BYTES = 5 * 1024 * 1024


def intake_form(status: int = 200, **context):
    return render(
        "cases/intake.html",
        status=status,
        domains=[k.value for k in life_domain_kinds()],
        statuses=list(DomainStatus),
        **context,
    )


@bp.get("/intake")
@requires(Permission.CASE_WRITE)
def intake():
    return intake_form(values={})


@bp.post("/intake")
@requires(Permission.CASE_WRITE)
def intake_submit():
    values = {k: v for k, v in request.form.items() if k != "csrf_token"}
    raw = flat_row_to_document(values)
    for flag in ("prolific_offender", "benefit_recipient"):
        raw[flag] = bool(values.get(flag))
    document, errors = parse_document(raw)
    if errors:
        messages = {
            form_field(name): f"{intake_field_label(name)}: {message}" for name, message in errors
        }
        return intake_form(status=422, values=values, errors=messages)
    # A double click posts the same document twice: both get the one case.
    result = receive_intake_once(document, current_user, Source.FORM)
    db.session.commit()
    return redirect(url_for("cases.case_detail", case_id=result.case_id))


def form_field(name: str) -> str:
    """The form's field for a document error (``domains.housing.status``: ``housing_status``),
    so that the page can tie the message to its field."""
    return name.removeprefix("domains.").replace(".", "_")


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
    report = import_file(upload.filename, content, current_user)
    db.session.commit()
    status = 200 if not report.file_error else 422
    return render("cases/upload.html", status=status, report=report, domain_keys=DOMAIN_KEYS)
