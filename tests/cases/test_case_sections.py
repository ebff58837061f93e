"""The case page's long sections a page at a time (app/cases/sections.py): the newest
notes and events first, the open tasks first, the rest on demand; a page past the end is
an empty page (documented in the module); the same access as the case page."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import func, select

from app.audit.models import AccessLogEntry
from app.cases.models import Case
from app.cases.sections import EVENTS_PER_PAGE, NOTES_PER_PAGE, TASKS_PER_PAGE
from app.core.permissions import Role
from app.extensions import db
from tests.factories import NoteFactory, TaskFactory, TimelineEntryFactory, UserFactory

HTMX = {"HX-Request": "true"}
START = datetime(2026, 1, 1, 9, 0, tzinfo=UTC)


def add_events(in_tenant, tenant, case, count: int) -> None:
    """``count`` timeline events, newer than the case's own, by "Medewerker 00", "01", ..."""
    with in_tenant(tenant):
        loaded = db.session.get(Case, (case.tenant_id, case.id))
        db.session.add_all(
            TimelineEntryFactory.build(
                case=loaded,
                tenant_id=tenant.id,
                kind="note_added",
                actor_name=f"Medewerker {n:02d}",
                at=datetime.now(UTC) + timedelta(minutes=n),
            )
            for n in range(count)
        )
        db.session.commit()


def add_notes(in_tenant, tenant, case, author, count: int) -> None:
    """Notes "Notitie 0" (oldest) to "Notitie <count - 1>" (newest), an hour apart."""
    with in_tenant(tenant):
        loaded = db.session.get(Case, (case.tenant_id, case.id))
        db.session.add_all(
            NoteFactory.build(
                case=loaded,
                author=author,
                tenant_id=tenant.id,
                body=f"Notitie {n}.",
                created_at=START + timedelta(hours=n),
            )
            for n in range(count)
        )
        db.session.commit()


def test_the_first_page_shows_the_newest_notes_and_the_next_page_the_rest(
    tenants, in_tenant, make_case, sign_in
):
    deventer = tenants["deventer"]
    case = make_case(deventer)
    with in_tenant(deventer):
        worker = UserFactory()
    add_notes(in_tenant, deventer, case, worker, NOTES_PER_PAGE + 5)
    client = sign_in(worker)

    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    shown = [f"Notitie {n}." for n in range(5, NOTES_PER_PAGE + 5)]
    assert all(body in page for body in shown)
    assert "Notitie 4." not in page  # the page's next newest waits for "Meer tonen"
    assert page.index(f"Notitie {NOTES_PER_PAGE + 4}.") < page.index("Notitie 5.")
    assert "Meer tonen" in page and f"/cases/{case.id}/notes?page=2" in page

    rest = client.get(f"/cases/{case.id}/notes?page=2", headers=HTMX)
    body = rest.get_data(as_text=True)
    assert rest.status_code == 200 and "Vary" in rest.headers
    assert [f"Notitie {n}." in body for n in range(5)] == [True] * 5
    assert "Notitie 5." not in body and "Meer tonen" not in body
    assert "<html" not in body  # the fragment only


def test_without_htmx_the_next_page_is_the_whole_case_page(tenants, in_tenant, make_case, sign_in):
    deventer = tenants["deventer"]
    case = make_case(deventer)
    with in_tenant(deventer):
        worker = UserFactory()
    add_notes(in_tenant, deventer, case, worker, NOTES_PER_PAGE + 1)
    answer = sign_in(worker).get(f"/cases/{case.id}/notes?page=2")
    body = answer.get_data(as_text=True)
    assert answer.status_code == 200
    assert "<html" in body and 'id="plan"' in body and 'id="timeline"' in body
    assert "Notitie 0." in body and "Notitie 1." not in body  # that section's page 2


def test_open_tasks_come_before_done_ones(tenants, in_tenant, make_case, sign_in):
    deventer = tenants["deventer"]
    case = make_case(deventer)
    soon = date.today() + timedelta(days=1)
    with in_tenant(deventer):
        worker = UserFactory()
        loaded = db.session.get(Case, (case.tenant_id, case.id))
        # The done tasks fall due first: the order puts the open ones before them anyway.
        done = [
            TaskFactory.build(
                case=loaded, tenant_id=deventer.id, title=f"Klaar {n}", status="done", due_date=soon
            )
            for n in range(TASKS_PER_PAGE)
        ]
        open_ = [
            TaskFactory.build(
                case=loaded,
                tenant_id=deventer.id,
                title=f"Open {n:02d}",
                due_date=soon + timedelta(days=10 + n),
            )
            for n in range(5)
        ]
        db.session.add_all(done + open_)
        db.session.commit()
    client = sign_in(worker)
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    plan = page.split('data-testid="plan"', 1)[1].split("</table>", 1)[0]
    titles = [f"Open {n:02d}" for n in range(5)]
    assert all(title in plan for title in titles)
    assert plan.index("Open 04") < plan.index("Klaar")
    assert plan.count('data-testid="task"') == TASKS_PER_PAGE
    rest = client.get(f"/cases/{case.id}/tasks?page=2", headers=HTMX).get_data(as_text=True)
    assert rest.count('data-testid="task"') == 5 and "Open" not in rest


def test_the_timeline_is_paged_newest_first(tenants, in_tenant, make_case, sign_in):
    deventer = tenants["deventer"]
    case = make_case(deventer)  # opening it wrote one event, older than these
    with in_tenant(deventer):
        worker = UserFactory()
    add_events(in_tenant, deventer, case, EVENTS_PER_PAGE)
    client = sign_in(worker)
    page = client.get(f"/cases/{case.id}?open=timeline").get_data(as_text=True)
    timeline = page.split('data-testid="timeline"', 1)[1].split("</ol>", 1)[0]
    assert timeline.index("Medewerker 19") < timeline.index("Medewerker 00")
    assert 'data-kind="opened"' not in timeline and "Meer tonen" in timeline
    rest = client.get(f"/cases/{case.id}/timeline?page=2", headers=HTMX).get_data(as_text=True)
    assert 'data-kind="opened"' in rest and "Medewerker" not in rest


def test_a_page_past_the_end_is_empty_and_a_bad_page_number_is_404(
    tenants, in_tenant, make_case, sign_in
):
    deventer = tenants["deventer"]
    case = make_case(deventer)
    with in_tenant(deventer):
        worker = UserFactory()
    client = sign_in(worker)
    for section in ("tasks", "notes", "timeline"):
        past = client.get(f"/cases/{case.id}/{section}?page=7", headers=HTMX)
        assert past.status_code == 200
        assert "<li" not in past.get_data(as_text=True)
        assert "Meer tonen" not in past.get_data(as_text=True)
        for bad in ("0", "-1", "twee", "99999999"):
            assert client.get(f"/cases/{case.id}/{section}?page={bad}").status_code == 404


def test_another_municipality_s_case_is_404_and_every_read_is_logged(
    tenants, in_tenant, make_case, sign_in
):
    case = make_case(tenants["lochem"])
    own = make_case(tenants["deventer"])
    with in_tenant(tenants["deventer"]):
        worker = UserFactory()
    client = sign_in(worker)
    for section in ("tasks", "notes", "timeline"):
        assert client.get(f"/cases/{case.id}/{section}?page=2", headers=HTMX).status_code == 404
        assert client.get(f"/cases/{case.id}/{section}").status_code == 404

    def logged() -> int:
        with in_tenant(tenants["deventer"]):
            return db.session.scalar(
                select(func.count())
                .select_from(AccessLogEntry)
                .where(
                    AccessLogEntry.object_type == "case", AccessLogEntry.object_id == str(own.id)
                )
            )

    before = logged()
    for section in ("tasks", "notes", "timeline"):
        assert client.get(f"/cases/{own.id}/{section}?page=2", headers=HTMX).status_code == 200
    assert logged() == before + 3


def test_a_role_without_access_gets_what_the_case_page_gives(
    tenants, in_tenant, make_case, sign_in
):
    deventer = tenants["deventer"]
    case = make_case(deventer)
    for role in (Role.TENANT_ADMIN, Role.VOLUNTEER, Role.PRIVACY_OFFICER):
        with in_tenant(deventer):
            user = UserFactory(role=role.value)
        client = sign_in(user)
        page = client.get(f"/cases/{case.id}").status_code
        assert page in (403, 404)
        for section in ("tasks", "notes", "timeline"):
            for headers in ({}, HTMX):
                answer = client.get(f"/cases/{case.id}/{section}?page=2", headers=headers)
                assert answer.status_code == page, (role, section, headers)


def test_the_pdf_of_the_file_stays_complete(tenants, in_tenant, make_case, sign_in, monkeypatch):
    deventer = tenants["deventer"]
    case = make_case(deventer)
    with in_tenant(deventer):
        worker = UserFactory()
        loaded = db.session.get(Case, (case.tenant_id, case.id))
        db.session.add_all(
            TaskFactory.build(case=loaded, tenant_id=deventer.id, title=f"Taak {n}")
            for n in range(TASKS_PER_PAGE + 3)
        )
        db.session.commit()
    add_notes(in_tenant, deventer, case, worker, NOTES_PER_PAGE + 3)
    shown: dict = {}

    def capture(template, **context):
        shown.update(context)
        return b"%PDF-1.7"

    monkeypatch.setattr("app.cases.export.render_pdf", capture)
    assert sign_in(worker).get(f"/cases/{case.id}/export.pdf").status_code == 200
    assert len(shown["tasks"]) == TASKS_PER_PAGE + 3
    assert len(shown["notes"]) == NOTES_PER_PAGE + 3


def test_the_release_day_checklist_shows_30_tasks_on_the_page_and_all_in_print(
    tenants, in_tenant, make_case, sign_in
):
    deventer = tenants["deventer"]
    case = make_case(deventer, expected_release=date.today() + timedelta(days=3))
    with in_tenant(deventer):
        worker = UserFactory()
        loaded = db.session.get(Case, (case.tenant_id, case.id))
        db.session.add_all(
            TaskFactory.build(
                case=loaded, tenant_id=deventer.id, title=f"Dagtaak {n:02d}", before_release=True
            )
            for n in range(35)
        )
        db.session.commit()
    client = sign_in(worker)
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    checklist = page.split('data-testid="release-day-tasks"', 1)[1].split("</ul>", 1)[0]
    assert checklist.count("Dagtaak") == 30 and 'data-testid="release-day-more"' in page
    printed = client.get(f"/cases/{case.id}?print=release-day").get_data(as_text=True)
    assert printed.count("Dagtaak") == 35 and 'data-testid="release-day-more"' not in printed
