"""The notification list: the user's own notices, refreshed by htmx, marked read in place."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from app.core.context import tenant_app_context
from app.core.permissions import Role
from app.extensions import db
from app.jobs.models import OutboxJob
from app.notifications.models import Notification
from app.notifications.services import notify
from tests.csrf import csrf_token
from tests.factories import UserFactory


def a_notice(app, tenant, user, key="k1"):
    with app.app_context(), tenant_app_context(tenant.id):
        notice = notify(
            user.id,
            kind="release_today",
            dedupe_key=key,
            template="release_notice",
            context={
                "kind": "today",
                "release_date": date(2027, 1, 9),
                "open_domains": [],
                "link": "/cases/x",
            },
            link="/cases/x",
        )
        db.session.commit()
        return notice.id


def test_the_list_shows_the_users_own_notices_and_polls_with_htmx(
    app, tenants, in_tenant, sign_in, embedded
):
    lochem = tenants["lochem"]
    with in_tenant(lochem):
        mine, colleague = UserFactory(), UserFactory()
    a_notice(app, lochem, mine, "mine")
    a_notice(app, lochem, colleague, "colleague's")
    client = sign_in(mine)

    page = client.get("/notifications/").get_data(as_text=True)
    assert page.count('data-testid="notification"') == 1
    assert "Vandaag vrijlating: 9 januari 2027" in page
    assert 'hx-trigger="every 60s"' in page
    fragment = client.get("/notifications/", headers={"HX-Request": "true"})
    body = fragment.get_data(as_text=True)
    assert "<html" not in body and 'id="notification-list"' in body
    assert "Ongelezen: 1" in body


def test_marking_read_in_place_and_the_unread_badge(app, tenants, in_tenant, sign_in, embedded):
    lochem = tenants["lochem"]
    with in_tenant(lochem):
        user = UserFactory()
    notice_id = a_notice(app, lochem, user)
    client = sign_in(user)
    badge = client.get("/notifications/count", headers={"HX-Request": "true"})
    assert 'data-testid="unread-count">1<' in badge.get_data(as_text=True)

    token = csrf_token(client, "/notifications/")
    response = client.post(
        f"/notifications/{notice_id}/read",
        headers={"HX-Request": "true", "X-CSRFToken": token},
    )
    assert response.status_code == 200
    assert "Markeer als gelezen" not in response.get_data(as_text=True)
    badge = client.get("/notifications/count", headers={"HX-Request": "true"})
    assert "unread-count" not in badge.get_data(as_text=True)


def test_another_users_or_tenants_notice_is_404_alike(
    app, tenants, in_tenant, sign_in, embedded, caplog
):
    lochem, zutphen = tenants["lochem"], tenants["zutphen"]
    with in_tenant(lochem):
        me, colleague = UserFactory(), UserFactory()
    with in_tenant(zutphen):
        foreigner = UserFactory()
    colleagues = a_notice(app, lochem, colleague, "c")
    foreign = a_notice(app, zutphen, foreigner, "f")
    client = sign_in(me)
    token = csrf_token(client, "/notifications/")
    for notice_id in (colleagues, foreign):
        response = client.post(f"/notifications/{notice_id}/read", headers={"X-CSRFToken": token})
        assert response.status_code == 404
    refused = [r for r in caplog.records if r.getMessage() == "access refused"]
    assert [(r.object, r.detail) for r in refused] == [
        ("notification", str(colleagues)),
        ("notification", str(foreign)),
    ]
    with app.app_context(), tenant_app_context(lochem.id):
        assert db.session.get(Notification, (lochem.id, colleagues)).read_at is None


def test_a_notice_key_gives_one_notice_and_one_mail_job(app, tenants, in_tenant):
    lochem = tenants["lochem"]
    with in_tenant(lochem):
        user = UserFactory()
    with app.app_context(), tenant_app_context(lochem.id):
        context = {"overdue": [], "this_week": [], "week_end": date.today() + timedelta(days=3)}
        first = notify(
            user.id, kind="d", dedupe_key="same", template="task_digest", context=context
        )
        second = notify(
            user.id, kind="d", dedupe_key="same", template="task_digest", context=context
        )
        assert first is not None and second is None
        assert len(db.session.scalars(select(OutboxJob)).all()) == 1
        db.session.rollback()


def test_asking_for_the_digest_now_saves_the_notice(app, tenants, in_tenant, sign_in, embedded):
    lochem = tenants["lochem"]
    with in_tenant(lochem):
        worker = UserFactory(role=Role.CASE_WORKER.value)
    client = sign_in(worker)
    response = client.post(
        "/notifications/digest", headers={"X-CSRFToken": csrf_token(client, "/notifications/")}
    )
    assert response.status_code == 302
    page = client.get("/notifications/").get_data(as_text=True)
    assert "Uw taken: 0 te laat, 0 deze week te doen" in page
