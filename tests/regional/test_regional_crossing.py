"""Opening the cases behind a figure across the region (``app.regional.crossing``): the
centre's own at once; another municipality's only after a reason, each case written to
the access log of the client's municipality with that reason, read-only, and seen by its
privacy officer; read in a session bound to that municipality, never by switching
isolation off."""

from __future__ import annotations

import random
from datetime import date

import pytest
from sqlalchemy import select

from app.audit.models import AccessAction, AccessLogEntry
from app.cases.bsn import generate_bsn
from app.cases.models import Case, CasePhase
from app.core.permissions import Role
from app.extensions import db
from tests.csrf import csrf_token_from
from tests.factories import CaseFactory, UserFactory

_rng = random.Random(13)
TODAY = date.today()


@pytest.fixture
def world(tenants, in_tenant):
    with in_tenant(tenants["deventer"]):
        coordinator = UserFactory(role=Role.REGIONAL_COORDINATOR.value, display_name="Coördinator")
        own = CaseFactory(client__given_name="DeventerKlantX", client__bsn=generate_bsn(_rng),
                          phase=CasePhase.IN_DETENTION.value)  # fmt: skip
        db.session.commit()
    with in_tenant(tenants["raalte"]):
        raalte_case = CaseFactory(
            client__given_name="RaalteKlantQ",
            client__bsn=generate_bsn(_rng),
            phase=CasePhase.IN_DETENTION.value,
        )
        officer = UserFactory(role=Role.PRIVACY_OFFICER.value)
        worker = UserFactory(role=Role.CASE_WORKER.value)
        db.session.commit()
    return coordinator, own, raalte_case, officer, worker


def access_rows(in_tenant, tenant) -> list[AccessLogEntry]:
    with in_tenant(tenant):
        rows = db.session.scalars(select(AccessLogEntry)).all()
        db.session.expunge_all()
    return rows


def test_the_centre_sees_its_own_list_at_once(world, tenants, sign_in):
    coordinator, own, _raalte_case, _officer, _worker = world
    client = sign_in(coordinator)
    page = client.get("/regio/lijst?gemeente=deventer&cijfer=phase:in_detention")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "DeventerKlantX" in html
    assert f"/cases/{own.id}" in html


def test_opening_a_raalte_case_needs_a_reason_and_is_logged_in_raalte(
    world, tenants, in_tenant, sign_in
):
    coordinator, _own, raalte_case, officer, _worker = world
    raalte = tenants["raalte"]
    client = sign_in(coordinator)
    url = "/regio/lijst?gemeente=raalte&cijfer=phase:in_detention"
    asked = client.get(url)
    assert asked.status_code == 200
    html = asked.get_data(as_text=True)
    assert 'data-testid="reason-form"' in html
    assert "RaalteKlantQ" not in html
    # Without a case being opened yet, nothing is logged.
    before = len(access_rows(in_tenant, raalte))
    # Not opened without a reason: a Dutch message, nothing logged.
    form = {
        "csrf_token": csrf_token_from(html),
        "gemeente": "raalte",
        "cijfer": "phase:in_detention",
        "periode": "",
        "reason": "",
        "explanation": "",
    }
    refused = client.post("/regio/lijst", data=form)
    assert refused.status_code == 422
    assert "RaalteKlantQ" not in refused.get_data(as_text=True)
    assert len(access_rows(in_tenant, raalte)) == before
    # With a reason the list shows, each client logged in Raalte with the reason.
    form.update(reason="signal", explanation="Melding van de reclassering over terugval")
    given = client.post("/regio/lijst", data=form)
    assert given.status_code == 302
    listed = client.get(url)
    assert "RaalteKlantQ" in listed.get_data(as_text=True)
    opened = client.get(f"/regio/dossier?gemeente=raalte&dossier={raalte_case.id}")
    assert opened.status_code == 200
    page = opened.get_data(as_text=True)
    assert "RaalteKlantQ" in page
    assert 'data-testid="read-only"' in page
    main = page.split('data-testid="read-only"')[1].split("</main>")[0]
    assert "<form" not in main and 'method="post"' not in main  # read-only
    rows = [r for r in access_rows(in_tenant, raalte) if r.client_id == raalte_case.client_id]
    reads = [r for r in rows if r.action == AccessAction.READ.value]
    assert len(reads) == 1
    read = reads[0]
    assert read.user_id == coordinator.id
    assert read.actor_tenant_id == tenants["deventer"].id
    assert read.tenant_id == raalte.id
    assert "Melding van de reclassering over terugval" in read.detail
    assert [r.action for r in rows if r.action == AccessAction.SEARCH.value] == ["search"]
    # Nothing of it lands in Deventer's log.
    assert not [
        r for r in access_rows(in_tenant, tenants["deventer"])
        if r.client_id == raalte_case.client_id
    ]  # fmt: skip
    # Raalte's privacy officer sees the opening with the reason.
    report = sign_in(officer).get(f"/privacy/clients/{raalte_case.client_id}")
    assert report.status_code == 200
    assert "Melding van de reclassering over terugval" in report.get_data(as_text=True)


def test_no_case_opens_without_a_reason_or_outside_the_region(world, tenants, sign_in):
    coordinator, _own, raalte_case, _officer, _worker = world
    client = sign_in(coordinator)
    direct = client.get(f"/regio/dossier?gemeente=raalte&dossier={raalte_case.id}")
    assert direct.status_code == 302  # to the reason first
    assert client.get("/regio/lijst?gemeente=nergens&cijfer=cohort").status_code == 404
    assert client.get("/regio/lijst?gemeente=raalte&cijfer=alles").status_code == 404
    assert client.get("/regio/dossier?gemeente=raalte&dossier=x").status_code == 404


def test_a_raalte_case_worker_never_sees_deventers_cases_or_figures_per_person(world, sign_in):
    _coordinator, own, _raalte_case, _officer, worker = world
    client = sign_in(worker)
    for url in (
        "/regio",
        "/regio/lijst?gemeente=deventer&cijfer=phase:in_detention",
        f"/regio/dossier?gemeente=deventer&dossier={own.id}",
        "/regio/download?formaat=csv",
        "/regio/monitor",
    ):
        response = client.get(url)
        assert response.status_code == 403, url
        assert "DeventerKlantX" not in response.get_data(as_text=True)
    own_page = client.get("/cijfers").get_data(as_text=True)
    assert "Deventer" not in own_page.split("<main", 1)[-1].split("</main>")[0]


def test_the_case_is_read_in_a_session_bound_to_raalte(world, tenants, in_tenant, app):
    """The request's own session never holds a Raalte row: after the opening, the
    coordinator's session (bound to Deventer) still sees no Raalte case."""
    coordinator, _own, raalte_case, _officer, _worker = world
    from app.regional import crossing

    with app.test_request_context(), in_tenant(tenants["deventer"]):
        reason = crossing.Reason("quality", "Controle van een cijfer")
        view = crossing.read_case(coordinator, tenants["raalte"], raalte_case.id, reason)
        assert view.name.startswith("RaalteKlantQ")
        assert db.session.scalars(select(Case).where(Case.id == raalte_case.id)).all() == []
