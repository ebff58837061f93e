"""A large upload as a background job: stored, then received in chunks, with progress.

A file of more than ``INLINE_ROWS`` rows would keep the request busy past a proxy's
timeout (3,000 rows took 55 s). The upload is stored (``IntakeUpload``) and
``receive_upload_chunk`` receives ``CHUNK_ROWS`` rows per job run, each run committed
by the job wrapper, so the page's progress moves; the next chunk is enqueued in the
same transaction. A run for a position that is already done does nothing, so a job
run twice saves nothing twice; each row is idempotent on its message key besides.
"""

from __future__ import annotations

import hashlib
import uuid

from flask import current_app
from flask_babel import force_locale
from flask_babel import lazy_gettext as _
from sqlalchemy import select
from werkzeug.exceptions import NotFound

from app.audit.models import AccessAction
from app.audit.services import record_access
from app.audit.tracking import Actor
from app.auth.api import User
from app.cases.intake.models import IntakeUpload
from app.cases.intake.upload import (
    MAX_ROWS,
    RowProblem,
    UploadReport,
    import_rows,
    read_rows,
)
from app.cases.models import Case
from app.core.audit import report_refused_access
from app.core.db import utcnow
from app.extensions import db
from app.jobs import enqueue, job

INLINE_ROWS = 200
CHUNK_ROWS = 100


def content_hash(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def receive_file(filename: str, content: bytes, user):
    """(report, None) for a file received now, (None, upload) for one left to the job."""
    report = UploadReport()
    try:
        rows = read_rows(filename, content)
    except ValueError as error:
        report.file_error = str(error.args[0]) if error.args else str(error)
        return report, None
    if len(rows) > MAX_ROWS:
        report.file_error = str(_("A file may hold at most %(n)s rows.", n=MAX_ROWS))
        return report, None
    if len(rows) > INLINE_ROWS:
        return None, start_upload(filename, content, len(rows), user)
    import_rows(rows, user, report)
    return report, None


def access_upload(user, upload_id: uuid.UUID) -> IntakeUpload:
    """The municipality's upload ``upload_id``; 404 alike for foreign and missing."""
    upload = db.session.get(IntakeUpload, (user.tenant_id, upload_id))
    if upload is None:
        report_refused_access(user, "intake_upload", str(upload_id))
        raise NotFound()
    return upload


def start_upload(filename: str, content: bytes, total_rows: int, user) -> IntakeUpload:
    """Store the file and enqueue its first chunk; the same file still being received
    is the answer instead of a second job."""
    digest = content_hash(content)
    running = db.session.scalars(
        select(IntakeUpload).where(
            IntakeUpload.content_hash == digest, IntakeUpload.finished_at.is_(None)
        )
    ).first()
    if running is not None:
        return running
    upload = IntakeUpload(
        id=uuid.uuid4(),
        filename=filename[:255],
        content=content,
        content_hash=digest,
        uploaded_by_id=getattr(user, "id", None),
        total_rows=total_rows,
        processed_rows=0,
        report={"created": [], "already_received": [], "problems": []},
    )
    db.session.add(upload)
    db.session.flush()
    enqueue(receive_upload_chunk, upload_id=str(upload.id), position=0)
    return upload


@job()
def receive_upload_chunk(tenant_id: int, upload_id: str, position: int) -> None:
    upload = db.session.get(IntakeUpload, (tenant_id, uuid.UUID(upload_id)), with_for_update=True)
    if upload is None or upload.is_finished or upload.processed_rows != position:
        return  # done already (a job run twice), or gone
    user = None
    if upload.uploaded_by_id is not None:
        user = db.session.get(User, (tenant_id, upload.uploaded_by_id))
    actor = user if user is not None else "upload"
    rows = read_rows(upload.filename, upload.content or b"")[position : position + CHUNK_ROWS]
    report = report_of(upload)
    lists = (report.created, report.updated, report.already_received)
    before = [len(received) for received in lists]
    # No request, so no user's language: the report is in the portal's language.
    with force_locale(current_app.config.get("BABEL_DEFAULT_LOCALE", "nl")):
        import_rows(rows, actor, report)
        upload.report = _stored(report)
    received = [case_id for got, n in zip(lists, before, strict=True) for case_id in got[n:]]
    upload.processed_rows = position + len(rows)
    if not rows or upload.processed_rows >= upload.total_rows:
        upload.finished_at = utcnow()
        upload.content = None  # citizen numbers: not kept once received
    else:
        enqueue(receive_upload_chunk, upload_id=upload_id, position=upload.processed_rows)
    if user is not None:
        _log_intakes(user, tenant_id, received)


def _log_intakes(user: User, tenant_id: int, case_ids: list[uuid.UUID]) -> None:
    """The access log, as the upload in the request writes it: one row per client."""
    actor = Actor(user.id, user.display_name, user.tenant_id, user.role)
    cases = db.session.scalars(select(Case).where(Case.id.in_(case_ids))).all() if case_ids else []
    for case in cases:
        record_access(
            actor,
            tenant_id=tenant_id,
            client_id=case.client_id,
            object_type="intake",
            object_id=case.id,
            action=AccessAction.CHANGE,
        )


def report_of(upload: IntakeUpload) -> UploadReport:
    stored = upload.report or {}
    return UploadReport(
        created=[uuid.UUID(i) for i in stored.get("created", [])],
        already_received=[uuid.UUID(i) for i in stored.get("already_received", [])],
        updated=[uuid.UUID(i) for i in stored.get("updated", [])],
        problems=[RowProblem(line, list(texts)) for line, texts in stored.get("problems", [])],
    )


def _stored(report: UploadReport) -> dict:
    return {
        "created": [str(i) for i in report.created],
        "already_received": [str(i) for i in report.already_received],
        "updated": [str(i) for i in report.updated],
        "problems": [[p.line, [str(t) for t in p.messages]] for p in report.problems],
    }
