"""Messages from the prison as versions (issue 16, point 1), through the API, the form and
the upload: a second basic document changes the case and the plan and shows the difference;
the same message twice changes nothing; transfer, leave and end of detention."""

from __future__ import annotations

import io
import json
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from app.cases.intake import tokens
from app.cases.intake.models import IntakeMessage
from app.cases.models import Case, Client
from app.cases.plan.models import Task
from app.cases.timeline import EventKind, TimelineEntry
from app.extensions import db
from tests.cases.conftest import new_bsn
from tests.factories import UserFactory

TODAY = date.today()
API = "/api/v1/intake-documents"
START = (TODAY - timedelta(days=10)).isoformat()
RELEASE = (TODAY + timedelta(days=50)).isoformat()
LATER = (TODAY + timedelta(days=80)).isoformat()


def document(bsn: str, **overrides) -> dict:
    doc = {
        "given_name": "Karin",
        "family_name": "Bosman",
        "date_of_birth": "1988-04-12",
        "bsn": bsn,
        "facility": "PI Zwolle",
        "detention_start": START,
        "expected_release": RELEASE,
        "domains": {"identity": {"status": "not_arranged", "situation": "Geen paspoort"}},
    }
    doc.update(overrides)
    return doc


@pytest.fixture
def post(app, tenants, in_tenant):
    def make(slug: str):
        with in_tenant(tenants[slug]):
            token = tokens.issue_token(tenants[slug].id)
            db.session.commit()

        def send(doc):
            return app.test_client().post(
                API, json=doc, headers={"Authorization": f"Bearer {token}"}
            )

        return send

    return make


def the_case(tenant, in_tenant, bsn):
    with in_tenant(tenant):
        client = db.session.scalars(select(Client).where(Client.bsn == bsn)).one()
        cases = db.session.scalars(select(Case).where(Case.client_id == client.id)).all()
        assert len(cases) == 1
        case = cases[0]
        events = db.session.scalars(
            select(TimelineEntry).where(TimelineEntry.case_id == case.id)
        ).all()
        messages = db.session.scalars(
            select(IntakeMessage)
            .where(IntakeMessage.case_id == case.id)
            .order_by(IntakeMessage.received_at)
        ).all()
        open_tasks = {
            t.title: t.due_date
            for t in db.session.scalars(select(Task).where(Task.case_id == case.id))
            if t.status == "open"
        }
        identity = case.domain("identity").status
        db.session.expunge_all()
        return case, events, messages, open_tasks, identity


def test_a_second_basic_document_updates_the_case_the_plan_and_shows_the_difference(
    tenants, in_tenant, post, worker_client
):
    send = post("deventer")
    bsn = new_bsn()
    assert send(document(bsn, message_id="v1")).status_code == 201
    _case, _events, _messages, tasks_before, _identity = the_case(
        tenants["deventer"], in_tenant, bsn
    )
    second = document(
        bsn,
        message_id="v2",
        facility="PI Vught",
        expected_release=LATER,
        domains={"identity": {"status": "arranged", "situation": "ID-kaart aangevraagd"}},
    )
    answer = send(second)
    assert answer.status_code == 200 and answer.json["status"] == "updated"
    case, events, messages, tasks_after, identity = the_case(tenants["deventer"], in_tenant, bsn)
    assert case.facility == "PI Vught" and case.expected_release.isoformat() == LATER
    assert identity == "arranged"
    # Each version keeps its life domains as it gave them.
    assert [m.domains["identity"]["status"] for m in messages] == ["not_arranged", "arranged"]
    assert [m.kind for m in messages] == ["basic_document", "basic_document"]
    version = next(e for e in events if e.kind == EventKind.INTAKE_VERSION.value)
    assert version.detail["changes"]["facility"] == ["PI Zwolle", "PI Vught"]
    assert version.detail["domains"]["identity"]["status"] == ["not_arranged", "arranged"]
    # The new expected release moved the plan: open tasks anchored on it moved 30 days.
    assert any(e.kind == EventKind.RELEASE_MOVED.value for e in events)
    moved = [t for t in tasks_after if t in tasks_before and tasks_after[t] != tasks_before[t]]
    assert moved
    # The identity task no longer applies now that identity is arranged.
    assert len(tasks_after) < len(tasks_before) or set(tasks_after) != set(tasks_before)
    # The case page shows the difference in words.
    with in_tenant(tenants["deventer"]):
        worker = UserFactory()
    page = worker_client(worker).get(f"/cases/{case.id}?open=timeline").get_data(as_text=True)
    assert "Versie 2 van de berichten van de inrichting ontvangen: Basisdocument" in page
    assert "Penitentiaire inrichting: PI Zwolle → PI Vught" in page
    assert "Identiteitsbewijs (Status): Niet geregeld → Geregeld" in page


def test_the_same_message_twice_changes_nothing(tenants, in_tenant, post):
    send = post("lochem")
    bsn = new_bsn()
    with_id = document(bsn, message_id="m-1")
    assert send(with_id).status_code == 201
    repeat = send({**with_id, "facility": "PI Vught"})  # same id: a repeat, whatever it says
    assert repeat.status_code == 200 and repeat.json["status"] == "duplicate"
    without_id = document(bsn, expected_release=LATER)
    assert send(without_id).json["status"] == "updated"
    assert send(without_id).json["status"] == "duplicate"  # the same content again
    case, events, messages, _tasks, _identity = the_case(tenants["lochem"], in_tenant, bsn)
    assert case.facility == "PI Zwolle" and len(messages) == 2
    assert sum(e.kind == EventKind.INTAKE_VERSION.value for e in events) == 1


def test_transfer_leave_and_end_of_detention_through_the_api(tenants, in_tenant, post):
    send = post("raalte")
    bsn = new_bsn()
    assert send(document(bsn, message_id="s")).status_code == 201
    assert send(document(bsn, message_id="t", kind="transfer", facility=None)).status_code == 422
    transfer = {
        "message_id": "t",
        "kind": "transfer",
        "given_name": "Karin",
        "family_name": "Bosman",
        "date_of_birth": "1988-04-12",
        "bsn": bsn,
        "facility": "PI Lelystad",
        "event_date": TODAY.isoformat(),
    }
    assert send(transfer).json["status"] == "updated"
    leave = {**transfer, "message_id": "l", "kind": "leave", "leave_end": TODAY.isoformat()}
    leave.pop("facility")
    assert send(leave).json["status"] == "updated"
    end = {**leave, "message_id": "e", "kind": "end_of_detention", "release_type": "regular"}
    end.pop("leave_end")
    assert send(end).json["status"] == "updated"
    case, events, messages, _tasks, _identity = the_case(tenants["raalte"], in_tenant, bsn)
    assert case.facility == "PI Lelystad"
    assert case.actual_release == TODAY and case.release_type == "regular"
    assert case.phase == "after_release"
    assert [m.kind for m in messages] == ["basic_document", "transfer", "leave", "end_of_detention"]
    assert any(e.kind == EventKind.RELEASED.value for e in events)
    # A second end of detention is refused with the release service's reason.
    again = send({**end, "message_id": "e2"})
    assert again.status_code == 422 and again.json["errors"][0]["field"] == "event_date"


def test_a_follow_up_message_without_an_open_case_is_refused(tenants, in_tenant, post):
    send = post("zutphen")
    answer = send(document(new_bsn(), kind="end_of_detention", event_date=TODAY.isoformat()))
    assert answer.status_code == 422
    assert answer.json["errors"][0]["field"] == "kind"
    assert "geen open dossier" in answer.json["errors"][0]["message"]
    with in_tenant(tenants["zutphen"]):
        assert db.session.scalar(select(func.count()).select_from(Case)) == 0


def test_a_version_through_the_form_and_an_end_of_detention_through_the_upload(
    tenants, in_tenant, worker_client
):
    with in_tenant(tenants["olst-wijhe"]):
        worker = UserFactory()
    client = worker_client(worker)
    bsn = new_bsn()
    first = {k: v for k, v in document(bsn).items() if k != "domains"}
    assert client.post("/cases/intake", data=first).status_code == 302
    second = {**first, "kind": "basic_document", "prison_number": "DJI-77"}
    response = client.post("/cases/intake", data=second)
    assert response.status_code == 302
    case, events, _messages, _tasks, _identity = the_case(tenants["olst-wijhe"], in_tenant, bsn)
    assert case.prison_number == "DJI-77"
    version = next(e for e in events if e.kind == EventKind.INTAKE_VERSION.value)
    assert version.detail["changes"]["prison_number"] == [None, "DJI-77"]
    # Leave without its date: refused on the form, in Dutch, naming the field.
    refused = client.post("/cases/intake", data={**first, "kind": "leave"})
    assert refused.status_code == 422
    assert "is verplicht bij deze soort bericht" in refused.get_data(as_text=True)

    end = {
        "kind": "end_of_detention",
        "given_name": "Karin",
        "family_name": "Bosman",
        "date_of_birth": "1988-04-12",
        "bsn": bsn,
        "event_date": TODAY.isoformat(),
        "release_type": "conditional_release",
    }
    body = client.post(
        "/cases/intake/upload",
        data={"file": (io.BytesIO(json.dumps([end]).encode()), "end.json")},
        content_type="multipart/form-data",
    ).get_data(as_text=True)
    assert "1 dossiers bijgewerkt met een nieuwe versie van het document" in body
    case, *_rest = the_case(tenants["olst-wijhe"], in_tenant, bsn)
    assert case.actual_release == TODAY and case.release_type == "conditional_release"


# --- the right person (issue 16, point 2): the match; the check list is in
# tests/cases/test_intake_checklist.py -------------------------------------------------------


def test_the_same_person_is_matched_whatever_the_case_and_spaces(tenants, in_tenant, post):
    send = post("lochem")
    bsn = new_bsn()
    assert send(document(bsn, message_id="a")).status_code == 201
    again = document(bsn, message_id="b", given_name=" karin ", family_name="BOSMAN")
    assert send(again).json["status"] == "updated"
