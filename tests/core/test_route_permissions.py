"""Every endpoint declares who may use it; undeclared means denied."""

from __future__ import annotations

import uuid

import pytest
from flask import Blueprint

from app.core.permissions import (
    PUBLIC,
    ROLE_PERMISSIONS,
    Role,
    declared_permissions,
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


def sample_url(app, endpoint: str) -> str:
    rule = next(r for r in app.url_map.iter_rules() if r.endpoint == endpoint)
    values = {arg: uuid.uuid4() for arg in rule.arguments}
    with app.test_request_context():
        from flask import url_for

        return url_for(endpoint, **values)


@pytest.mark.parametrize("role", list(Role))
def test_each_role_is_refused_outside_its_permissions(app, tenants, in_tenant, sign_in, role):
    with in_tenant(tenants["deventer"]):
        user = UserFactory(role=role.value)
    client = sign_in(user)
    for endpoint, view in app.view_functions.items():
        declaration = declared_permissions(view)
        if endpoint in UNDECLARED_ALLOWED or declaration == PUBLIC:
            continue
        rule = next(r for r in app.url_map.iter_rules() if r.endpoint == endpoint)
        if "GET" not in rule.methods:
            continue
        response = client.get(sample_url(app, endpoint))
        if role_has(role.value, declaration):
            assert response.status_code in (200, 302, 404), endpoint
        else:
            assert response.status_code in (403, 404), (endpoint, response.status_code)


@pytest.mark.parametrize("role", [Role.VOLUNTEER, Role.TENANT_ADMIN, Role.PROVIDER_WORKER])
def test_roles_without_case_access_get_403_on_the_case_list(app, tenants, in_tenant, sign_in, role):
    assert not role_has(role.value, frozenset(ROLE_PERMISSIONS[Role.CASE_WORKER]))
    with in_tenant(tenants["deventer"]):
        user = UserFactory(role=role.value)
    assert sign_in(user).get("/cases/").status_code == 403


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
