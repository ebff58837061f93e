"""The referral to the circle programme: only with consent for sharing with volunteers,
carrying only what the case worker chose into the centre municipality, logged on both
sides, and removed when the consent is withdrawn."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from app.cases.handover import services as handover
from app.cases.models import Case, Client
from app.cases.services import open_case
from app.cases.timeline import TimelineEntry
from app.core.context import tenant_app_context
from app.core.permissions import Role
from app.extensions import db
from app.volunteers import circles
from app.volunteers.models import Circle, ProgrammeReferral
from tests.csrf import csrf_token
from tests.factories import UserFactory

TODAY = date.today()
BSN = "111222333"
CANARIES = {
    "family_name": "Kanariefamilie",
    "address": "Kanariestraat 99, Lochem",
}


@pytest.fixture(autouse=True)
def jobs_inline(app, monkeypatch):
    # The removal of the copy is a job run after the withdrawal's commit: inline here
    # (tests/jobs/ run the queue for real).
    monkeypatch.setitem(app.config, "REDIS_URL", None)


@pytest.fixture
def lochem_case(app, tenants, in_tenant):
    with in_tenant(tenants["lochem"]):
        worker = UserFactory(role=Role.CASE_WORKER.value, display_name="Lotte Lochem")
        client = Client(
            given_name="Karim",
            family_name=CANARIES["family_name"],
            date_of_birth=date(1988, 4, 1),
            bsn=BSN,
            address=CANARIES["address"],
        )
        case = open_case(
            client,
            actor="test",
            facility="PI Zwolle",
            detention_start=TODAY - timedelta(days=90),
            expected_release=TODAY + timedelta(days=20),
        )
        db.session.flush()
        case.case_worker_id = worker.id
        db.session.commit()
        return worker, case.id


def _record(app, tenant, case_id, basis, actor="Lotte Lochem", domain="income"):
    with app.test_request_context(), tenant_app_context(tenant.id):
        case = db.session.get(Case, (tenant.id, case_id))
        handover.record_basis(case, actor, domain=domain, basis=basis, effective_on=TODAY)
        db.session.commit()


def _copies(app, tenant) -> list[ProgrammeReferral]:
    with app.app_context(), tenant_app_context(tenant.id):
        return list(db.session.scalars(select(ProgrammeReferral)))


def _timeline_kinds(app, tenant, case_id) -> list[str]:
    with app.app_context(), tenant_app_context(tenant.id):
        return list(
            db.session.scalars(select(TimelineEntry.kind).where(TimelineEntry.case_id == case_id))
        )


def _refer(client, case_id, **fields):
    token = csrf_token(client, f"/cases/{case_id}")
    data = {
        "csrf_token": token,
        "carry_first_name": "1",
        "languages": ["ar", "nl"],
        "availability": ["tue:evening"],
        "needs": "Iemand om mee te praten over werk.",
        **fields,
    }
    return client.post(f"/mentor/referrals/{case_id}", data=data)


def test_a_referral_needs_consent_for_sharing_with_volunteers(app, tenants, lochem_case, sign_in):
    worker, case_id = lochem_case
    # A statutory basis counts for nothing with volunteers.
    _record(app, tenants["lochem"], case_id, "statutory")
    response = _refer(sign_in(worker), case_id)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "geen toestemming" in page
    assert "Iemand om mee te praten over werk." in page  # nothing lost
    assert _copies(app, tenants["deventer"]) == []


def test_the_referral_carries_only_what_was_chosen_into_the_centre(
    app, tenants, lochem_case, sign_in, in_tenant
):
    worker, case_id = lochem_case
    _record(app, tenants["lochem"], case_id, "consent_given")
    client = sign_in(worker)
    assert _refer(client, case_id).status_code == 302
    assert _refer(client, case_id).status_code == 302  # twice: one copy
    [copy] = _copies(app, tenants["deventer"])
    assert copy.first_name == "Karim"
    assert copy.municipality is None  # not chosen
    assert copy.languages == ["ar", "nl"]
    assert copy.places_to_avoid == ""
    assert copy.source_tenant_id == tenants["lochem"].id
    assert _copies(app, tenants["lochem"]) == []
    assert _timeline_kinds(app, tenants["lochem"], case_id).count("circle_referral") == 1

    # The circle coordinator sees the waiting client, and nothing of the file.
    with in_tenant(tenants["deventer"]):
        coordinator = UserFactory(role=Role.CIRCLE_COORDINATOR.value)
    page = sign_in(coordinator).get("/mentor/coordinator/waiting").get_data(as_text=True)
    assert "Karim" in page
    assert "Iemand om mee te praten over werk." in page
    for marker in (BSN, *CANARIES.values()):
        assert marker not in page
    # The case page tells the case worker the client is referred.
    case_page = client.get(f"/cases/{case_id}?open=circle-referral").get_data(as_text=True)
    assert 'data-testid="circle-referral-state"' in case_page


def test_withdrawing_the_consent_removes_the_programmes_copy(app, tenants, lochem_case, sign_in):
    worker, case_id = lochem_case
    _record(app, tenants["lochem"], case_id, "consent_given")
    assert _refer(sign_in(worker), case_id).status_code == 302
    [copy] = _copies(app, tenants["deventer"])
    with app.app_context(), tenant_app_context(tenants["deventer"].id):
        circle = circles.form_circle(
            db.session.get(ProgrammeReferral, (copy.tenant_id, copy.id)), "C"
        )
        db.session.commit()
        circle_id = circle.id

    _record(app, tenants["lochem"], case_id, "consent_withdrawn")
    assert _copies(app, tenants["deventer"]) == []
    assert "circle_referral_ended" in _timeline_kinds(app, tenants["lochem"], case_id)
    with app.app_context(), tenant_app_context(tenants["deventer"].id):
        closed = db.session.get(Circle, (tenants["deventer"].id, circle_id))
        assert (closed.phase, closed.closed_reason) == ("afgesloten", "consent_withdrawn")
        assert closed.referral_id is None


def test_consent_kept_for_another_domain_keeps_the_referral(app, tenants, lochem_case, sign_in):
    worker, case_id = lochem_case
    _record(app, tenants["lochem"], case_id, "consent_given", domain="income")
    _record(app, tenants["lochem"], case_id, "consent_given", domain="housing")
    assert _refer(sign_in(worker), case_id).status_code == 302
    _record(app, tenants["lochem"], case_id, "consent_withdrawn", domain="housing")
    assert len(_copies(app, tenants["deventer"])) == 1


def test_another_municipalitys_case_cannot_be_referred(
    app, tenants, lochem_case, sign_in, in_tenant
):
    _worker, case_id = lochem_case
    with in_tenant(tenants["zutphen"]):
        stranger = UserFactory(role=Role.CASE_WORKER.value)
    client = sign_in(stranger)
    token = csrf_token(client, "/cases/")
    response = client.post(
        f"/mentor/referrals/{case_id}", data={"csrf_token": token, "carry_first_name": "1"}
    )
    assert response.status_code == 404
    assert _copies(app, tenants["deventer"]) == []
