"""Server-side sessions: timeouts, sign-out, deactivation, role changes, rotation."""

from __future__ import annotations

from datetime import timedelta

from freezegun import freeze_time
from sqlalchemy import select

from app.auth.models import SecurityEvent, User, UserSession
from app.core.db import utcnow
from app.core.permissions import Role
from app.extensions import db
from tests.csrf import csrf_token
from tests.factories import UserFactory


def test_idle_timeout_ends_the_session(app, tenants, in_tenant, sign_in):
    start = utcnow()
    with freeze_time(start) as clock:
        with in_tenant(tenants["raalte"]):
            worker = UserFactory()
        client = sign_in(worker)
        assert client.get("/cases/").status_code == 200
        clock.tick(timedelta(minutes=29))
        assert client.get("/cases/").status_code == 200
        clock.tick(timedelta(minutes=29))  # active 29 minutes ago: still fine
        assert client.get("/cases/").status_code == 200
        clock.tick(timedelta(minutes=31))
        assert client.get("/cases/").status_code == 302
    with in_tenant(tenants["raalte"]):
        record = db.session.scalars(select(UserSession)).one()
        events = db.session.scalars(
            select(SecurityEvent.result).where(SecurityEvent.event == "session_ended")
        ).all()
    assert record.end_reason == "idle_timeout" and record.ended_at is not None
    assert events == ["idle_timeout"]


def test_the_pages_own_polling_does_not_keep_an_idle_session_alive(
    app, tenants, in_tenant, sign_in
):
    poll = {"HX-Request": "true", "X-Background-Poll": "1"}
    start = utcnow()
    with freeze_time(start) as clock:
        with in_tenant(tenants["raalte"]):
            worker = UserFactory()
        client = sign_in(worker)
        page = client.get("/notifications/").get_data(as_text=True)
        # Both polling elements send the header, and nothing that a person clicks does.
        assert page.count('hx-headers=\'{"X-Background-Poll": "1"}\'') == 2
        assert '<span hidden hx-get="/notifications/"' in page
        for _minute in range(29):  # an open tab polls badge and list every minute
            clock.tick(timedelta(minutes=1))
            assert client.get("/notifications/count", headers=poll).status_code == 200
            assert client.get("/notifications/", headers=poll).status_code == 200
        clock.tick(timedelta(minutes=2))
        ended = client.get("/notifications/count", headers=poll)
        assert ended.headers.get("HX-Redirect") == "/auth/sign-in"
        assert client.get("/cases/").status_code == 302
    with in_tenant(tenants["raalte"]):
        assert db.session.scalars(select(UserSession.end_reason)).one() == "idle_timeout"


def test_opening_the_notifications_page_is_activity(app, tenants, in_tenant, sign_in):
    start = utcnow()
    with freeze_time(start) as clock:
        with in_tenant(tenants["raalte"]):
            worker = UserFactory()
        client = sign_in(worker)
        for _step in range(3):
            clock.tick(timedelta(minutes=20))
            assert client.get("/notifications/").status_code == 200
        assert client.get("/cases/").status_code == 200


def test_absolute_lifetime_ends_an_active_session(app, tenants, in_tenant, sign_in):
    with freeze_time(utcnow()) as clock:
        with in_tenant(tenants["raalte"]):
            worker = UserFactory()
        client = sign_in(worker)
        for _ in range(11 * 3):  # busy all day, every twenty minutes
            clock.tick(timedelta(minutes=20))
            assert client.get("/cases/").status_code == 200
        clock.tick(timedelta(minutes=61))
        assert client.get("/cases/").status_code == 302
    with in_tenant(tenants["raalte"]):
        assert db.session.scalars(select(UserSession.end_reason)).one() == "absolute_lifetime"


def test_sign_out_ends_the_session_and_the_old_cookie_no_longer_works(
    app, tenants, in_tenant, sign_in
):
    with in_tenant(tenants["deventer"]):
        worker = UserFactory()
    client = sign_in(worker)
    cookie = client.get_cookie(app.config["SESSION_COOKIE_NAME"]).value
    token = csrf_token(client, "/cases/")
    assert client.post("/auth/sign-out", data={"csrf_token": token}).status_code == 302
    assert client.get("/cases/").status_code == 302
    stolen = app.test_client()
    stolen.set_cookie(app.config["SESSION_COOKIE_NAME"], cookie)
    assert stolen.get("/cases/").status_code == 302
    with in_tenant(tenants["deventer"]):
        assert db.session.scalars(select(UserSession.end_reason)).one() == "sign_out"
        assert "sign_out" in db.session.scalars(select(SecurityEvent.event)).all()


def test_sign_out_needs_the_csrf_token(app, tenants, in_tenant, sign_in):
    with in_tenant(tenants["deventer"]):
        worker = UserFactory()
    client = sign_in(worker)
    assert client.post("/auth/sign-out").status_code == 400
    assert client.get("/cases/").status_code == 200


def test_admin_ends_all_sessions_and_changes_roles_effective_next_request(
    app, tenants, in_tenant, sign_in
):
    with in_tenant(tenants["zutphen"]):
        admin = UserFactory(role=Role.TENANT_ADMIN.value)
        worker = UserFactory(display_name="Wim Werker")
    laptop, phone = sign_in(worker), sign_in(worker)
    admin_client = sign_in(admin)
    token = csrf_token(admin_client, "/beheer/accounts")

    response = admin_client.post(
        f"/beheer/accounts/{worker.id}/role", data={"csrf_token": token, "role": "volunteer"}
    )
    assert response.status_code == 302
    assert laptop.get("/cases/").status_code == 404  # the next request sees the volunteer

    admin_client.post(f"/beheer/accounts/{worker.id}/end-sessions", data={"csrf_token": token})
    assert laptop.get("/start").status_code == 302
    assert phone.get("/start").status_code == 302
    with in_tenant(tenants["zutphen"]):
        events = db.session.execute(select(SecurityEvent.event, SecurityEvent.result)).all()
    assert ("role_changed", "case_worker->volunteer") in events
    assert ("session_ended", "ended_by_admin") in events


def test_deactivation_signs_the_person_out(app, tenants, in_tenant, sign_in):
    with in_tenant(tenants["zutphen"]):
        admin = UserFactory(role=Role.TENANT_ADMIN.value)
        worker = UserFactory()
    client = sign_in(worker)
    admin_client = sign_in(admin)
    token = csrf_token(admin_client, "/beheer/accounts")
    admin_client.post(f"/beheer/accounts/{worker.id}/deactivate", data={"csrf_token": token})
    assert client.get("/start").status_code == 302
    with in_tenant(tenants["zutphen"]):
        assert db.session.get(User, (worker.tenant_id, worker.id)).active is False


def test_an_admin_cannot_touch_another_municipalitys_accounts(app, tenants, in_tenant, sign_in):
    with in_tenant(tenants["zutphen"]):
        admin = UserFactory(role=Role.TENANT_ADMIN.value)
    with in_tenant(tenants["deventer"]):
        victim = UserFactory()
    admin_client = sign_in(admin)
    token = csrf_token(admin_client, "/beheer/accounts")
    response = admin_client.post(
        f"/beheer/accounts/{victim.id}/deactivate", data={"csrf_token": token}
    )
    assert response.status_code == 404
    with in_tenant(tenants["deventer"]):
        assert db.session.get(User, (victim.tenant_id, victim.id)).active is True
    with in_tenant(tenants["zutphen"]):
        refused = db.session.scalars(select(SecurityEvent.event)).all()
    assert "access_refused" in refused


def test_each_sign_in_gets_a_new_session_id(app, tenants, in_tenant, sign_in):
    from tests.conftest import open_session_for

    with in_tenant(tenants["lochem"]):
        worker = UserFactory()
    assert open_session_for(app, worker) != open_session_for(app, worker)


def test_a_refused_page_is_written_to_the_security_log(app, tenants, in_tenant, sign_in):
    with in_tenant(tenants["olst-wijhe"]):
        volunteer = UserFactory(role=Role.VOLUNTEER.value)
    assert sign_in(volunteer).get("/cases/").status_code == 404  # a volunteer: not found
    with in_tenant(tenants["olst-wijhe"]):
        event = db.session.scalars(
            select(SecurityEvent).where(SecurityEvent.event == "access_refused")
        ).one()
    assert event.result == "endpoint" and event.detail == "cases.case_list"
    assert event.user_id == volunteer.id and event.origin == "127.0.0.1"


def test_only_the_centre_municipality_offers_and_accepts_the_regional_coordinator_role(
    app, tenants, in_tenant, sign_in
):
    for slug, offered in (("deventer", True), ("raalte", False)):
        with in_tenant(tenants[slug]):
            admin = UserFactory(role=Role.TENANT_ADMIN.value)
            worker = UserFactory()
        admin_client = sign_in(admin)
        page = admin_client.get("/beheer/accounts").get_data(as_text=True)
        assert ('value="regional_coordinator"' in page) is offered
        token = csrf_token(admin_client, "/beheer/accounts")
        admin_client.post(
            f"/beheer/accounts/{worker.id}/role",
            data={"csrf_token": token, "role": "regional_coordinator"},
        )
        with in_tenant(tenants[slug]):
            role = db.session.get(User, (worker.tenant_id, worker.id)).role
        assert (role == Role.REGIONAL_COORDINATOR.value) is offered


def test_outside_development_the_cookie_is_host_only_secure_httponly_and_lax(app, monkeypatch):
    from config import ProductionConfig

    for key in ("SESSION_COOKIE_NAME", "SESSION_COOKIE_SECURE"):
        monkeypatch.setitem(app.config, key, getattr(ProductionConfig, key))
    response = app.test_client().get("/auth/sign-in", base_url="https://nazorg.example")
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("__Host-nazorg=")
    attributes = {part.strip().split("=")[0].lower() for part in cookie.split(";")[1:]}
    assert {"secure", "httponly", "path"} <= attributes and "domain" not in attributes
    assert "SameSite=Lax" in cookie
