"""Writes that must outlive the request's transaction: the security events.

(The access log is not deferred: ``app.audit.tracking`` writes it before the
response leaves, and refuses the page when it cannot.)

Inside a request they wait until the response is known. The request's own
transaction is then ended first, so that writing them in a session of their own
never needs a second database connection while the first is still held (a pool
of N connections would otherwise stall at N concurrent requests). Nothing a view
left uncommitted survives a request anyway: Flask-SQLAlchemy rolls it back at
teardown. Outside a request (jobs, CLI, tests) they are written at once.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from flask import Flask, g, has_request_context
from flask.wrappers import Response

from app.extensions import db

log = logging.getLogger("nazorg.errors")
_PENDING = "_after_response_writes"
_ACTIVE = "_after_response_active"


def after_response(write: Callable[..., None], /, **arguments) -> None:
    if has_request_context() and g.get(_ACTIVE):
        g.setdefault(_PENDING, []).append((write, arguments))
    else:
        write(**arguments)


def _start() -> None:
    g.setdefault(_ACTIVE, True)


def _flush(response: Response) -> Response:
    pending = g.pop(_PENDING, [])
    g.pop(_ACTIVE, None)
    if pending:
        db.session.rollback()  # hand the connection back before taking one for the log
    for write, arguments in pending:
        try:
            write(**arguments)
        except Exception:  # noqa: BLE001 - one failed log write must not hide the others
            log.exception("deferred write %s failed", getattr(write, "__name__", write))
    return response


def init_app(app: Flask) -> None:
    """Call first among the after_request hooks: Flask runs them in reverse, so this runs last."""
    app.before_request(_start)
    app.after_request(_flush)
