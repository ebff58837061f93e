"""The intake API for the justice side: ``POST /api/v1/intake-documents`` (one document)
and ``POST /api/v1/intake-document-batches`` (up to 500), one code path.

Authenticated with the municipality's API token (``Authorization: Bearer npt_…``),
not with a session: the blueprint is exempt from CSRF (nothing else is), and every
answer, errors included, is JSON (the app's error handlers answer ``/api/`` paths
with the same ``Problem`` shape, so a 405, 413 or 500 looks like a 422 here).
Idempotent on the sender's ``message_id``.
Documented in ``docs/openapi.yaml``.
"""

from __future__ import annotations

import functools
import logging
import uuid

from flask import Blueprint, g, jsonify, request
from flask_babel import gettext as _

from app.audit.tracking import Actor, act_as
from app.cases.intake import tokens
from app.cases.intake.checklist import waiting_message
from app.cases.intake.services import (
    MAX_BATCH,
    Answer,
    DocumentAnswer,
    Source,
    receive_intake_batch,
)
from app.cases.services import tenant_settings
from app.core.errors import json_problem
from app.core.permissions import public
from app.core.tenancy import bind_tenant, current_tenant_id
from app.extensions import csrf, db

bp = Blueprint("intake_api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)
security_log = logging.getLogger("nazorg.security")
API_ACTOR = "API"


def problem(status: int, title: str, errors: list | None = None):
    response = json_problem(status, title, errors)
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="intake"'
    return response


def sending_system(tenant_id: int) -> Actor:
    """The access log's actor of an API request: the sending system, known by its token.

    The id is derived from the token's hash (one id per token, nothing to reverse),
    so the rows of one token can be listed and a replaced token starts a new actor."""
    settings = tenant_settings()
    return Actor(
        id=uuid.uuid5(uuid.NAMESPACE_URL, f"nazorgportaal:intake-api:{settings.api_token_hash}"),
        display_name=f"Intake-API (token …{settings.api_token_hint or ''})",
        tenant_id=tenant_id,
        role="api",
    )


def token_required(view):
    """Bind the request to the tenant whose API token it carries, or answer 401."""

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        header = request.headers.get("Authorization", "")
        scheme, _sep, token = header.partition(" ")
        tenant_id = tokens.tenant_of(token.strip()) if scheme.lower() == "bearer" else None
        if tenant_id is None:
            return problem(401, _("No valid API token."))
        bound = current_tenant_id(db.session())
        if bound is not None and bound != tenant_id:
            # A session cookie of another municipality came along: the session's tenant is
            # already bound and never switches, so the token cannot be used here.
            security_log.warning(
                "intake api token of another tenant than the session",
                extra={"tenant": bound, "result": "refused"},
            )
            return problem(401, _("No valid API token."))
        bind_tenant(db.session, tenant_id)
        if not tokens.matches(token.strip()):
            security_log.warning(
                "intake api token refused", extra={"tenant": tenant_id, "result": "refused"}
            )
            return problem(401, _("No valid API token."))
        g.api_tenant_id = tenant_id
        act_as(sending_system(tenant_id))
        return view(*args, **kwargs)

    return wrapper


@bp.post("/intake-documents")
@public  # no session: the API token is checked by @token_required
@token_required
def receive_document():
    """One document: a batch of one (``receive_intake_batch``), answered as before the
    batch endpoint existed (201 created, 200 received before or a new version, 202
    waiting in the check list, 422 with the reasons)."""
    data = request.get_json(silent=True)
    if data is None:
        return problem(400, _("The body must be a JSON object."))
    # The same message (or detention) arriving twice at once is answered as the known case.
    (answer,) = receive_intake_batch([data], Source.API, actor=API_ACTOR)
    db.session.commit()
    if answer.status == Answer.REFUSED:
        return problem(422, _("The intake document is not valid."), answer.errors)
    if answer.status == Answer.WAITING:
        # Accepted, not processed: a case worker decides first (the check list).
        return jsonify(
            {
                "case_id": None,
                "message_id": answer.message_id,
                "status": "waiting",
                "check_id": str(answer.check_id),
                "message": str(waiting_message()),
            }
        ), 202
    body = {
        "case_id": str(answer.case_id),
        "message_id": answer.message_id,
        # The single endpoint's word for a message received before.
        "status": "duplicate" if answer.status == Answer.UNCHANGED else answer.status.value,
    }
    return jsonify(body), 201 if answer.status == Answer.CREATED else 200


@bp.post("/intake-document-batches")
@public  # no session: the API token is checked by @token_required
@token_required
def receive_batch():
    """Up to ``MAX_BATCH`` documents in one request: ``{"documents": [...]}``, answered
    200 with one entry per document in the batch's order (created, updated, unchanged,
    waiting, refused with the reasons); a refused document does not stop the others."""
    data = request.get_json(silent=True)
    documents = data.get("documents") if isinstance(data, dict) else None
    if not isinstance(documents, list):
        return problem(400, _('The body must be a JSON object with a list "documents".'))
    if not documents:
        return problem(
            422,
            _("The batch holds no documents."),
            [{"field": "documents", "message": str(_("The batch holds no documents."))}],
        )
    if len(documents) > MAX_BATCH:
        too_many = _(
            "A batch holds at most %(max)s documents; this one holds %(n)s. Send them in "
            "smaller batches.",
            max=MAX_BATCH,
            n=len(documents),
        )
        return problem(413, too_many, [{"field": "documents", "message": too_many}])
    answers = receive_intake_batch(documents, Source.API, actor=API_ACTOR)
    db.session.commit()
    counts = {answer.value: 0 for answer in Answer}
    for answer in answers:
        counts[answer.status.value] += 1
    return jsonify(
        {
            "counts": counts,
            "documents": [_entry(answer) for answer in answers],
        }
    ), 200


def _entry(answer: DocumentAnswer) -> dict:
    entry = {
        "index": answer.index,
        "message_id": answer.message_id,
        "status": answer.status.value,
        "case_id": str(answer.case_id) if answer.case_id else None,
    }
    if answer.status == Answer.WAITING:
        entry["check_id"] = str(answer.check_id)
        entry["message"] = str(waiting_message())
    if answer.errors:
        entry["errors"] = answer.errors
    return entry
