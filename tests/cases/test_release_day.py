"""Issue 11, points 5 and 6: the release day's one checklist (case page, printable, the
day's notice), notices that name the client in the portal only, and warnings that reach
whoever can act now."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from app.cases import jobs, release, services
from app.cases.models import Case, DomainStatus
from app.cases.plan import services as plan
from app.core.permissions import Role
from app.extensions import db
from app.notifications.models import Notification
from tests.factories import UserFactory

TODAY = date.today()
CLIENT = {"given_name": "Vera", "family_name": "Vrijdag", "address": "Kerkstraat 12, Lochem"}
CASEWORKER = {"prison_caseworker_name": "M. Dekker", "prison_caseworker_contact": "0570-123456"}


def _notices(user_id=None):
    query = select(Notification).order_by(Notification.created_at)
    if user_id is not None:
        query = query.where(Notification.user_id == user_id)
    return db.session.scalars(query).all()


def _worker(tenant, in_tenant):
    with in_tenant(tenant):
        worker = UserFactory(role=Role.CASE_WORKER.value)
        db.session.commit()
        return worker


def test_the_case_page_shows_one_printable_checklist_near_the_release(
    tenants, in_tenant, make_case, worker_client
):
    lochem = tenants["lochem"]
    worker = _worker(lochem, in_tenant)
    near = make_case(
        lochem,
        client=CLIENT,
        plan=True,
        case_worker_id=worker.id,
        detention_start=TODAY - timedelta(days=60),
        expected_release=TODAY,
        **CASEWORKER,
    )
    far = make_case(lochem, plan=True, expected_release=TODAY + timedelta(days=60))
    with in_tenant(lochem):
        case = db.session.get(Case, (near.tenant_id, near.id))
        for domain in case.life_domains:
            domain.status = DomainStatus.ARRANGED.value
        case.domain("income").status = DomainStatus.NOT_ARRANGED.value
        db.session.commit()
        plan.reconcile_plan(case, "t")
        db.session.commit()
    client = worker_client(worker)
    page = client.get(f"/cases/{near.id}").get_data(as_text=True)
    assert 'data-testid="release-day"' in page
    checklist = page.split('data-testid="release-day"', 1)[1].split("</section>", 1)[0]
    assert "Zakgeld meegeven bij ontslag" in checklist  # the day's task
    assert "Zorgverzekering weer actief" in checklist
    assert "Kerkstraat 12, Lochem" in checklist
    assert "M. Dekker" in checklist and "0570-123456" in checklist
    assert "Inkomen" in checklist and "Huisvesting" not in checklist  # only not arranged
    printable = client.get(f"/cases/{near.id}?print=release-day")
    assert printable.status_code == 200
    text = printable.get_data(as_text=True)
    assert "Kerkstraat 12, Lochem" in text and 'data-testid="plan"' not in text
    assert 'data-testid="release-day"' not in client.get(f"/cases/{far.id}").get_data(as_text=True)


def test_the_days_notice_carries_the_checklist_and_the_mail_no_personal_data(
    tenants, in_tenant, make_case, worker_client
):
    lochem = tenants["lochem"]
    worker = _worker(lochem, in_tenant)
    case = make_case(
        lochem,
        client=CLIENT,
        plan=True,
        case_worker_id=worker.id,
        detention_start=TODAY - timedelta(days=60),
        expected_release=TODAY,
        **CASEWORKER,
    )
    with in_tenant(lochem):
        jobs.release_notices(lochem.id, TODAY)
        db.session.commit()
        [notice] = _notices()
        assert notice.kind == "release_today"
        mail = f"{notice.subject} {notice.body_text} {notice.body_html}"
        assert "Zakgeld meegeven bij ontslag" in notice.body_text
        assert f"/cases/{case.id}?print=release-day" in notice.body_text
        for personal in ("Vera", "Vrijdag", "Kerkstraat", "Dekker", "0570"):
            assert personal not in mail, personal
    listing = worker_client(worker).get("/notifications/").get_data(as_text=True)
    assert 'data-testid="notice-client"' in listing and "Vera Vrijdag" in listing


def test_a_new_worker_gets_the_warning_and_an_early_release_is_announced(
    tenants, in_tenant, make_case
):
    raalte = tenants["raalte"]
    first, second = _worker(raalte, in_tenant), _worker(raalte, in_tenant)
    case = make_case(raalte, case_worker_id=first.id, expected_release=TODAY + timedelta(days=30))
    early = make_case(raalte, case_worker_id=first.id, expected_release=TODAY + timedelta(days=90))
    with in_tenant(raalte):
        jobs.release_notices(raalte.id, TODAY)
        assert [n.user_id for n in _notices()] == [first.id]
        loaded = db.session.get(Case, (case.tenant_id, case.id))
        services.update_case(loaded, expected_version=None, actor="t", case_worker_id=second.id)
        db.session.commit()
        jobs.release_notices(raalte.id, TODAY + timedelta(days=1))
        assert [n.kind for n in _notices(second.id)] == ["release_six_weeks"]
        # Released two months early: nobody had been warned, so the release is announced.
        loaded = db.session.get(Case, (early.tenant_id, early.id))
        release.record_release(loaded, TODAY, "t")
        db.session.commit()
        released = [n for n in _notices(first.id) if n.link == f"/cases/{early.id}"]
        assert [n.kind for n in released] == ["release_released"]
        assert "zonder eerdere waarschuwing" in released[0].subject
