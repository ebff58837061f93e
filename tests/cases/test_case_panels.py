"""The case page's panels on demand (app/cases/panels.py, issue 14): the page shows each
panel's heading and a link in place of its content, which htmx fetches once the panel
scrolls into view; ``?open=`` and a refused form of the panel show it at once; the panel's
address reads the case as the case page does."""

from __future__ import annotations

import dataclasses
import re
from contextlib import contextmanager

from sqlalchemy import func, select

from app.audit.models import AccessLogEntry
from app.cases.panels import REGISTRY
from app.cases.sections import EVENTS_PER_PAGE
from app.core.permissions import Role
from app.core.registry import entries
from app.extensions import db
from tests.cases.test_case_sections import add_events
from tests.factories import UserFactory

HTMX = {"HX-Request": "true"}
# Each panel, and what only its content shows (to a case worker of an open case).
CONTENT = {
    "sharing": 'data-testid="sharing"',
    "referrals": '/referrals" class="portal-form',
    "trajectories": '/trajectories" class="portal-form',
    "transfer": 'data-testid="offer-transfer"',
    "people": 'data-testid="person-add"',
    "documents": 'data-testid="document-add"',
    "circle-referral": 'data-testid="circle-referral-state"',
    "timeline": 'data-testid="timeline"',
}


def section(page: str, name: str) -> str:
    """The panel's section of the page."""
    found = re.search(rf'<section id="{name}".*?</section>', page, re.S)
    assert found, name
    return found.group(0)


def is_deferred(page: str, name: str, case_id) -> bool:
    return f'hx-get="/cases/{case_id}/panels/{name}"' in section(page, name)


@contextmanager
def counted_contexts(app):
    """The names of the panels whose context is read while inside."""
    registered = entries(REGISTRY, app)
    saved = list(registered)
    called: list[str] = []

    def counting(panel):
        def context(case):
            called.append(panel.name)
            return panel.context(case)

        return dataclasses.replace(panel, context=context)

    registered[:] = [counting(panel) for panel in saved]
    try:
        yield called
    finally:
        registered[:] = saved


def test_every_panel_waits_behind_its_heading_and_its_context_is_not_read(
    app, tenants, in_tenant, make_case, sign_in
):
    deventer = tenants["deventer"]
    case = make_case(deventer)
    with in_tenant(deventer):
        worker = UserFactory()
    client = sign_in(worker)
    with counted_contexts(app) as called:
        page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert called == []
    assert set(CONTENT) == {panel.name for panel in entries(REGISTRY, app)}
    for name, content in CONTENT.items():
        shown = section(page, name)
        assert re.search(r"<h2[^>]*>[^<]+</h2>", shown), name
        assert f'hx-get="/cases/{case.id}/panels/{name}"' in shown
        assert 'hx-trigger="revealed"' in shown and 'hx-swap="outerHTML"' in shown
        # Without JavaScript the link opens the panel on the case page.
        assert f'href="/cases/{case.id}?open={name}#{name}"' in shown
        assert "Toon dit onderdeel" in shown
        assert content not in page, name
    # The headings are the sections' own, in Dutch.
    assert "Delen met partners" in section(page, "sharing")
    assert "Tijdlijn" in section(page, "timeline")


def test_a_panel_s_address_gives_its_content_to_htmx_and_the_page_without(
    app, tenants, in_tenant, make_case, sign_in
):
    deventer = tenants["deventer"]
    case = make_case(deventer)
    with in_tenant(deventer):
        worker = UserFactory()
    client = sign_in(worker)
    for name, content in CONTENT.items():
        with counted_contexts(app) as called:
            fragment = client.get(f"/cases/{case.id}/panels/{name}", headers=HTMX)
        body = fragment.get_data(as_text=True)
        assert fragment.status_code == 200, name
        assert "HX-Request" in fragment.headers["Vary"]
        assert "<html" not in body and "<section" not in body and content in body, name
        assert "hx-trigger" not in body.split("more-events")[0], name  # no link again
        assert called == [name]

        page = client.get(f"/cases/{case.id}/panels/{name}")
        body = page.get_data(as_text=True)
        assert page.status_code == 200 and "<html" in body
        assert content in section(body, name) and not is_deferred(body, name, case.id)
        others = [other for other in CONTENT if other != name]
        assert all(is_deferred(body, other, case.id) for other in others), name
    assert client.get(f"/cases/{case.id}/panels/nothing", headers=HTMX).status_code == 404
    assert client.get(f"/cases/{case.id}/panels/nothing").status_code == 404


def test_open_shows_the_named_panels_on_the_page(app, tenants, in_tenant, make_case, sign_in):
    deventer = tenants["deventer"]
    case = make_case(deventer)
    with in_tenant(deventer):
        worker = UserFactory()
    client = sign_in(worker)
    with counted_contexts(app) as called:
        answer = client.get(f"/cases/{case.id}?open=people,timeline,nothing,")
    page = answer.get_data(as_text=True)
    assert answer.status_code == 200
    assert sorted(called) == ["people", "timeline"]
    assert CONTENT["people"] in section(page, "people")
    assert CONTENT["timeline"] in section(page, "timeline")
    assert not is_deferred(page, "people", case.id)
    assert is_deferred(page, "documents", case.id) and is_deferred(page, "sharing", case.id)


def test_a_refused_form_of_a_panel_shows_its_panel_with_the_message_and_the_input(
    tenants, in_tenant, make_case, worker_client
):
    lochem = tenants["lochem"]
    case = make_case(lochem)
    with in_tenant(lochem):
        worker = UserFactory()
    client = worker_client(worker)
    refused = client.post(
        f"/cases/{case.id}/people", data={"role": "judge", "name": "", "contact": "06"}
    )
    assert refused.status_code == 422
    people = section(refused.get_data(as_text=True), "people")
    assert 'data-testid="error-role"' in people and 'data-testid="error-name"' in people
    assert 'value="06"' in people  # the input is kept
    assert is_deferred(refused.get_data(as_text=True), "documents", case.id)

    # A form that answers through again_on_case_page/invalid_on_case_page (errors_name).
    refused = client.post(f"/cases/{case.id}/consents", data={"domain": "nothing"})
    assert refused.status_code == 422
    sharing = section(refused.get_data(as_text=True), "sharing")
    assert 'data-testid="error-domain"' in sharing and 'aria-invalid="true"' in sharing
    assert not is_deferred(sharing, "sharing", case.id)


def test_a_form_of_a_panel_brings_the_user_back_to_that_panel_open(
    tenants, in_tenant, make_case, worker_client
):
    zutphen = tenants["zutphen"]
    case = make_case(zutphen)
    with in_tenant(zutphen):
        worker = UserFactory()
    client = worker_client(worker)
    page = client.get(f"/cases/{case.id}/panels/people", headers=HTMX).get_data(as_text=True)
    key = re.search(r'name="submission_key" value="([^"]+)"', page).group(1)
    added = client.post(
        f"/cases/{case.id}/people",
        data={"role": "gp", "name": "Huisarts Jansen", "submission_key": key},
    )
    assert added.status_code == 302
    assert added.headers["Location"].endswith(f"/cases/{case.id}?open=people#people")
    back = client.get(added.headers["Location"]).get_data(as_text=True)
    assert "Huisarts Jansen" in section(back, "people")


def test_another_municipality_s_panel_is_404_and_every_read_is_logged(
    tenants, in_tenant, make_case, sign_in
):
    elsewhere = make_case(tenants["lochem"])
    own = make_case(tenants["deventer"])
    with in_tenant(tenants["deventer"]):
        worker = UserFactory()
    client = sign_in(worker)
    for name in CONTENT:
        for headers in ({}, HTMX):
            answer = client.get(f"/cases/{elsewhere.id}/panels/{name}", headers=headers)
            assert answer.status_code == 404, (name, headers)

    def logged() -> int:
        with in_tenant(tenants["deventer"]):
            return db.session.scalar(
                select(func.count())
                .select_from(AccessLogEntry)
                .where(
                    AccessLogEntry.object_type == "case", AccessLogEntry.object_id == str(own.id)
                )
            )

    before = logged()
    for name in ("people", "timeline"):
        assert client.get(f"/cases/{own.id}/panels/{name}", headers=HTMX).status_code == 200
    assert logged() == before + 2


def test_a_role_without_access_gets_what_the_case_page_gives(
    tenants, in_tenant, make_case, sign_in
):
    deventer = tenants["deventer"]
    case = make_case(deventer)
    for role in (Role.TENANT_ADMIN, Role.VOLUNTEER, Role.PRIVACY_OFFICER):
        with in_tenant(deventer):
            user = UserFactory(role=role.value)
        client = sign_in(user)
        page = client.get(f"/cases/{case.id}").status_code
        assert page in (403, 404)
        for headers in ({}, HTMX):
            answer = client.get(f"/cases/{case.id}/panels/people", headers=headers)
            assert answer.status_code == page, (role, headers)


def test_the_transfer_panel_is_only_there_for_who_may_offer_it(
    tenants, in_tenant, make_case, sign_in
):
    """A panel that does not concern the user or the case is not on the page, and its
    address is 404 (a closed case, a reader without the right to write)."""
    deventer = tenants["deventer"]
    case = make_case(deventer)
    with in_tenant(deventer):
        coordinator = UserFactory(role=Role.REGIONAL_COORDINATOR.value)
    client = sign_in(coordinator)
    page = client.get(f"/cases/{case.id}")
    assert page.status_code == 200  # the regional coordinator reads the case, writes nothing
    assert 'id="transfer"' not in page.get_data(as_text=True)
    assert 'id="people"' in page.get_data(as_text=True)
    assert client.get(f"/cases/{case.id}/panels/transfer", headers=HTMX).status_code == 404
    assert client.get(f"/cases/{case.id}/panels/people", headers=HTMX).status_code == 200


def test_the_timeline_s_next_page_without_javascript_opens_the_timeline_at_that_page(
    tenants, in_tenant, make_case, sign_in
):
    deventer = tenants["deventer"]
    case = make_case(deventer)  # opening it wrote one event, older than these
    with in_tenant(deventer):
        worker = UserFactory()
    add_events(in_tenant, deventer, case, EVENTS_PER_PAGE)
    answer = sign_in(worker).get(f"/cases/{case.id}/timeline?page=2")
    page = answer.get_data(as_text=True)
    assert answer.status_code == 200 and "<html" in page
    timeline = section(page, "timeline")
    assert 'data-kind="opened"' in timeline and "Medewerker" not in timeline
    assert is_deferred(page, "people", case.id)
