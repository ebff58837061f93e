"""Every endpoint declares who may use it; undeclared means denied.

The walk over every role and endpoint is tests/security/test_walk.py (against
security/authorization-matrix.toml).
"""

from __future__ import annotations

import pytest
from flask import Blueprint

from app.core.permissions import (
    ROLE_PERMISSIONS,
    Role,
    declared_permissions,
    hidden_area,
    role_has,
)
from tests.factories import UserFactory

UNDECLARED_ALLOWED = {"static"}


def test_every_endpoint_has_a_permission_declaration(app):
    missing = [
        endpoint
        for endpoint, view in app.view_functions.items()
        if endpoint not in UNDECLARED_ALLOWED and declared_permissions(view) is None
    ]
    assert missing == []


def test_an_undeclared_endpoint_is_refused(app, tenants, in_tenant, sign_in):
    from app import create_app

    fresh = create_app(
        "testing",
        {
            "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
            "MIGRATION_DATABASE_URI": app.config.get("MIGRATION_DATABASE_URI"),
        },
    )
    forgotten = Blueprint("forgotten", __name__)
    forgotten.add_url_rule("/forgotten", "page", lambda: "secret")
    fresh.register_blueprint(forgotten)
    response = fresh.test_client().get("/forgotten")
    assert response.status_code == 403
    assert b"secret" not in response.data


@pytest.mark.parametrize(
    ("role", "status"),
    [(Role.VOLUNTEER, 404), (Role.TENANT_ADMIN, 403), (Role.PROVIDER_WORKER, 404)],
)
def test_roles_without_case_access_are_refused_the_case_list(
    app, tenants, in_tenant, sign_in, role, status
):
    """403, except for volunteers (REFUSED_AS_NOT_FOUND) and for a role that never sees the
    case area (HIDDEN_AREAS: the provider worker): they never learn the page exists."""
    assert not role_has(role.value, frozenset(ROLE_PERMISSIONS[Role.CASE_WORKER]))
    with in_tenant(tenants["deventer"]):
        user = UserFactory(role=role.value)
    assert sign_in(user).get("/cases/").status_code == status


def test_a_provider_worker_never_sees_that_case_pages_exist(app, tenants, in_tenant, sign_in):
    with in_tenant(tenants["deventer"]):
        user = UserFactory(role=Role.PROVIDER_WORKER.value)
    client = sign_in(user)
    for path in ("/cases/", "/cases/intake", "/cases/admin/partners"):
        assert client.get(path).status_code == 404, path
    assert hidden_area(Role.PROVIDER_WORKER.value, "cases.case_detail")
    assert not hidden_area(Role.PROVIDER_WORKER.value, "provider.provider_home")
    assert not hidden_area(Role.CASE_WORKER.value, "cases.case_detail")


def test_anonymous_visitors_are_sent_to_sign_in(app):
    response = app.test_client().get("/cases/")
    assert response.status_code == 302
    assert "/auth/sign-in" in response.headers["Location"]


def test_anonymous_htmx_requests_get_an_hx_redirect(app):
    response = app.test_client().get("/cases/", headers={"HX-Request": "true"})
    assert response.status_code == 204
    assert response.headers["HX-Redirect"].endswith("/auth/sign-in")


def test_deactivated_user_is_signed_out_on_the_next_request(app, tenants, in_tenant, sign_in):
    from app.auth.models import User
    from app.extensions import db

    with in_tenant(tenants["lochem"]):
        user = UserFactory()
    client = sign_in(user)
    assert client.get("/cases/").status_code == 200
    with in_tenant(tenants["lochem"]):
        db.session.get(User, (user.tenant_id, user.id)).active = False
        db.session.commit()
    assert client.get("/cases/").status_code == 302
