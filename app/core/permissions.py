"""Roles and permissions, declared per view; whatever is not declared is denied.

A view declares what it needs with ``@requires(Permission.X)`` or, for the few
pages anyone may open (sign-in, health), ``@public``. ``enforce_declared_permission``
runs before every request: an endpoint without a declaration is refused, even
when the developer forgot the decorator. ``tests/core/test_route_permissions.py``
walks ``app.url_map`` and fails on any such endpoint.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from functools import lru_cache
from typing import TypeVar

from flask import abort, current_app, request

from app.core.audit import report_refused_access

F = TypeVar("F", bound=Callable)


class Role(StrEnum):
    CASE_WORKER = "case_worker"
    TENANT_ADMIN = "tenant_admin"
    REGIONAL_COORDINATOR = "regional_coordinator"
    VOLUNTEER = "volunteer"
    PROVIDER_WORKER = "provider_worker"
    PRIVACY_OFFICER = "privacy_officer"
    CIRCLE_COORDINATOR = "circle_coordinator"


class Permission(StrEnum):
    START_PAGE = "start_page"
    CASE_READ = "case.read"
    CASE_WRITE = "case.write"
    # The incoming list of transfers offered by another municipality: accept or decline.
    TRANSFER_RECEIVE = "transfer.receive"
    TENANT_ADMIN = "tenant.admin"
    REGIONAL_OVERVIEW = "regional.overview"
    MENTOR_PORTAL = "mentor.portal"
    TRAJECTORY_PROGRESS = "trajectory.progress"
    ACCOUNTS_MANAGE = "accounts.manage"
    ACCOUNTS_INVITE = "accounts.invite"
    ACCESS_LOG_READ = "access_log.read"
    SUBJECT_ACCESS = "subject_access"
    BUDGET_MANAGE = "budget.manage"
    BUDGET_APPROVE = "budget.approve"
    VOLUNTEERS_MANAGE = "volunteers.manage"
    # The overview of the municipality's own figures (/cijfers), exact.
    OWN_FIGURES = "figures.own"


ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.CASE_WORKER: frozenset(
        {
            Permission.START_PAGE,
            Permission.CASE_READ,
            Permission.CASE_WRITE,
            Permission.TRANSFER_RECEIVE,
            Permission.OWN_FIGURES,
        }
    ),
    Role.TENANT_ADMIN: frozenset(
        {
            Permission.START_PAGE,
            Permission.TENANT_ADMIN,
            Permission.ACCOUNTS_MANAGE,
            Permission.ACCOUNTS_INVITE,
            Permission.ACCESS_LOG_READ,
            Permission.BUDGET_MANAGE,
            Permission.BUDGET_APPROVE,
            Permission.TRANSFER_RECEIVE,
            Permission.OWN_FIGURES,
        }
    ),
    Role.REGIONAL_COORDINATOR: frozenset(
        {
            Permission.START_PAGE,
            Permission.CASE_READ,
            Permission.REGIONAL_OVERVIEW,
            Permission.ACCOUNTS_INVITE,
            Permission.BUDGET_APPROVE,
            Permission.OWN_FIGURES,
        }
    ),
    Role.VOLUNTEER: frozenset({Permission.START_PAGE, Permission.MENTOR_PORTAL}),
    Role.PROVIDER_WORKER: frozenset({Permission.START_PAGE, Permission.TRAJECTORY_PROGRESS}),
    Role.PRIVACY_OFFICER: frozenset(
        {Permission.START_PAGE, Permission.ACCESS_LOG_READ, Permission.SUBJECT_ACCESS}
    ),
    # The centre municipality's volunteer programme: volunteers, circles and what a
    # referral carried; never the case file.
    Role.CIRCLE_COORDINATOR: frozenset({Permission.START_PAGE, Permission.VOLUNTEERS_MANAGE}),
}

# Roles only the centre municipality has (it runs the region's overview and the volunteer
# programme).
CENTRE_ONLY_ROLES = frozenset({Role.REGIONAL_COORDINATOR, Role.CIRCLE_COORDINATOR})

# Roles refused with 404 instead of 403: people outside the municipality's staff (the
# mentor portal's volunteers) must not learn that a case page, another area or an object
# exists at all. The refusal is logged as every refusal is.
REFUSED_AS_NOT_FOUND = frozenset({Role.VOLUNTEER})

# Areas (blueprint names) a role never sees: a request of that role to any endpoint of the
# area that its permissions deny answers 404, as for a page that does not exist, instead of
# 403 (which would tell that there is something behind it). A provider worker never learns
# that case pages exist; their own trajectories are on the ``provider`` blueprint.
HIDDEN_AREAS: dict[Role, frozenset[str]] = {
    Role.PROVIDER_WORKER: frozenset({"cases"}),
}

PUBLIC = "public"
_DECLARATION = "required_permissions"


def requires(*permissions: Permission) -> Callable[[F], F]:
    """Declare that a view needs every one of ``permissions``."""
    if not permissions:
        raise ValueError("requires() needs at least one permission; use @public for open pages")

    def mark(view: F) -> F:
        setattr(view, _DECLARATION, frozenset(permissions))
        return view

    return mark


def public(view: F) -> F:
    """Declare that a view may be opened without signing in."""
    setattr(view, _DECLARATION, PUBLIC)
    return view


def declared_permissions(view: Callable) -> frozenset[Permission] | str | None:
    return getattr(view, _DECLARATION, None)


@lru_cache(maxsize=512)
def role_has(role: str | None, permissions: frozenset[Permission]) -> bool:
    """Whether ``role`` holds every one of ``permissions``. Kept: the roles' permissions
    are fixed in code, and a page asks the same few many times (a case page about 35)."""
    try:
        granted = ROLE_PERMISSIONS[Role(role)]
    except ValueError:
        return False
    return permissions <= granted


def hidden_area(role: str | None, endpoint: str | None) -> bool:
    """Whether ``endpoint`` lies in an area ``role`` never sees (``HIDDEN_AREAS``)."""
    if not endpoint or "." not in endpoint:
        return False
    try:
        areas = HIDDEN_AREAS.get(Role(role), frozenset())
    except ValueError:
        return False
    return endpoint.split(".", 1)[0] in areas


def enforce_declared_permission(current_user) -> object | None:
    """before_request: deny by default, then check the signed-in user's role."""
    if request.endpoint is None:
        return None  # 404 from routing
    if request.endpoint == "static":
        return None
    view = current_app.view_functions.get(request.endpoint)
    declaration = declared_permissions(view)
    if declaration is None:
        current_app.logger.error("endpoint %s has no permission declaration", request.endpoint)
        report_refused_access(current_user, "endpoint", f"{request.endpoint} (undeclared)")
        abort(403)
    if declaration == PUBLIC:
        return None
    if not current_user.is_authenticated:
        return current_app.login_manager.unauthorized()
    if not role_has(current_user.role, declaration):
        report_refused_access(current_user, "endpoint", request.endpoint)
        abort(404 if refused_as_not_found(current_user.role, request.endpoint) else 403)
    return None


def refused_as_not_found(role: str | None, endpoint: str | None = None) -> bool:
    """Whether a refusal by role answers 404: always for ``REFUSED_AS_NOT_FOUND`` roles,
    and in a role's ``HIDDEN_AREAS`` (the one rule the permission check applies)."""
    try:
        if Role(role) in REFUSED_AS_NOT_FOUND:
            return True
    except ValueError:
        return False
    return hidden_area(role, endpoint)
