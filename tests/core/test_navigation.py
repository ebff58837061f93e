"""The main menu is what the features registered (app.core.navigation), shown by role."""

from __future__ import annotations

import re

import pytest
from flask import url_for

from app.core.navigation import add_nav_entry
from app.core.permissions import Permission, Role
from tests.factories import UserFactory


def menu(client) -> list[str]:
    page = client.get("/start", follow_redirects=True).get_data(as_text=True)
    nav = page.split('class="portal-nav"', 1)[1].split("</nav>", 1)[0]
    return re.findall(r'href="([^"]+)"', nav)


@pytest.mark.parametrize(
    ("role", "tenant", "shown", "hidden"),
    [
        (Role.CASE_WORKER, "lochem", ["cases.case_list"], ["jobs.failed_jobs", "audit.index"]),
        (Role.TENANT_ADMIN, "lochem", ["jobs.failed_jobs"], ["regional.regional_overview"]),
        (Role.REGIONAL_COORDINATOR, "deventer", ["regional.regional_overview"], []),
        (Role.PRIVACY_OFFICER, "zutphen", ["audit.index"], ["cases.case_list"]),
    ],
)
def test_each_role_sees_the_entries_its_permissions_allow(
    app, tenants, in_tenant, sign_in, role, tenant, shown, hidden
):
    with in_tenant(tenants[tenant]):
        user = UserFactory(role=role.value)
    links = menu(sign_in(user))
    with app.test_request_context():
        assert links[0] == url_for("core.start")
        assert all(url_for(endpoint) in links for endpoint in shown), links
        assert not any(url_for(endpoint) in links for endpoint in hidden), links


def test_a_feature_adds_an_entry_without_touching_the_template(
    app, tenants, in_tenant, sign_in, monkeypatch
):
    monkeypatch.setitem(
        app.extensions, "nazorg.navigation", list(app.extensions["nazorg.navigation"])
    )
    add_nav_entry(app, "core.start", "Extra", permission=Permission.CASE_READ, order=1)
    with in_tenant(tenants["raalte"]):
        user = UserFactory(role=Role.CASE_WORKER.value)
    page = sign_in(user).get("/start", follow_redirects=True).get_data(as_text=True)
    with app.test_request_context():
        assert f'href="{url_for("core.start")}">Extra</a>' in page
