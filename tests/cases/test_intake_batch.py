"""Intake in batches: ``POST /api/v1/intake-document-batches`` and ``receive_intake_batch``.

A batch gives what the same documents give one by one (cases, clients, tasks, the
timeline and the access log), with a number of statements that does not grow with its
size; it is idempotent by message key, refuses a bad document without stopping the
others, stays in the token's municipality and makes one case of one message sent in two
batches at once.
"""

from __future__ import annotations

import contextlib
import json
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from app.audit.models import AccessLogEntry
from app.cases.intake import tokens
from app.cases.intake.document import parse_document
from app.cases.intake.facilities import known_facilities
from app.cases.intake.services import (
    MAX_BATCH,
    IntakeRefused,
    Source,
    receive_intake_once,
)
from app.cases.models import Case, Client, DomainSnapshot, LifeDomain
from app.cases.plan.models import Task
from app.cases.timeline import TimelineEntry
from app.extensions import db
from tests.cases.conftest import new_bsn
from tests.cases.test_intake import document
from tests.cases.test_intake_races import at_once
from tests.perf.statements import inserts_into, queries_captured

TODAY = date.today()
BATCH = "/api/v1/intake-document-batches"
SINGLE = "/api/v1/intake-documents"


@pytest.fixture
def token(tenants, in_tenant):
    def issue(slug: str) -> str:
        with in_tenant(tenants[slug]):
            issued = tokens.issue_token(tenants[slug].id)
            db.session.commit()
        return issued

    return issue


def post(app, token: str, url: str, body):
    return app.test_client().post(url, json=body, headers={"Authorization": f"Bearer {token}"})


def count(model, tenant, in_tenant) -> int:
    with in_tenant(tenant):
        return db.session.scalar(select(func.count()).select_from(model))


# --- the same as one by one ---------------------------------------------------------------


def mixed_documents() -> list[dict]:
    """Every path of the intake: new clients, a repeat, a new version, a new detention of a
    client met earlier, a follow-up message, a known number with another name (the check
    list), a refused document and a follow-up without a case."""
    anna, bert, carl = new_bsn(), new_bsn(), new_bsn()
    earlier = (TODAY - timedelta(days=400)).isoformat()
    return [
        document(bsn=anna, message_id="a-1"),
        document(bsn=bert, message_id="b-1", given_name="Bert", responsible_municipality="Lochem"),
        document(bsn=carl, message_id="c-1", detention_start=earlier, expected_release=earlier),
        document(bsn=anna, message_id="a-1"),  # the same message again
        document(  # a new version of Anna's document
            bsn=anna,
            message_id="a-2",
            domains={"income": {"status": "not_arranged", "need": "Uitkering"}},
        ),
        document(bsn="123456789", message_id="bad"),  # fails the eleven-test
        document(bsn=carl, message_id="c-2"),  # a new detention of Carl
        document(
            bsn=bert, message_id="b-2", given_name="Bert", kind="transfer", facility="PI Vught"
        ),
        document(bsn=anna, message_id="a-3", given_name="Anneke"),  # another person?
        document(bsn=new_bsn(), message_id="d-1", kind="leave", event_date=TODAY.isoformat()),
        document(message_id="e-1", detention_start=None, expected_release=None),
    ]


def snapshot(tenant, in_tenant) -> dict:
    """What a municipality holds after the intake, without ids and times (by citizen number)."""
    with in_tenant(tenant):
        clients = {c.id: c for c in db.session.scalars(select(Client))}
        cases = list(db.session.scalars(select(Case)))
        bsn_of_case = {case.id: clients[case.client_id].bsn for case in cases}

        def case_key(case_id):
            case = next(c for c in cases if c.id == case_id)
            return (bsn_of_case[case_id], str(case.detention_start))

        return {
            "clients": sorted(
                (
                    c.bsn,
                    c.given_name,
                    c.family_name,
                    str(c.date_of_birth),
                    c.address,
                    c.responsible_tenant,
                    c.responsible_outside_name,
                )
                for c in clients.values()
            ),
            "cases": sorted(
                (
                    *case_key(c.id),
                    c.phase,
                    c.facility,
                    str(c.expected_release),
                    c.previous_case_id is not None,
                )
                for c in cases
            ),
            "domains": sorted(
                (*case_key(d.case_id), d.domain, d.status, d.need or "", d.notes or "")
                for d in db.session.scalars(select(LifeDomain))
            ),
            "tasks": sorted(
                (*case_key(t.case_id), t.title, str(t.due_date), t.status, t.offset_days)
                for t in db.session.scalars(select(Task))
            ),
            "snapshots": sorted(
                (*case_key(d.case_id), d.domain, d.moment, d.status, d.actor_name)
                for d in db.session.scalars(select(DomainSnapshot))
            ),
            "timeline": sorted(
                (*case_key(e.case_id), e.kind, json.dumps(e.detail, sort_keys=True))
                for e in db.session.scalars(select(TimelineEntry))
            ),
            "access_log": sorted(
                (
                    clients[e.client_id].bsn if e.client_id else "",
                    e.user_name.partition(" (")[0],  # the token's hint differs per municipality
                    e.role,
                    e.object_type,
                    e.action,
                    e.result,
                    e.detail or "",
                )
                for e in db.session.scalars(select(AccessLogEntry))
            ),
        }


def test_a_batch_gives_what_the_same_documents_give_one_by_one(app, tenants, in_tenant, token):
    documents = mixed_documents()
    one_by_one = token("raalte")
    answers_single = [post(app, one_by_one, SINGLE, doc) for doc in documents]
    batch = post(app, token("lochem"), BATCH, {"documents": documents})
    assert batch.status_code == 200
    entries = batch.json["documents"]
    assert [e["status"] for e in entries] == [
        "created",
        "created",
        "created",
        "unchanged",
        "updated",
        "refused",
        "created",
        "updated",
        "waiting",
        "refused",
        "created",
    ]
    for single, entry in zip(answers_single, entries, strict=True):
        body = single.get_json()
        if single.status_code == 422:
            assert entry["status"] == "refused" and body["errors"] == entry["errors"]
        else:
            word = {"duplicate": "unchanged"}.get(body["status"], body["status"])
            assert word == entry["status"]
    assert entries[3]["case_id"] == entries[0]["case_id"]
    assert entries[4]["case_id"] == entries[0]["case_id"]
    assert entries[6]["case_id"] != entries[2]["case_id"]
    assert entries[5]["errors"][0]["field"] == "bsn"
    assert batch.json["counts"] == {
        "created": 5,
        "updated": 2,
        "unchanged": 1,
        "waiting": 1,
        "refused": 2,
    }
    expected = snapshot(tenants["raalte"], in_tenant)
    assert expected["tasks"] and expected["access_log"]
    assert snapshot(tenants["lochem"], in_tenant) == expected


def test_a_batch_writes_what_receive_intake_writes_one_by_one(app, tenants, in_tenant, token):
    """The batch's bulk path (rows without ORM objects, one INSERT per table) against the
    form's path: ``receive_intake_once`` for each document in order, written by the ORM's
    flush. The same clients, cases, life domains, tasks, measurements and timeline."""
    documents = mixed_documents()
    with in_tenant(tenants["raalte"]):
        for data in documents:
            parsed, errors = parse_document(data, today=TODAY, facilities=known_facilities())
            if errors:
                continue
            with contextlib.suppress(IntakeRefused):  # refused one by one as in the batch
                receive_intake_once(parsed, "API", Source.API, today=TODAY)
        db.session.commit()
    assert post(app, token("lochem"), BATCH, {"documents": documents}).status_code == 200
    expected, written = (
        snapshot(tenants["raalte"], in_tenant),
        snapshot(tenants["lochem"], in_tenant),
    )
    for held in (expected, written):
        held.pop("access_log")  # the form's path logs in the request, not here
    assert expected["tasks"] and expected["snapshots"] and expected["timeline"]
    assert written == expected


def test_every_document_has_an_access_log_row_with_the_sending_system(
    app, tenants, in_tenant, token
):
    documents = [document(message_id=f"m-{n}") for n in range(3)]
    documents.append(document(bsn="12345"))
    api_token = token("zutphen")
    with queries_captured(app) as statements:
        assert post(app, api_token, BATCH, {"documents": documents}).status_code == 200
    assert len(inserts_into(statements, "access_log")) == 1
    with in_tenant(tenants["zutphen"]):
        rows = list(db.session.scalars(select(AccessLogEntry)))
    assert len(rows) == 4
    assert {row.role for row in rows} == {"api"}
    assert all(row.user_name.startswith("Intake-API") for row in rows)
    assert sorted(row.result for row in rows) == ["granted"] * 3 + ["refused"]


# --- statements -------------------------------------------------------------------------------


def statements_of_batch(app, api_token: str, size: int) -> list[str]:
    documents = [document(message_id=f"n-{size}-{n}") for n in range(size)]
    with queries_captured(app) as statements:
        response = post(app, api_token, BATCH, {"documents": documents})
    assert response.status_code == 200
    assert response.json["counts"]["created"] == size
    return [s for s in statements if not s.startswith("SELECT set_config('app.tenant_id'")]


# PostgreSQL's bound: SQLite (the demo) pages its inserts by its own, lower, limit.
@pytest.mark.postgres
def test_a_batch_of_200_sends_as_many_statements_as_a_batch_of_10(app, token):
    api_token = token("deventer")
    statements_of_batch(app, api_token, 1)  # the default template is installed once
    small = statements_of_batch(app, api_token, 10)
    large = statements_of_batch(app, api_token, 200)
    assert len(large) == len(small), "\n\n".join(s[:200] for s in large)


# --- refusals, repeats, limits -------------------------------------------------------------


def test_a_refused_document_in_the_middle_does_not_stop_the_others(app, tenants, in_tenant, token):
    documents = [
        document(message_id="x-1"),
        document(message_id="x-2", date_of_birth="2020-01-01", given_name=""),
        "not a document",
        document(message_id="x-3"),
    ]
    response = post(app, token("deventer"), BATCH, {"documents": documents})
    assert response.status_code == 200
    entries = response.json["documents"]
    assert [e["status"] for e in entries] == ["created", "refused", "refused", "created"]
    assert {e["field"] for e in entries[1]["errors"]} == {"date_of_birth", "given_name"}
    assert all(": " in e["message"] for e in entries[1]["errors"])  # a Dutch label and why
    assert entries[1]["message_id"] == "x-2" and entries[1]["case_id"] is None
    assert entries[2]["errors"][0]["field"] == "document"
    assert count(Case, tenants["deventer"], in_tenant) == 2


def test_the_same_batch_twice_creates_nothing_the_second_time(app, tenants, in_tenant, token):
    api_token = token("olst-wijhe")
    documents = [document(message_id=f"t-{n}") for n in range(5)]
    documents.append(document())  # no message id: its content is the key
    first = post(app, api_token, BATCH, {"documents": documents})
    cases = count(Case, tenants["olst-wijhe"], in_tenant)
    tasks = count(Task, tenants["olst-wijhe"], in_tenant)
    second = post(app, api_token, BATCH, {"documents": documents})
    assert first.status_code == second.status_code == 200
    assert [e["status"] for e in first.json["documents"]] == ["created"] * 6
    assert [e["status"] for e in second.json["documents"]] == ["unchanged"] * 6
    assert [e["case_id"] for e in second.json["documents"]] == [
        e["case_id"] for e in first.json["documents"]
    ]
    assert cases == 6
    assert count(Case, tenants["olst-wijhe"], in_tenant) == cases
    assert count(Task, tenants["olst-wijhe"], in_tenant) == tasks


def test_a_batch_over_the_limit_is_refused_whole(app, tenants, in_tenant, token):
    documents = [document(message_id=f"l-{n}") for n in range(MAX_BATCH + 1)]
    response = post(app, token("deventer"), BATCH, {"documents": documents})
    assert response.status_code == 413 and response.is_json
    assert str(MAX_BATCH) in response.json["title"]
    assert count(Case, tenants["deventer"], in_tenant) == 0


@pytest.mark.parametrize(
    ("body", "status"), [([], 400), ({"documents": {}}, 400), ({"documents": []}, 422)]
)
def test_a_body_that_is_no_batch_is_refused(app, token, body, status):
    response = post(app, token("deventer"), BATCH, body)
    assert response.status_code == status and response.is_json
    assert response.json["title"]


def test_a_batch_without_a_valid_token_is_refused(app, tenants, in_tenant):
    response = app.test_client().post(BATCH, json={"documents": [document()]})
    assert response.status_code == 401 and response.is_json
    assert count(Case, tenants["deventer"], in_tenant) == 0


# --- tenants ------------------------------------------------------------------------------


def test_another_municipalitys_token_writes_only_into_its_own(app, tenants, in_tenant, token):
    bsn = new_bsn()
    own = post(app, token("deventer"), BATCH, {"documents": [document(bsn=bsn, message_id="k")]})
    other = post(app, token("zutphen"), BATCH, {"documents": [document(bsn=bsn, message_id="k")]})
    assert own.json["documents"][0]["status"] == "created"
    # The same number and key in another municipality is another client there: nothing of
    # Deventer's is found, answered or changed.
    assert other.json["documents"][0]["status"] == "created"
    assert other.json["documents"][0]["case_id"] != own.json["documents"][0]["case_id"]
    assert count(Case, tenants["deventer"], in_tenant) == 1
    assert count(Case, tenants["zutphen"], in_tenant) == 1
    with in_tenant(tenants["deventer"]):
        assert db.session.scalar(select(func.count()).select_from(AccessLogEntry)) == 1


def test_a_session_of_another_municipality_cannot_carry_the_token(
    app, tenants, in_tenant, token, worker_client
):
    from tests.factories import UserFactory

    with in_tenant(tenants["lochem"]):
        worker = UserFactory()
    client = worker_client(worker)
    response = client.post(
        BATCH,
        json={"documents": [document()]},
        headers={"Authorization": f"Bearer {token('zutphen')}"},
    )
    assert response.status_code == 401
    assert count(Case, tenants["zutphen"], in_tenant) == 0
    assert count(Case, tenants["lochem"], in_tenant) == 0


# --- at the same moment ---------------------------------------------------------------------


@pytest.mark.postgres
def test_two_batches_with_the_same_messages_at_once_make_one_case_each(
    app, tenants, in_tenant, token
):
    api_token = token("zutphen")
    shared = [document(message_id=f"race-{n}") for n in range(5)]
    own = [[document(message_id=f"own-{side}-{n}") for n in range(3)] for side in range(2)]

    def send(documents):
        return lambda: post(app, api_token, BATCH, {"documents": documents})

    first, second = at_once([send(shared + own[0]), send(own[1] + shared)])
    assert first.status_code == second.status_code == 200
    by_key = {}
    for response in (first, second):
        for entry in response.json["documents"]:
            by_key.setdefault(entry["message_id"], []).append(entry)
    for n in range(5):
        entries = by_key[f"race-{n}"]
        assert sorted(e["status"] for e in entries) == ["created", "unchanged"], entries
        assert len({e["case_id"] for e in entries}) == 1
    assert count(Case, tenants["zutphen"], in_tenant) == 5 + 6
    assert count(Client, tenants["zutphen"], in_tenant) == 5 + 6


@pytest.mark.postgres
def test_two_batches_with_the_same_new_clients_in_opposite_orders_both_get_answers(
    app, tenants, in_tenant, token
):
    """Two batches holding the same new clients the other way round, at once: the unique
    citizen numbers decide, each client is made once and both batches get every answer
    (a wait on the other's rows in opposite orders could end one as a deadlock)."""
    api_token = token("zutphen")

    def send(documents):
        return lambda: post(app, api_token, BATCH, {"documents": documents})

    for attempt in range(3):
        shared = [document(message_id=f"turn-{attempt}-{n}") for n in range(30)]
        first, second = at_once([send(shared), send(list(reversed(shared)))])
        assert first.status_code == second.status_code == 200, (first.json, second.json)
        statuses = [e["status"] for r in (first, second) for e in r.json["documents"]]
        assert sorted(statuses) == ["created"] * 30 + ["unchanged"] * 30
    assert count(Client, tenants["zutphen"], in_tenant) == 3 * 30
