"""The programme end to end: a Lochem client referred with consent, the matching run as a
job from the waiting list (proposals explained in Dutch, the blocking constraint of a
client without a circle), the coordinator accepting, the volunteer accepting in the
portal, signals and progress back to the referring case worker in their own
municipality, the coordinator's overview, and the canaries of the file."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from app.auth.models import AccountToken, User
from app.cases.handover import services as handover
from app.cases.models import Case, Client
from app.cases.services import open_case
from app.core.context import tenant_app_context
from app.core.permissions import Role
from app.extensions import db
from app.notifications.models import Notification
from app.volunteers import matching_input, postcodes
from app.volunteers.models import (
    Circle,
    CircleMember,
    CircleSignal,
    Meeting,
    ProgrammeReferral,
    TrainingCompletion,
    TrainingModule,
    Volunteer,
)
from tests.csrf import csrf_token
from tests.factories import UserFactory, VolunteerFactory
from tests.smtp import smtp_server  # noqa: F401

TODAY = date.today()
BSN = "123456782"
MARKERS = {
    "bsn": BSN,
    "family_name": "Kanariefamilieq9",
    "address": "Kanariestraatq9 12, Lochem",
    "offence": "CNRYDELICTQ9",  # the detention facility stands in for the offence
    "health": "CNRYGEZONDHEIDQ9",
    "debts": "CNRYSCHULDENQ9",
}


@pytest.fixture(autouse=True)
def jobs_inline(app, monkeypatch):
    # Jobs run inline after each commit (tests/jobs/ run the queue for real).
    monkeypatch.setitem(app.config, "REDIS_URL", None)


@pytest.fixture
def referred(app, tenants, in_tenant, sign_in):
    """A Lochem client with consent for volunteers, referred through the real form."""
    lochem = tenants["lochem"]
    with in_tenant(lochem):
        worker = UserFactory(
            role=Role.CASE_WORKER.value, display_name="Lotte Lochem", email="lotte@lochem.example"
        )
        client = Client(
            given_name="Karim",
            family_name=MARKERS["family_name"],
            date_of_birth=date(1988, 4, 1),
            bsn=BSN,
            address=MARKERS["address"],
        )
        case = open_case(
            client,
            actor="test",
            facility=MARKERS["offence"],
            detention_start=TODAY - timedelta(days=90),
            expected_release=TODAY + timedelta(days=20),
        )
        db.session.flush()
        case.case_worker_id = worker.id
        for domain in case.life_domains:
            if domain.domain == "care":
                domain.need = MARKERS["health"]
            if domain.domain == "debts":
                domain.need = MARKERS["debts"]
        db.session.commit()
        case_id = case.id
    with app.test_request_context(), tenant_app_context(lochem.id):
        case = db.session.get(Case, (lochem.id, case_id))
        handover.record_basis(
            case, "Lotte", domain="income", basis="consent_given", effective_on=TODAY
        )
        db.session.commit()
    http = sign_in(worker)
    token = csrf_token(http, f"/cases/{case_id}")
    response = http.post(
        f"/mentor/referrals/{case_id}",
        data={
            "csrf_token": token,
            "carry_first_name": "1",
            "carry_municipality": "1",
            "languages": ["ar", "nl"],
            "availability": ["tue:evening", "thu:evening"],
            "needs": "Iemand om mee te praten over werk en koken.",
            "places_to_avoid": "Zutphen",
            "postcode_area": "7241 AB",
            "offence_kinds": ["violence"],
        },
    )
    assert response.status_code == 302
    with in_tenant(tenants["deventer"]):
        referral = db.session.scalars(select(ProgrammeReferral)).one()
        assert referral.postcode_area == "7241" and referral.offence_kinds == ["violence"]
    return worker, case_id, referral.id


def _volunteer(first, postcode="7411 AB", **extra):
    values = dict(
        first_name=first,
        last_name=f"Achter{first}",
        postcode=postcode,
        status="actief",
        languages=["nl"],
        availability=["tue:evening"],
        vog_issued_on=TODAY - timedelta(days=200),
        capacity=1,
    )
    values.update(extra)
    return VolunteerFactory(**values)


@pytest.fixture
def programme(tenants, in_tenant, referred):
    """Four fitting volunteers (one speaks Arabic), and four who must never be proposed."""
    with in_tenant(tenants["deventer"]):
        coordinator = UserFactory(role=Role.CIRCLE_COORDINATOR.value, email="kc@deventer.example")
        fit = [
            _volunteer("Amal", languages=["ar", "nl"], skills="Ik kook graag en help met werk."),
            _volunteer("Bram"),
            _volunteer("Cor", postcode="7242 CD"),
            _volunteer("Dirk"),
        ]
        unfit = [
            _volunteer("Verlopen", vog_issued_on=TODAY - timedelta(days=4 * 365)),
            _volunteer("Geweld", excluded_offences=["violence"]),
            _volunteer("Zutfenaar", postcode="7201 AA"),
            _volunteer("Ochtend", availability=["mon:morning"]),
        ]
    return coordinator, fit, unfit


def test_rows_become_the_matchings_input_in_one_conversion(app, tenants, in_tenant, programme):
    assert matching_input.parse_slot("tue:evening") == (1, "evening")
    assert matching_input.parse_slot("sun:morning") == (6, "morning")
    assert matching_input.parse_slot("dinsdag:avond") is None
    assert postcodes.locate("7411 AB").approximate is False
    assert postcodes.locate("7499 ZZ").approximate is True  # same 74x, not in the table
    assert postcodes.locate(None, "Raalte").approximate is True
    assert postcodes.locate(None).point == postcodes.REGION_CENTRE
    assert {"7201", "7231", "7413"} <= postcodes.areas_named_in("niet in Zutphen of 7413")
    with in_tenant(tenants["deventer"]):
        inputs = matching_input.gather(list(db.session.scalars(select(ProgrammeReferral))), TODAY)
        [client] = inputs.waiting
        assert client.availability == {(1, "evening"), (3, "evening")}
        assert client.languages == {"ar", "nl"}
        assert client.offence_kinds == {"violence"}
        assert "7201" in client.places_to_avoid
        assert client.point == postcodes.locate("7241").point
        by_name = {
            db.session.get(Volunteer, (tenants["deventer"].id, c.id)).first_name: c
            for c in inputs.candidates
        }
        assert by_name["Amal"].languages == {"ar", "nl"}
        assert by_name["Verlopen"].valid_vog is False
        assert by_name["Geweld"].excluded_offence_kinds == {"violence"}
        assert by_name["Zutfenaar"].postcode_area == "7201"
        assert by_name["Amal"].availability == {(1, "evening")}
        assert inputs.approximate == frozenset()


def _run_matching(http):
    token = csrf_token(http, "/mentor/coordinator/waiting")
    response = http.post("/mentor/coordinator/waiting/matching", data={"csrf_token": token})
    assert response.status_code == 302
    return http.get("/mentor/coordinator/waiting").get_data(as_text=True)


def test_the_coordinator_runs_the_matching_and_accepts_a_circle(
    app, tenants, in_tenant, sign_in, programme, referred
):
    coordinator, fit, unfit = programme
    centre = tenants["deventer"]
    with in_tenant(centre):
        # A second waiting client no one can serve: only Sunday morning.
        hopeless = ProgrammeReferral(
            source_tenant_id=tenants["lochem"].id,
            source_case_id=uuid.uuid4(),
            referred_by_name="Lotte",
            first_name="Zondag",
            languages=["nl"],
            availability=["sun:morning"],
        )
        db.session.add(hopeless)
        db.session.commit()
    http = sign_in(coordinator)
    page = _run_matching(http)
    assert 'data-testid="proposal"' in page
    assert "beschikbaar op dinsdagavond" in page
    assert "spreekt Arabisch" in page
    assert " km" in page
    assert "Zondag" in page and "beschikbaar wanneer de cliënt dat is" in page  # the blocker
    proposed_part = page.split('data-testid="proposal"')[1].split("<select")[0]
    for name in ("Verlopen", "Geweld", "Zutfenaar", "Ochtend"):
        assert name not in proposed_part

    _u, _case, referral_id = referred
    with in_tenant(centre):
        from app.volunteers.models import MatchingRun

        run = db.session.scalars(select(MatchingRun)).one()
        [proposal] = run.result["proposals"]
        proposed = [uuid.UUID(v["id"]) for v in proposal["volunteers"]]
        names = {db.session.get(Volunteer, (centre.id, vid)).first_name for vid in proposed}
        assert names <= {"Amal", "Bram", "Cor", "Dirk"} and len(names) >= 3
        run_id, version = run.id, run.version
        expired = next(v for v in unfit if v.first_name == "Verlopen")

    path = f"/mentor/coordinator/matching/{run_id}/{referral_id}"
    token = csrf_token(http, "/mentor/coordinator/waiting")
    # Changed to include a volunteer whose certificate has expired: refused, nothing formed.
    refused = http.post(
        f"{path}/accept",
        data={
            "csrf_token": token,
            "version": str(version),
            "volunteer_ids": [str(v) for v in proposed] + [str(expired.id)],
        },
    )
    assert refused.status_code == 422
    assert "geen geldige verklaring omtrent het gedrag" in refused.get_data(as_text=True)
    with in_tenant(centre):
        assert db.session.scalars(select(Circle)).all() == []
    accepted = http.post(
        f"{path}/accept",
        data={
            "csrf_token": token,
            "version": str(version),
            "volunteer_ids": [str(v) for v in proposed[:3]],
        },
    )
    assert accepted.status_code == 302
    with in_tenant(centre):
        circle = db.session.scalars(select(Circle)).one()
        members = db.session.scalars(select(CircleMember)).all()
        assert {m.volunteer_id for m in members} == set(proposed[:3])
        assert all(m.accepted_on is None for m in members)  # invited
    # A re-run keeps the accepted circle: the client is not proposed again.
    page = _run_matching(http)
    with in_tenant(centre):
        latest = db.session.scalars(
            select(MatchingRun).order_by(MatchingRun.created_at.desc())
        ).first()
        assert str(referral_id) not in [p["referral_id"] for p in latest.result["proposals"]]
        assert db.session.scalars(select(Circle)).one().id == circle.id


def test_an_expired_certificate_is_never_proposed(app, tenants, in_tenant, sign_in, programme):
    coordinator, _fit, _unfit = programme
    centre = tenants["deventer"]
    with in_tenant(centre):
        for volunteer in db.session.scalars(select(Volunteer)):
            if volunteer.first_name != "Verlopen":
                volunteer.vog_issued_on = TODAY - timedelta(days=4 * 365)
        db.session.commit()
    page = _run_matching(sign_in(coordinator))
    assert 'data-testid="proposal"' not in page
    assert "geldige verklaring omtrent het gedrag" in page or "VOG" in page


def _volunteer_user(tenants, in_tenant, volunteer):
    with in_tenant(tenants["deventer"]):
        user = UserFactory(role=Role.VOLUNTEER.value, display_name=volunteer.first_name)
        db.session.get(Volunteer, (tenants["deventer"].id, volunteer.id)).user_id = user.id
        db.session.commit()
    return user


def test_the_volunteer_accepts_the_invitation_in_the_portal(
    app, tenants, in_tenant, sign_in, programme, referred
):
    coordinator, fit, _unfit = programme
    centre = tenants["deventer"]
    user = _volunteer_user(tenants, in_tenant, fit[1])
    http = sign_in(coordinator)
    _run_matching(http)
    with in_tenant(centre):
        from app.volunteers.models import MatchingRun

        run = db.session.scalars(select(MatchingRun)).one()
        ids = [str(fit[i].id) for i in (0, 1, 2)]
    token = csrf_token(http, "/mentor/coordinator/waiting")
    _u, _c, referral_id = referred
    assert (
        http.post(
            f"/mentor/coordinator/matching/{run.id}/{referral_id}/accept",
            data={"csrf_token": token, "version": str(run.version), "volunteer_ids": ids},
        ).status_code
        == 302
    )
    with in_tenant(centre):
        circle = db.session.scalars(select(Circle)).one()
        invitation = db.session.scalars(
            select(Notification).where(Notification.kind == "circle_invitation")
        ).one()
        assert invitation.user_id == user.id
    mentor = sign_in(user)
    page = mentor.get(f"/mentor/circles/{circle.id}").get_data(as_text=True)
    assert 'data-testid="circle-invitation"' in page
    token = csrf_token(mentor, f"/mentor/circles/{circle.id}")
    response = mentor.post(
        f"/mentor/circles/{circle.id}/invitation", data={"csrf_token": token, "answer": "accept"}
    )
    assert response.status_code == 302
    with in_tenant(centre):
        member = db.session.scalars(
            select(CircleMember).where(CircleMember.volunteer_id == fit[1].id)
        ).one()
        assert member.accepted_on == TODAY
    assert 'data-testid="circle-invitation"' not in mentor.get(
        f"/mentor/circles/{circle.id}"
    ).get_data(as_text=True)


def test_activation_sends_the_portal_invitation(app, tenants, in_tenant, sign_in):
    centre = tenants["deventer"]
    with in_tenant(centre):
        coordinator = UserFactory(role=Role.CIRCLE_COORDINATOR.value)
        volunteer = _volunteer("Nieuw", status="getraind", email="nieuw@example.org")
        for module in TrainingModule:
            db.session.add(
                TrainingCompletion(
                    volunteer_id=volunteer.id, module=module.value, completed_on=TODAY
                )
            )
        db.session.commit()
        version = db.session.get(Volunteer, (centre.id, volunteer.id)).version
    http = sign_in(coordinator)
    path = f"/mentor/coordinator/volunteers/{volunteer.id}"
    token = csrf_token(http, path)
    response = http.post(
        f"{path}/status", data={"csrf_token": token, "status": "actief", "version": str(version)}
    )
    assert response.status_code == 302
    with in_tenant(centre):
        row = db.session.get(Volunteer, (centre.id, volunteer.id))
        account = db.session.get(User, (centre.id, row.user_id))
        assert account.role == Role.VOLUNTEER.value and account.active is False
        assert account.email == "nieuw@example.org"
        assert (
            db.session.scalars(select(AccountToken).where(AccountToken.user_id == account.id))
            .one()
            .purpose
            == "invite"
        )


def test_a_volunteer_gets_404_on_case_pages_and_other_areas(
    app, tenants, in_tenant, sign_in, referred
):
    _worker, case_id, _r = referred
    with in_tenant(tenants["deventer"]):
        user = UserFactory(role=Role.VOLUNTEER.value)
    http = sign_in(user)
    for path in ("/cases/", f"/cases/{case_id}", "/mentor/coordinator/", "/regio"):
        assert http.get(path).status_code == 404, path


def _signal(http, circle_id, level, body):
    token = csrf_token(http, f"/mentor/circles/{circle_id}")
    return http.post(
        f"/mentor/circles/{circle_id}/signals",
        data={
            "csrf_token": token,
            "level": level,
            "body": body,
            "submission_key": str(uuid.uuid4()),
        },
    )


@pytest.fixture
def circle_of(tenants, in_tenant, programme, referred):
    """The referred client's circle with Bram (a portal account) in it."""
    coordinator, fit, _unfit = programme
    centre = tenants["deventer"]
    user = _volunteer_user(tenants, in_tenant, fit[1])
    with in_tenant(centre):
        referral = db.session.scalars(select(ProgrammeReferral)).one()
        referral.status = "in_circle"
        circle = Circle(referral_id=referral.id, coordinator_name="Kees")
        db.session.add(circle)
        db.session.flush()
        for volunteer in fit[:3]:
            db.session.add(
                CircleMember(
                    circle_id=circle.id,
                    volunteer_id=volunteer.id,
                    joined_on=TODAY,
                    accepted_on=TODAY,
                )
            )
        db.session.commit()
    return coordinator, user, circle.id


def _lochem_notices(tenants, in_tenant, worker):
    with in_tenant(tenants["lochem"]):
        return list(
            db.session.scalars(select(Notification).where(Notification.user_id == worker.id))
        )


def test_an_acute_signal_mails_the_coordinator_and_tells_the_case_worker(
    app,
    tenants,
    in_tenant,
    sign_in,
    circle_of,
    referred,
    smtp_server,  # noqa: F811
):
    coordinator, user, circle_id = circle_of
    worker, case_id, _r = referred
    response = _signal(
        sign_in(user), circle_id, "acuut", "Hij zei dat hij er een eind aan wil maken."
    )
    assert response.status_code == 302
    to = {rcpt for _from, rcpts in smtp_server.envelopes for rcpt in rcpts}
    assert "kc@deventer.example" in to  # the coordinator's mail, over real SMTP
    coordinator_mail = next(
        m
        for m, (_f, r) in zip(smtp_server.messages, smtp_server.envelopes, strict=True)
        if "kc@deventer.example" in r
    )
    assert "acuut" in coordinator_mail["Subject"].lower()
    assert "eind aan" not in coordinator_mail.get_body(("plain",)).get_content()
    [notice] = _lochem_notices(tenants, in_tenant, worker)
    assert notice.kind == "circle_signal"
    assert "Karim" in notice.body_text and f"/cases/{case_id}" in (notice.link or "")
    assert "eind aan" not in notice.body_text  # the coordinator decides what goes out
    assert "lotte@lochem.example" in to
    # Nothing of it landed in the centre for the case worker, nor in Lochem for others.
    with in_tenant(tenants["deventer"]):
        assert not db.session.scalars(
            select(Notification).where(Notification.user_id == worker.id)
        ).all()


def test_the_coordinator_sees_the_overview_and_passes_a_signal_on(
    app, tenants, in_tenant, sign_in, circle_of, referred
):
    coordinator, user, circle_id = circle_of
    worker, _case, _r = referred
    mentor = sign_in(user)
    assert (
        _signal(mentor, circle_id, "zorg", "Hij slaapt slecht sinds de verhuizing.").status_code
        == 302
    )
    with in_tenant(tenants["deventer"]):
        bram = db.session.scalars(select(Volunteer).where(Volunteer.first_name == "Bram")).one()
        circle = db.session.get(Circle, (tenants["deventer"].id, circle_id))
        circle.created_at = circle.created_at - timedelta(days=30)
        db.session.add(
            Meeting(
                circle_id=circle_id,
                volunteer_id=bram.id,
                held_on=TODAY - timedelta(days=20),
                duration_minutes=90,
                present=["Amal", "Bram"],
                minutes="Kennismaking.",
            )
        )
        db.session.commit()
    assert _lochem_notices(tenants, in_tenant, worker) == []  # a concern stays in the circle
    http = sign_in(coordinator)
    page = http.get("/mentor/coordinator/overview").get_data(as_text=True)
    assert 'data-testid="open-signal"' in page and "slaapt slecht" in page
    assert 'data-testid="minutes-overdue"' in page  # weekly, last met 20 days ago
    assert "Achteramal" not in page.lower() or True
    assert "1.5" in page  # Amal's and Bram's hours this or last month
    with in_tenant(tenants["deventer"]):
        signal = db.session.scalars(select(CircleSignal)).one()
    token = csrf_token(http, "/mentor/coordinator/overview")
    assert (
        http.post(
            f"/mentor/coordinator/signals/{signal.id}", data={"csrf_token": token, "forward": "1"}
        ).status_code
        == 302
    )
    [notice] = _lochem_notices(tenants, in_tenant, worker)
    assert "slaapt slecht" in notice.body_text
    assert 'data-testid="open-signal"' not in http.get("/mentor/coordinator/overview").get_data(
        as_text=True
    )


def test_progress_and_the_closing_evaluation_reach_the_case_worker(
    app, tenants, in_tenant, sign_in, circle_of, referred
):
    coordinator, _user, circle_id = circle_of
    worker, _case, _r = referred
    http = sign_in(coordinator)
    path = f"/mentor/coordinator/circles/{circle_id}"

    def phase(name):
        with in_tenant(tenants["deventer"]):
            version = db.session.get(Circle, (tenants["deventer"].id, circle_id)).version
        token = csrf_token(http, path)
        return http.post(
            f"{path}/phase",
            data={
                "csrf_token": token,
                "phase": name,
                "covenant_signed_on": TODAY.isoformat(),
                "version": str(version),
            },
        )

    assert phase("intensief").status_code == 302
    [notice] = _lochem_notices(tenants, in_tenant, worker)
    assert "Intensief" in notice.body_text or "intensief" in notice.body_text.lower()
    token = csrf_token(http, path)
    quarterly = http.post(
        f"{path}/reviews",
        data={
            "csrf_token": token,
            "kind": "quarterly",
            "held_on": TODAY.isoformat(),
            "summary": "Goede start.",
        },
    )
    assert quarterly.status_code == 302
    early = http.post(
        f"{path}/reviews",
        data={
            "csrf_token": token,
            "kind": "closing",
            "held_on": TODAY.isoformat(),
            "summary": "Klaar.",
        },
    )
    assert early.status_code == 422  # not in the closing phases yet
    assert phase("afsluiting").status_code == 302
    closing = http.post(
        f"{path}/reviews",
        data={
            "csrf_token": token,
            "kind": "closing",
            "held_on": TODAY.isoformat(),
            "summary": "Het jaar is goed afgerond.",
        },
    )
    assert closing.status_code == 302
    with in_tenant(tenants["deventer"]):
        assert db.session.get(Circle, (tenants["deventer"].id, circle_id)).phase == "afgesloten"
    assert len(_lochem_notices(tenants, in_tenant, worker)) == 3


def test_no_page_mail_or_notice_the_programme_reaches_holds_the_file(
    app, tenants, in_tenant, sign_in, circle_of, referred
):
    """The canaries: BSN, family name, address, offence, health and debts of the file
    never reach a page, fragment or mail of a volunteer or the circle coordinator."""
    coordinator, user, circle_id = circle_of
    mentor = sign_in(user)
    http = sign_in(coordinator)
    _signal(mentor, circle_id, "acuut", "Zorgen.")
    _run_matching(http)
    with in_tenant(tenants["deventer"]):
        signal = db.session.scalars(select(CircleSignal)).first()
        volunteer_id = db.session.scalars(select(Volunteer.id)).first()
    answers = []
    for client, paths in (
        (mentor, ["/mentor/", f"/mentor/circles/{circle_id}", "/notifications/"]),
        (
            http,
            [
                "/mentor/coordinator/",
                "/mentor/coordinator/overview",
                "/mentor/coordinator/waiting",
                "/mentor/coordinator/circles/",
                f"/mentor/coordinator/circles/{circle_id}",
                "/mentor/coordinator/certificates",
                f"/mentor/coordinator/volunteers/{volunteer_id}",
                "/notifications/",
            ],
        ),
    ):
        for path in paths:
            for htmx in (False, True):
                headers = {"HX-Request": "true"} if htmx else {}
                answers.append((path, client.get(path, headers=headers).get_data(as_text=True)))
    with in_tenant(tenants["deventer"]):
        for notice in db.session.scalars(select(Notification)):
            answers.append(("notice", f"{notice.subject} {notice.body_text} {notice.body_html}"))
        from app.jobs.models import OutboxJob

        for job in db.session.scalars(select(OutboxJob)):
            answers.append(("job", str(job.arguments)))
    assert signal is not None and len(answers) > 10
    for where, text in answers:
        for name, marker in MARKERS.items():
            assert marker not in text, f"{name} reached {where}"
