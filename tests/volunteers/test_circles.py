"""Circles: formed from the waiting list, an inner circle of three to five active
volunteers with a valid certificate of conduct, phases that start only with enough
members and a signed covenant, and closing when the consent is withdrawn."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from app.core.actions import Refused
from app.core.context import tenant_app_context
from app.core.dates import add_months
from app.core.permissions import Role
from app.extensions import db
from app.volunteers import circles
from app.volunteers.models import Circle, CirclePhase, ProgrammeReferral, Volunteer
from tests.csrf import csrf_token
from tests.factories import ProgrammeReferralFactory, UserFactory, VolunteerFactory

TODAY = date.today()


def _active(**fields):
    return VolunteerFactory(
        status="actief", vog_issued_on=TODAY - timedelta(days=30), vog_profile="45", **fields
    )


@pytest.fixture
def centre(tenants):
    return tenants["deventer"]


@pytest.fixture
def coordinator(centre, in_tenant):
    with in_tenant(centre):
        return UserFactory(role=Role.CIRCLE_COORDINATOR.value, display_name="Cirkel Coördinator")


def test_a_circle_grows_from_the_waiting_list_with_valid_volunteers(
    app, centre, in_tenant, coordinator, sign_in
):
    with in_tenant(centre):
        referral = ProgrammeReferralFactory(first_name="Karim")
        members = [_active(first_name=f"Lid{n}") for n in range(3)]
        expired = VolunteerFactory(
            first_name="Oud",
            status="actief",
            vog_issued_on=add_months(TODAY, -40),
            vog_profile="45",
        )
    client = sign_in(coordinator)
    token = csrf_token(client, "/mentor/coordinator/waiting")
    response = client.post(
        f"/mentor/coordinator/waiting/{referral.id}/circle", data={"csrf_token": token}
    )
    assert response.status_code == 302
    circle_path = response.headers["Location"]
    # Posting again forms no second circle.
    again = client.post(
        f"/mentor/coordinator/waiting/{referral.id}/circle", data={"csrf_token": token}
    )
    assert again.headers["Location"] == circle_path

    refused = client.post(
        f"{circle_path}/members", data={"csrf_token": token, "volunteer_id": str(expired.id)}
    )
    assert refused.status_code == 422
    assert "geen geldige verklaring omtrent het gedrag" in refused.get_data(as_text=True)

    # Too few members and no covenant: the circle cannot start.
    early = client.post(
        f"{circle_path}/phase", data={"csrf_token": token, "phase": "intensief", "version": "1"}
    )
    assert early.status_code == 422
    for volunteer in members:
        answer = client.post(
            f"{circle_path}/members", data={"csrf_token": token, "volunteer_id": str(volunteer.id)}
        )
        assert answer.status_code == 302
    started = client.post(
        f"{circle_path}/phase",
        data={
            "csrf_token": token,
            "phase": "intensief",
            "covenant_signed_on": TODAY.isoformat(),
            "version": "1",
        },
    )
    assert started.status_code == 302
    page = client.get(circle_path).get_data(as_text=True)
    assert "Karim" in page
    assert 'data-testid="circle-phase">Intensief<' in page
    assert page.count("Lid") >= 3
    with in_tenant(centre):
        assert db.session.get(ProgrammeReferral, (centre.id, referral.id)).status == "in_circle"


def test_an_inner_circle_holds_at_most_five(app, centre, in_tenant):
    with app.test_request_context(), in_tenant(centre):
        circle = circles.form_circle(ProgrammeReferralFactory(), "Coördinator")
        for n in range(5):
            circles.add_volunteer(circle, _active(first_name=f"V{n}"), TODAY)
        with pytest.raises(Refused, match="hoogstens 5"):
            circles.add_volunteer(circle, _active(), TODAY)
        with pytest.raises(Refused, match="al in de cirkel"):
            circles.add_volunteer(circle, circle.members[0].volunteer, TODAY)


def test_another_municipalitys_circle_is_404(app, tenants, in_tenant, coordinator, sign_in):
    with in_tenant(tenants["lochem"]):
        stray = Circle(referral_id=ProgrammeReferralFactory().id, coordinator_name="X")
        db.session.add(stray)
        db.session.commit()
    client = sign_in(coordinator)
    assert client.get(f"/mentor/coordinator/circles/{stray.id}").status_code == 404


def test_withdrawn_consent_closes_the_circle_with_that_reason(app, centre, in_tenant):
    with in_tenant(centre):
        referral = ProgrammeReferralFactory()
        circle = circles.form_circle(referral, "Coördinator")
        db.session.commit()
        circles.close_for_withdrawn_consent(referral)
        db.session.delete(referral)
        db.session.commit()
    with app.app_context(), tenant_app_context(centre.id):
        closed = db.session.get(Circle, (centre.id, circle.id))
        assert closed.phase == CirclePhase.CLOSED.value
        assert closed.closed_reason == "consent_withdrawn"
        assert closed.referral_id is None
        assert db.session.scalars(select(ProgrammeReferral)).all() == []
        assert db.session.scalars(select(Volunteer)).all() == []
