"""One access-log row per client per request, written after the response is known.

``access_<thing>`` services note which client's data a request touched
(``note_access``); after the request one row per client is written with the
action the view declared (``@access_action``) or, by default, ``read`` for GET
and ``change`` for the methods that change data. However many times a view
fetches the same case, a page view is one row.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from flask import Flask, current_app, g, request
from flask_login import current_user

from app.audit.models import AccessAction
from app.audit.services import record_access

F = TypeVar("F", bound=Callable)
_NOTED = "_noted_client_access"
_ACTOR = "_access_actor"
_ACTION = "audit_action"
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


@dataclass(frozen=True)
class Actor:
    """Who acted, taken when the access happens: the view may commit (expiring the user)
    or even move the case to another tenant before the row is written."""

    id: uuid.UUID
    display_name: str
    tenant_id: int
    role: str


def note_access(
    *,
    tenant_id: int,
    client_id: uuid.UUID | None,
    object_type: str,
    object_id: uuid.UUID | str | None,
    detail: str | None = None,
) -> None:
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


def write_noted_accesses(response):
    noted = g.pop(_NOTED, None)
    actor = g.pop(_ACTOR, None)
    if not noted or actor is None:
        return response
    action = _action_of_request()
    result = "granted" if response.status_code < 400 else f"failed {response.status_code}"
    for (tenant_id, client_id, _kind), (object_type, object_id, detail) in noted.items():
        record_access(
            actor,
            tenant_id=tenant_id,
            client_id=client_id,
            object_type=object_type,
            object_id=object_id,
            action=action,
            result=result,
            detail=detail,
        )
    return response


def init_app(app: Flask) -> None:
    app.after_request(write_noted_accesses)
