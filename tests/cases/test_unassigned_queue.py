"""Issue 11, point 5: no release unannounced. A case without an active case worker is on
the municipality's queue (start page of the team and the tenant admin), and its release
notices go to the tenant admins; mails carry no personal data."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from app.cases import jobs, queue
from app.cases.models import Case, DomainStatus
from app.core.permissions import Role
from app.extensions import db
from app.notifications.models import Notification
from tests.factories import CaseFactory, UserFactory

TODAY = date.today()


def _notices():
    return db.session.scalars(select(Notification).order_by(Notification.created_at)).all()


def test_a_release_without_a_case_worker_is_announced_to_the_tenant_admins(
    tenants, in_tenant, make_case
):
    lochem = tenants["lochem"]
    case = make_case(
        lochem,
        client={"given_name": "Geheime", "family_name": "Naamdrager"},
        expected_release=TODAY + timedelta(days=40),
    )
    with in_tenant(lochem):
        admins = [UserFactory(role=Role.TENANT_ADMIN.value) for _ in range(2)]
        UserFactory(role=Role.TENANT_ADMIN.value, active=False)
        db.session.commit()
        jobs.release_notices(lochem.id, TODAY)
        jobs.release_notices(lochem.id, TODAY)  # run twice: nothing twice
        rows = _notices()
        assert sorted(r.user_id for r in rows) == sorted(a.id for a in admins)
        assert {r.kind for r in rows} == {"release_six_weeks"}
        for row in rows:
            text = f"{row.subject} {row.body_text} {row.body_html}"
            assert "Naamdrager" not in text and "Geheime" not in text
            assert row.link == f"/cases/{case.id}"
            assert "zonder casemanager" in row.body_text


def test_a_deactivated_case_worker_counts_as_none(tenants, in_tenant, make_case):
    raalte = tenants["raalte"]
    with in_tenant(raalte):
        gone = UserFactory(role=Role.CASE_WORKER.value, active=False)
        admin = UserFactory(role=Role.TENANT_ADMIN.value)
        db.session.commit()
        gone_id, admin_id = gone.id, admin.id
    make_case(raalte, case_worker_id=gone_id, expected_release=TODAY + timedelta(days=10))
    with in_tenant(raalte):
        assert queue.unassigned_count() == 1
        jobs.release_notices(raalte.id, TODAY)
        assert [(n.user_id, n.kind) for n in _notices()] == [(admin_id, "release_two_weeks")]


def test_no_warning_when_every_domain_is_arranged(tenants, in_tenant, make_case):
    zutphen = tenants["zutphen"]
    with in_tenant(zutphen):
        worker = UserFactory(role=Role.CASE_WORKER.value)
        db.session.commit()
        worker_id = worker.id
    case = make_case(zutphen, case_worker_id=worker_id, expected_release=TODAY + timedelta(days=3))
    with in_tenant(zutphen):
        loaded = db.session.get(Case, (case.tenant_id, case.id))
        for domain in loaded.life_domains:
            domain.status = DomainStatus.ARRANGED.value
        loaded.life_domains[0].status = DomainStatus.NOT_APPLICABLE.value
        db.session.commit()
        jobs.release_notices(zutphen.id, TODAY)
        assert _notices() == []
        loaded.domain("housing").status = DomainStatus.NOT_ARRANGED.value
        db.session.commit()
        jobs.release_notices(zutphen.id, TODAY)
        [notice] = _notices()
        assert notice.user_id == worker_id
        assert "Huisvesting" in notice.body_text and "Identiteitsbewijs" not in notice.body_text


def test_the_queue_is_on_the_start_page_of_the_admin_and_the_case_list(
    tenants, in_tenant, make_case, sign_in
):
    olst = tenants["olst-wijhe"]
    make_case(olst)
    make_case(olst)
    with in_tenant(olst):
        admin = UserFactory(role=Role.TENANT_ADMIN.value)
        worker = UserFactory(role=Role.CASE_WORKER.value)
        volunteer = UserFactory(role=Role.VOLUNTEER.value)
    make_case(olst, case_worker_id=worker.id)
    start = sign_in(admin).get("/start").get_data(as_text=True)
    assert 'data-testid="unassigned-queue"' in start and "2 open dossiers" in start
    listing = sign_in(worker).get("/cases/").get_data(as_text=True)
    assert "2 open dossiers" in listing and "worker=none" in listing
    other = sign_in(volunteer).get("/start")
    assert 'data-testid="unassigned-queue"' not in other.get_data(as_text=True)


def test_the_queue_is_counted_when_the_list_finds_nothing_and_left_out_of_htmx_results(
    tenants, in_tenant, make_case, sign_in
):
    """The queue's count rides on the list's page statement; a search without matches
    has no page row to carry it and counts it in the statement of the empty page."""
    olst = tenants["olst-wijhe"]
    make_case(olst, client={"given_name": "Anna", "family_name": "Visser"})
    make_case(olst, client={"given_name": "Bram", "family_name": "Visser"})
    with in_tenant(olst):
        worker = UserFactory(role=Role.CASE_WORKER.value)
    client = sign_in(worker)
    nothing = client.get("/cases/?q=Zzyzx").get_data(as_text=True)
    assert "2 open dossiers" in nothing and 'data-testid="case-row"' not in nothing
    found = client.get("/cases/?q=Visser").get_data(as_text=True)
    assert "2 open dossiers" in found and found.count('data-testid="case-row"') == 2
    results = client.get(
        "/cases/?q=Visser", headers={"HX-Request": "true", "HX-Target": "case-results"}
    ).get_data(as_text=True)
    assert results.count('data-testid="case-row"') == 2
    assert 'data-testid="unassigned-queue"' not in results


def test_the_queue_count_stops_past_the_list_limit(app, tenants, in_tenant, monkeypatch, sign_in):
    """The queue is on every case-list view: its count is capped like the list's, so its
    cost does not grow with the municipality."""
    monkeypatch.setattr(queue, "COUNT_LIMIT", 2)  # the cap of the list, as queue reads it
    with in_tenant(tenants["deventer"]):
        for _ in range(4):
            CaseFactory(case_worker=None)
        db.session.flush()
        assert queue.unassigned_count() == 3
        worker = UserFactory()
        db.session.commit()
    page = sign_in(worker).get("/cases/").get_data(as_text=True)
    assert "Meer dan 1.000 open dossiers hebben geen casemanager" in page


def test_a_new_case_worker_inside_the_window_is_warned_at_once(
    app, tenants, in_tenant, make_case, monkeypatch
):
    """A reassignment inside the six-week window: the new worker gets the release notice
    when the change is saved (a job after the commit), not the next morning."""
    from app.cases import services

    monkeypatch.setitem(app.config, "REDIS_URL", None)  # jobs inline after their commit
    monkeypatch.setattr("app.notifications.services.enqueue", lambda *_a, **_k: None)
    lochem = tenants["lochem"]
    with in_tenant(lochem):
        first = UserFactory(role=Role.CASE_WORKER.value)
        second = UserFactory(role=Role.CASE_WORKER.value)
        db.session.commit()
        first_id, second_id = first.id, second.id
    case = make_case(lochem, case_worker_id=first_id, expected_release=TODAY + timedelta(days=20))
    with in_tenant(lochem):
        jobs.release_notices(lochem.id, TODAY)
        db.session.commit()
        assert {r.user_id for r in _notices()} == {first_id}
        row = db.session.get(Case, (lochem.id, case.id))
        services.update_case(row, expected_version=None, actor="Team", case_worker_id=second_id)
        db.session.commit()
    with in_tenant(lochem):
        rows = _notices()
        assert sorted(str(r.user_id) for r in rows) == sorted([str(first_id), str(second_id)])
        assert {r.kind for r in rows if r.user_id == second_id} == {"release_six_weeks"}
        assert all(r.link == f"/cases/{case.id}" for r in rows)
