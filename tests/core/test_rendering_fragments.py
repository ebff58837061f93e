"""An htmx request gets one block of the page, and the block can use the page's macros.

A block rendered on its own skips the template's top-level code: the macros a page
imports or defines there must still be there (the route walk found 500s without them).
"""

from __future__ import annotations

from app.core.permissions import Role
from tests.factories import CaseFactory, LifeDomainFactory, UserFactory

HTMX = {"HX-Request": "true"}


def test_a_fragment_can_use_the_macros_the_page_imports(app, tenants, in_tenant, sign_in):
    with in_tenant(tenants["raalte"]):
        user = UserFactory(role=Role.CASE_WORKER.value)
        case = LifeDomainFactory().case
    client = sign_in(user)
    full = client.get(f"/cases/{case.id}")
    fragment = client.get(f"/cases/{case.id}", headers=HTMX)
    assert full.status_code == fragment.status_code == 200
    assert "<html" in full.get_data(as_text=True)
    body = fragment.get_data(as_text=True)
    assert "<html" not in body
    assert 'id="details"' in body
    # The domain rows' macro, imported with the page's context, finds its helpers there.
    assert 'data-testid="domain-housing"' in body and "Huisvesting" in body


def test_a_fragment_can_use_the_macros_the_page_defines(app, tenants, in_tenant, sign_in):
    with in_tenant(tenants["raalte"]):
        admin = UserFactory(role=Role.TENANT_ADMIN.value)
    response = sign_in(admin).get("/cases/admin/templates", headers=HTMX)
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "<html" not in body
    assert 'name="offset_days"' in body  # written by the page's own template_fields macro


def test_a_sign_in_fragment_has_its_form_fields(app, tenants):
    response = app.test_client().get("/auth/raalte/local", headers=HTMX)
    assert response.status_code == 200
    assert 'name="password"' in response.get_data(as_text=True)


def test_the_full_page_is_unchanged(app, tenants, in_tenant, sign_in):
    with in_tenant(tenants["raalte"]):
        user = UserFactory(role=Role.CASE_WORKER.value)
        case = CaseFactory()
    response = sign_in(user).get(f"/cases/{case.id}")
    assert response.status_code == 200
    assert response.headers["Vary"] == "HX-Request" or "HX-Request" in response.headers["Vary"]
