"""The mentor portal: a volunteer sees only their own circles (first names, phase,
schedule), logs meetings and raises signals; an acute signal reaches the coordinator."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from app.core.permissions import Role
from app.extensions import db
from app.jobs.models import OutboxJob
from app.notifications.models import Notification
from app.volunteers.models import CircleMember, CircleSignal, Meeting
from tests.csrf import csrf_token
from tests.factories import (
    CircleFactory,
    CircleMemberFactory,
    ProgrammeReferralFactory,
    UserFactory,
    VolunteerFactory,
)

TODAY = date.today()


@pytest.fixture
def world(app, tenants, in_tenant):
    centre = tenants["deventer"]
    with in_tenant(centre):
        user = UserFactory(role=Role.VOLUNTEER.value, display_name="Vera Vrijwilliger")
        coordinator = UserFactory(role=Role.CIRCLE_COORDINATOR.value)
        me = VolunteerFactory(
            first_name="Vera", last_name="Achternaamgeheim", user_id=user.id, status="actief"
        )
        other = VolunteerFactory(first_name="Otto", last_name="Ooknietzichtbaar", status="actief")
        mine = CircleFactory(referral=ProgrammeReferralFactory(first_name="Karim"))
        CircleMemberFactory(circle=mine, volunteer=me)
        CircleMemberFactory(circle=mine, volunteer=other)
        theirs = CircleFactory(referral=ProgrammeReferralFactory(first_name="Anders"))
        CircleMemberFactory(circle=theirs, volunteer=other)
    return centre, user, coordinator, me, mine, theirs


def test_a_volunteer_sees_only_their_own_circles(app, world, sign_in):
    _centre, user, _c, _me, mine, theirs = world
    client = sign_in(user)
    home = client.get("/mentor/").get_data(as_text=True)
    assert "Karim" in home and "Anders" not in home
    page = client.get(f"/mentor/circles/{mine.id}")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Karim" in text and "Otto" in text
    assert "Ooknietzichtbaar" not in text and "Achternaamgeheim" not in text
    assert client.get(f"/mentor/circles/{theirs.id}").status_code == 404
    assert client.get(f"/mentor/circles/{uuid.uuid4()}").status_code == 404


def test_taken_off_the_circle_means_no_access_at_the_next_request(app, world, sign_in, in_tenant):
    centre, user, _c, me, mine, _t = world
    client = sign_in(user)
    assert client.get(f"/mentor/circles/{mine.id}").status_code == 200
    with in_tenant(centre):
        member = db.session.scalars(
            select(CircleMember).where(CircleMember.volunteer_id == me.id)
        ).one()
        member.left_on = TODAY
        db.session.commit()
    assert client.get(f"/mentor/circles/{mine.id}").status_code == 404


def test_a_meeting_is_logged_once(app, world, sign_in, in_tenant):
    centre, user, _c, _me, mine, _t = world
    client = sign_in(user)
    path = f"/mentor/circles/{mine.id}"
    token = csrf_token(client, path)
    data = {
        "csrf_token": token,
        "held_on": TODAY.isoformat(),
        "duration_minutes": "90",
        "present": ["Vera", "Otto"],
        "minutes": "Gesproken over werk en de week.",
        "submission_key": str(uuid.uuid4()),
    }
    assert client.post(f"{path}/meetings", data=data).status_code == 302
    assert client.post(f"{path}/meetings", data=data).status_code == 302
    future = client.post(
        f"{path}/meetings",
        data={
            **data,
            "held_on": (TODAY + timedelta(days=2)).isoformat(),
            "submission_key": str(uuid.uuid4()),
        },
    )
    assert future.status_code == 422
    assert "Gesproken over werk en de week." in future.get_data(as_text=True)
    # A name that is not a member of the circle is refused, not dropped from the log.
    stranger = client.post(
        f"{path}/meetings",
        data={**data, "present": ["Vera", "Indringer"], "submission_key": str(uuid.uuid4())},
    )
    assert stranger.status_code == 422
    assert "alleen leden van deze cirkel" in stranger.get_data(as_text=True)
    with in_tenant(centre):
        [meeting] = db.session.scalars(select(Meeting)).all()
        assert meeting.present == ["Otto", "Vera"]


@pytest.mark.parametrize("level, notified", [("acuut", True), ("zorg", False)])
def test_an_acute_signal_reaches_the_coordinator(app, world, sign_in, in_tenant, level, notified):
    centre, user, coordinator, _me, mine, _t = world
    client = sign_in(user)
    path = f"/mentor/circles/{mine.id}"
    token = csrf_token(client, path)
    response = client.post(
        f"{path}/signals",
        data={
            "csrf_token": token,
            "level": level,
            "body": "Hij had het over terugvallen.",
            "submission_key": str(uuid.uuid4()),
        },
    )
    assert response.status_code == 302
    with in_tenant(centre):
        assert len(db.session.scalars(select(CircleSignal)).all()) == 1
        notices = db.session.scalars(
            select(Notification).where(Notification.kind == "circle_signal_acute")
        ).all()
        assert [n.user_id for n in notices] == ([coordinator.id] if notified else [])
        if notified:
            assert "acuut signaal" in notices[0].body_text
            assert "terugvallen" not in notices[0].body_text  # the mail carries no content
            jobs = db.session.scalars(
                select(OutboxJob).where(
                    OutboxJob.function == "app.notifications.jobs.send_notification_mail"
                )
            ).all()
            assert jobs


def test_other_roles_cannot_open_the_portal(app, world, sign_in, in_tenant):
    centre, _u, coordinator, _me, mine, _t = world
    assert sign_in(coordinator).get(f"/mentor/circles/{mine.id}").status_code == 403
