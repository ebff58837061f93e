"""Error pages: a Dutch explanation and a reference number, never a stack trace or SQL.

The reference is written to the log with the exception, so the service desk can
find what happened from the number a user reads out. The JSON API gets the same
as a JSON body.
"""

from __future__ import annotations

import logging
import secrets

from flask import Flask, jsonify, request
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from app.core.rendering import render
from app.extensions import db

log = logging.getLogger("nazorg.errors")

MESSAGES = {
    400: _l("The request could not be processed. Go back and try again."),
    403: _l("You do not have access to this page."),
    404: _l("This page does not exist, or you have no access to it."),
    405: _l("This action is not possible here."),
    413: _l("The file is too large."),
    422: _l("Some of the data is not correct."),
    423: _l("This account is locked for now."),
    429: _l("Too many attempts. Wait a moment and try again."),
    500: _l("Something went wrong on our side. Your last change may not have been saved."),
}
CSRF_MESSAGE = _l("The page was open too long or was opened elsewhere. Reload it and try again.")


def new_reference() -> str:
    return secrets.token_hex(4).upper()


def wants_json() -> bool:
    return request.path.startswith("/api/") or (request.accept_mimetypes.best == "application/json")


def json_problem(status: int, title, errors: list | None = None, reference: str | None = None):
    """The one JSON error shape (``Problem`` in docs/openapi.yaml): status, Dutch title."""
    body: dict = {"status": status, "title": str(title)}
    if errors is not None:
        body["errors"] = errors
    if reference is not None:
        body["reference"] = reference
    response = jsonify(body)
    response.status_code = status
    return response


def error_response(status: int, message, reference: str):
    if wants_json():
        return json_problem(status, message, reference=reference)
    return render(
        "errors/error.html",
        block="content",
        status=status,
        code=status,
        message=message,
        reference=reference,
    )


def _message_for(error: HTTPException, status: int):
    """A description given to ``abort`` (Dutch, ours) wins over the generic message;
    Werkzeug's own English default descriptions never reach the user."""
    if error.description and error.description != type(error).description:
        return error.description
    return MESSAGES.get(status, MESSAGES[400])


def handle_http_error(error: HTTPException):
    status = error.code or 500
    reference = new_reference()
    message = CSRF_MESSAGE if isinstance(error, CSRFError) else _message_for(error, status)
    if status >= 500:
        log.error("HTTP %s (reference %s) at %s", status, reference, request.path)
    return error_response(status, message, reference)


def handle_unexpected_error(error: Exception):
    if isinstance(error, HTTPException):
        return handle_http_error(error)
    # A failed flush leaves the session unusable: the error page's own queries would fail.
    db.session.rollback()
    reference = new_reference()
    log.exception("unhandled error (reference %s) at %s", reference, request.path)
    return error_response(500, MESSAGES[500], reference)


def configure_error_pages(app: Flask) -> None:
    app.register_error_handler(HTTPException, handle_http_error)
    app.register_error_handler(InternalServerError, handle_http_error)
    app.register_error_handler(Exception, handle_unexpected_error)
