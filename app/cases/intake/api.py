"""The intake API for the justice side: ``POST /api/v1/intake-documents``.

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
from app.cases.intake.document import parse_document
from app.cases.intake.services import IntakeRefused, Source, receive_intake_once
from app.cases.labels import intake_field_label
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
    data = request.get_json(silent=True)
    if data is None:
        return problem(400, _("The body must be a JSON object."))
    document, errors = parse_document(data)
    if errors:
        return problem(
            422,
            _("The intake document is not valid."),
            [
                {"field": name, "message": f"{intake_field_label(name)}: {message}"}
                for name, message in errors
            ],
        )
    # The same message (or detention) arriving twice at once is answered as the known case.
    try:
        result = receive_intake_once(document, API_ACTOR, Source.API)
    except IntakeRefused as refusal:
        db.session.rollback()
        field = refusal.field or "document"
        return problem(
            422,
            _("The intake document is not valid."),
            [{"field": field, "message": f"{intake_field_label(field)}: {refusal.message}"}],
        )
    db.session.commit()
    if result.waiting:
        # Accepted, not processed: a case worker decides first (the check list).
        return jsonify(
            {
                "case_id": None,
                "message_id": document.message_id,
                "status": result.status,
                "check_id": str(result.check_id),
                "message": str(waiting_message()),
            }
        ), 202
    body = {
        "case_id": str(result.case_id),
        "message_id": document.message_id,
        "status": result.status,
    }
    return jsonify(body), 201 if result.created else 200
