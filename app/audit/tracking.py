"""One access-log row per client per request, written before the response leaves.

``access_<thing>`` services note which client's data a request touched
(``note_access``); once the view has answered, one row per client is written with
the action the view declared (``@access_action``) or, by default, ``read`` for GET
and ``change`` for the methods that change data. However many times a view
fetches the same case, a page view is one row.

All rows of a request go in one INSERT (``record_access`` calls of the view
included), committed before the response is handed on. When that write fails the
page is not served: the answer is a 503 error page instead (NEN 7513: no access
without a record). A request without a signed-in user (the intake API) names its
actor with ``act_as``.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from flask import Flask, current_app, g, request
from flask.wrappers import Response
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from app.audit import services
from app.audit.models import AccessAction
from app.core.db import utcnow
from app.core.errors import error_response, new_reference
from app.core.tenancy import end_read_only_transaction
from app.extensions import db

F = TypeVar("F", bound=Callable)
_NOTED = "_noted_client_access"
_ACTOR = "_access_actor"
_ACTION = "audit_action"
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
log = logging.getLogger("nazorg.errors")
NOT_RECORDED = _l(
    "This page cannot be shown now because its access could not be recorded. Try again in a moment."
)


@dataclass(frozen=True)
class Actor:
    """Who acted, taken when the access happens: the view may commit (expiring the user)
    or even move the case to another tenant before the row is written."""

    id: uuid.UUID
    display_name: str
    tenant_id: int
    role: str


def act_as(actor: Actor) -> None:
    """The actor of this request's accesses when no user is signed in (a sending system)."""
    g.setdefault(_ACTOR, actor)


def request_actor() -> Actor | None:
    """The actor of this request's accesses: the one named by ``act_as``, else the
    signed-in user; None when there is neither."""
    if _ACTOR not in g and current_user.is_authenticated:
        g.setdefault(
            _ACTOR,
            Actor(
                current_user.id,
                current_user.display_name,
                current_user.tenant_id,
                current_user.role,
            ),
        )
    return g.get(_ACTOR)


def note_access(
    *,
    tenant_id: int,
    client_id: uuid.UUID | None,
    object_type: str,
    object_id: uuid.UUID | str | None,
    detail: str | None = None,
) -> None:
    request_actor()
    noted = g.setdefault(_NOTED, {})
    noted.setdefault(
        (tenant_id, client_id, object_type if client_id is None else None),
        (object_type, object_id, detail),
    )


def access_action(action: AccessAction) -> Callable[[F], F]:
    """Declare what a view does with client data when it is not plain read or change."""

    def mark(view: F) -> F:
        setattr(view, _ACTION, action)
        return view

    return mark


def _action_of_request() -> AccessAction:
    view = current_app.view_functions.get(request.endpoint or "")
    declared = getattr(view, _ACTION, None)
    if declared is not None:
        return declared
    return AccessAction.READ if request.method in SAFE_METHODS else AccessAction.CHANGE


def _noted_rows(response: Response) -> list[dict]:
    noted = g.pop(_NOTED, None)
    actor = g.pop(_ACTOR, None)
    if not noted or actor is None:
        return []
    action = _action_of_request()
    result = "granted" if response.status_code < 400 else f"failed {response.status_code}"
    occurred_at = utcnow()
    return [
        services.access_row(
            actor,
            tenant_id=tenant_id,
            client_id=client_id,
            object_type=object_type,
            object_id=object_id,
            action=action,
            result=result,
            detail=detail,
            occurred_at=occurred_at,
        )
        for (tenant_id, client_id, _kind), (object_type, object_id, detail) in noted.items()
    ]


def write_noted_accesses(response: Response) -> Response:
    rows = services.take_pending_rows() + _noted_rows(response)
    if not rows:
        return response
    try:
        if services.write_in_read_only_transaction(rows):
            return response
        # End the view's transaction first, as teardown would: one that only read (a
        # regional read) commits, so psycopg keeps its prepared statements; what a view
        # left uncommitted is rolled back. Its connection goes back before the log takes one.
        end_read_only_transaction()
        db.session.rollback()
        services.write_access_rows(rows)
    except Exception:  # noqa: BLE001 - any failure to record means: do not serve the page
        return not_recorded()
    return response


def not_recorded() -> Response:
    """The answer instead of a page whose access could not be recorded (logged)."""
    reference = new_reference()
    log.exception("access log not written (reference %s) at %s", reference, request.path)
    db.session.rollback()
    try:
        return error_response(503, NOT_RECORDED, reference)
    except Exception:  # noqa: BLE001 - the error page itself may need the database
        log.exception("error page failed (reference %s)", reference)
        return Response(f"503 ({reference})", status=503, mimetype="text/plain")


def init_app(app: Flask) -> None:
    """Call before the other after_request hooks are registered that must see the final
    response (Flask runs them in reverse): a refused page gets their headers too."""
    app.before_request(services.gather_in_request)
    app.after_request(write_noted_accesses)
