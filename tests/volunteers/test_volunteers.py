"""Volunteers of the circle programme: the public application form, the status rules
(active only with a valid VOG and the training done), the coordinator's pages and the
VOG renewal reminder."""

from __future__ import annotations

import time
import uuid
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from app.core.actions import Refused
from app.core.dates import add_months
from app.core.i18n import role_choices
from app.core.permissions import Role
from app.extensions import db
from app.notifications.models import Notification
from app.volunteers import jobs, ratelimit, services
from app.volunteers.models import TrainingModule, Volunteer, VolunteerStatus, VolunteerStatusChange
from app.volunteers.views import form_token
from tests.csrf import csrf_token
from tests.factories import TrainingCompletionFactory, UserFactory, VolunteerFactory

TODAY = date.today()
APPLY = "/mentor/apply"


@pytest.fixture(autouse=True)
def fresh_limits(app):
    with app.test_request_context():
        ratelimit.reset()
    yield
    with app.test_request_context():
        ratelimit.reset()


@pytest.fixture
def centre(tenants):
    return tenants["deventer"]


@pytest.fixture
def coordinator(centre, in_tenant):
    with in_tenant(centre):
        return UserFactory(role=Role.CIRCLE_COORDINATOR.value, display_name="Cirkel Coördinator")


def _application(app, **changes) -> dict:
    with app.test_request_context():
        started = form_token(time.time() - 30)
    return {
        "first_name": "Vera",
        "last_name": "Vrijwilliger",
        "email": "vera@nazorg-proef.nl",
        "phone": "0570 123456",
        "postcode": "7411ab",
        "capacity": "2",
        "languages": ["nl", "ar"],
        "availability": ["tue:evening", "sat:morning"],
        "excluded_offences": ["sexual"],
        "gender_preference": "none",
        "skills": "Maatschappelijk werk",
        "motivation": "Ik wil iets terugdoen.",
        "started": started,
        "submission_key": str(uuid.uuid4()),
        **changes,
    }


def _volunteers(app, tenant) -> list[Volunteer]:
    with app.app_context():
        from app.core.context import tenant_app_context

        with tenant_app_context(tenant.id):
            return list(db.session.scalars(select(Volunteer)))


def _post_application(app, data):
    client = app.test_client()
    token = csrf_token(client, APPLY)
    return client.post(APPLY, data={**data, "csrf_token": token})


# --- the public application form ------------------------------------------------------------


def test_an_application_creates_an_applied_volunteer_in_the_centre_municipality(app, tenants):
    response = _post_application(app, _application(app))
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/mentor/apply/thanks")
    [volunteer] = _volunteers(app, tenants["deventer"])
    assert volunteer.status == VolunteerStatus.APPLIED.value
    assert volunteer.postcode == "7411 AB"
    assert volunteer.languages == ["ar", "nl"]
    assert volunteer.availability == ["sat:morning", "tue:evening"]
    assert volunteer.excluded_offences == ["sexual"]
    assert volunteer.capacity == 2
    for other in ("lochem", "zutphen", "raalte", "olst-wijhe"):
        if other in tenants:
            assert _volunteers(app, tenants[other]) == []
    with app.app_context():
        from app.core.context import tenant_app_context

        with tenant_app_context(tenants["deventer"].id):
            history = db.session.scalars(select(VolunteerStatusChange)).all()
            assert [(h.from_status, h.to_status) for h in history] == [(None, "aangemeld")]


def test_the_same_form_posted_twice_makes_one_volunteer(app, tenants):
    data = _application(app)
    assert _post_application(app, data).status_code == 302
    assert _post_application(app, data).status_code == 302
    assert len(_volunteers(app, tenants["deventer"])) == 1


def test_the_honeypot_keeps_nothing_but_answers_as_for_a_person(app, tenants):
    response = _post_application(app, _application(app, website="http://spam.example"))
    assert response.status_code == 302
    assert _volunteers(app, tenants["deventer"]) == []


@pytest.mark.parametrize(
    "started",
    [
        "forged-token",
        "",
        "now",  # sent at once: no person fills in the form in under three seconds
        "two days ago",
    ],
)
def test_a_forged_missing_or_implausible_time_stamp_is_refused_in_dutch(app, tenants, started):
    with app.test_request_context():
        token = {
            "now": form_token(),
            "two days ago": form_token(time.time() - 2 * 24 * 3600),
        }.get(started, started)
    response = _post_application(app, _application(app, started=token))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "te snel verstuurd" in page
    assert 'value="Vera"' in page  # nothing lost
    assert _volunteers(app, tenants["deventer"]) == []


def test_bad_input_is_refused_with_a_dutch_message_and_kept(app, tenants):
    response = _post_application(
        app, _application(app, postcode="12345", languages=["nl", "klingon"])
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Vul een Nederlandse postcode in" in page
    assert "Kies een van de mogelijkheden" in page
    assert _volunteers(app, tenants["deventer"]) == []


def test_applications_are_limited_per_address(app, tenants, monkeypatch):
    monkeypatch.setitem(app.config, "VOLUNTEER_APPLICATIONS_PER_HOUR", 2)
    answers = [_post_application(app, _application(app)).status_code for _ in range(3)]
    assert answers == [302, 302, 429]
    assert len(_volunteers(app, tenants["deventer"])) == 2


def test_the_form_needs_its_csrf_token(app, tenants):
    client = app.test_client()
    client.get(APPLY)
    response = client.post(APPLY, data=_application(app))
    assert response.status_code == 400
    assert _volunteers(app, tenants["deventer"]) == []


# --- status rules ----------------------------------------------------------------------------


def _trained(volunteer) -> None:
    for module in TrainingModule:
        TrainingCompletionFactory(
            volunteer_id=volunteer.id, module=module.value, completed_on=TODAY
        )


def test_active_only_with_a_valid_certificate_and_every_training_module(app, centre, in_tenant):
    with app.test_request_context(), in_tenant(centre):
        volunteer = VolunteerFactory(status=VolunteerStatus.TRAINED.value)
        fresh = db.session.get(Volunteer, (volunteer.tenant_id, volunteer.id))
        with pytest.raises(Refused, match="pas actief met een verklaring omtrent het gedrag"):
            services.change_status(fresh, "actief", "C", today=TODAY)

        fresh.vog_issued_on = add_months(TODAY, -37)  # older than three years
        fresh.vog_profile = "45"
        with pytest.raises(Refused, match="is verlopen"):
            services.change_status(fresh, "actief", "C", today=TODAY)

        fresh.vog_issued_on = TODAY - timedelta(days=10)
        with pytest.raises(Refused, match="alle trainingsmodules"):
            services.change_status(fresh, "actief", "C", today=TODAY)
        db.session.rollback()

        _trained(volunteer)
        fresh = db.session.get(Volunteer, (volunteer.tenant_id, volunteer.id))
        fresh.vog_issued_on, fresh.vog_profile = TODAY - timedelta(days=10), "45"
        services.change_status(fresh, "actief", "C", today=TODAY, reason="Klaar")
        assert fresh.status == "actief"
        assert [(h.from_status, h.to_status) for h in fresh.history][-1] == ("getraind", "actief")


def test_a_status_cannot_skip_the_pipeline(app, centre, in_tenant):
    with app.test_request_context(), in_tenant(centre):
        volunteer = VolunteerFactory()
        with pytest.raises(Refused, match="van Aangemeld naar Getraind"):
            services.change_status(volunteer, "getraind", "C", today=TODAY)


def test_the_coordinator_is_told_in_dutch_why_a_volunteer_cannot_be_active(
    app, centre, in_tenant, coordinator, sign_in
):
    with in_tenant(centre):
        volunteer = VolunteerFactory(status=VolunteerStatus.TRAINED.value)
    client = sign_in(coordinator)
    page_path = f"/mentor/coordinator/volunteers/{volunteer.id}"
    token = csrf_token(client, page_path)
    response = client.post(
        f"{page_path}/status",
        data={"csrf_token": token, "status": "actief", "version": "1"},
    )
    assert response.status_code == 422
    assert "pas actief met een verklaring omtrent het gedrag" in response.get_data(as_text=True)

    # Certificate and training recorded through the page, then activation succeeds.
    assert (
        client.post(
            f"{page_path}/certificate",
            data={
                "csrf_token": token,
                "issued_on": (TODAY - timedelta(days=5)).isoformat(),
                "profile": "Functieprofiel 45",
                "version": "1",
            },
        ).status_code
        == 302
    )
    for module in TrainingModule:
        client.post(
            f"{page_path}/training",
            data={"csrf_token": token, "module": module.value, "completed_on": TODAY.isoformat()},
        )
    response = client.post(
        f"{page_path}/status", data={"csrf_token": token, "status": "actief", "version": "2"}
    )
    assert response.status_code == 302
    page = client.get(page_path).get_data(as_text=True)
    assert 'data-testid="volunteer-status">Actief<' in page


def test_the_coordinator_sees_the_pipeline_and_expiring_certificates(
    app, centre, in_tenant, coordinator, sign_in
):
    with in_tenant(centre):
        VolunteerFactory(first_name="Anna", status="aangemeld")
        VolunteerFactory(
            first_name="Bram",
            status="actief",
            vog_issued_on=add_months(TODAY, -36) + timedelta(days=30),
            vog_profile="45",
        )
        VolunteerFactory(
            first_name="Cees",
            status="actief",
            vog_issued_on=TODAY - timedelta(days=100),
            vog_profile="45",
        )
    client = sign_in(coordinator)
    pipeline = client.get("/mentor/coordinator/").get_data(as_text=True)
    applied = pipeline.split('data-testid="pipeline-aangemeld"')[1].split("</section>")[0]
    active = pipeline.split('data-testid="pipeline-actief"')[1].split("</section>")[0]
    assert "Anna" in applied and "Bram" not in applied
    assert "Bram" in active and "Cees" in active
    certificates = client.get("/mentor/coordinator/certificates").get_data(as_text=True)
    assert "Bram" in certificates
    assert "Cees" not in certificates


def test_another_municipalitys_volunteer_is_404(app, tenants, in_tenant, coordinator, sign_in):
    with in_tenant(tenants["lochem"]):
        stray = VolunteerFactory()
    client = sign_in(coordinator)
    assert client.get(f"/mentor/coordinator/volunteers/{stray.id}").status_code == 404
    assert client.get(f"/mentor/coordinator/volunteers/{uuid.uuid4()}").status_code == 404


def test_only_the_centre_municipality_offers_the_circle_coordinator_role(app):
    with app.test_request_context():
        assert "circle_coordinator" in {value for value, _ in role_choices(centre=True)}
        assert "circle_coordinator" not in {value for value, _ in role_choices(centre=False)}


# --- the renewal reminder --------------------------------------------------------------------


def _notices(app, tenant) -> int:
    with app.app_context():
        from app.core.context import tenant_app_context

        with tenant_app_context(tenant.id):
            return db.session.scalar(
                select(func.count())
                .select_from(Notification)
                .where(Notification.kind == "vog_renewal")
            )


@pytest.mark.parametrize("valid_months", [36, 24])
def test_the_renewal_reminder_arrives_sixty_days_before_expiry_once(
    app, centre, in_tenant, coordinator, monkeypatch, valid_months
):
    monkeypatch.setitem(app.config, "VOG_VALID_MONTHS", valid_months)
    issued = date(2024, 3, 15)
    expires = add_months(issued, valid_months)
    with in_tenant(centre):
        VolunteerFactory(status="actief", vog_issued_on=issued, vog_profile="45")

    def run(day):
        with in_tenant(centre):
            jobs.vog_renewal(centre.id, day)
            db.session.commit()

    run(expires - timedelta(days=61))
    assert _notices(app, centre) == 0
    run(expires - timedelta(days=60))
    assert _notices(app, centre) == 1
    run(expires - timedelta(days=59))  # the job run again: nothing twice
    assert _notices(app, centre) == 1
    with in_tenant(centre):
        [notice] = db.session.scalars(select(Notification)).all()
        assert notice.user_id == coordinator.id
        assert "verloopt op" in notice.body_text
