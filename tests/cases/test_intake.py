"""Intake three ways through one service: the form, the file upload, the API."""

from __future__ import annotations

import json
import uuid
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from app.cases.intake import tokens
from app.cases.intake.document import parse_document
from app.cases.models import Case, Client, DomainSnapshot
from app.cases.plan.models import Task
from app.extensions import db
from tests.cases.conftest import new_bsn
from tests.factories import UserFactory

TODAY = date.today()


def document(**overrides) -> dict:
    doc = {
        "given_name": "Karin",
        "family_name": "Bosman",
        "date_of_birth": "1988-04-12",
        "bsn": new_bsn(),
        "facility": "PI Zwolle",
        "detention_start": (TODAY - timedelta(days=10)).isoformat(),
        "expected_release": (TODAY + timedelta(days=50)).isoformat(),
        "domains": {
            "housing": {"status": "not_arranged", "situation": "Dakloos", "need": "Woning"},
            "identity": {"status": "arranged"},
        },
    }
    doc.update(overrides)
    return doc


def count(model, tenant, in_tenant) -> int:
    with in_tenant(tenant):
        return db.session.scalar(select(func.count()).select_from(model))


# --- the document -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"bsn": "123456789"}, "bsn"),
        ({"bsn": "000000000"}, "bsn"),
        ({"bsn": "12345"}, "bsn"),
        ({"date_of_birth": "2015-01-01"}, "date_of_birth"),
        ({"date_of_birth": "12-04-1988"}, "date_of_birth"),
        ({"given_name": ""}, "given_name"),
        ({"expected_release": "2000-01-01"}, "expected_release"),
        ({"domains": {"housing": {"status": "fine"}}}, "domains.housing.status"),
        ({"domains": {"pets": {}}}, "domains.pets"),
        ({"family_name": "x\x00y"}, "family_name"),
        ({"prolific_offender": "maybe"}, "prolific_offender"),
    ],
)
def test_invalid_documents_name_the_field(app, overrides, field):
    with app.test_request_context():
        parsed, errors = parse_document(document(**overrides))
    assert parsed is None
    assert field in [name for name, _message in errors]


# --- the form ---------------------------------------------------------------------------


def test_intake_by_form_opens_a_case_with_plan_and_intake_snapshot(
    tenants, in_tenant, worker_client
):
    with in_tenant(tenants["deventer"]):
        worker = UserFactory()
    client = worker_client(worker)
    doc = document()
    form = {k: v for k, v in doc.items() if k != "domains"}
    form.update(
        {
            "housing_status": "not_arranged",
            "housing_situation": "Dakloos",
            "housing_need": "Woning",
            "benefit_recipient": "1",
        }
    )
    response = client.post("/cases/intake", data=form)
    assert response.status_code == 302
    case_url = response.headers["Location"]
    page = client.get(case_url).get_data(as_text=True)
    assert "Karin Bosman" in page and "In detentie" in page and "Dakloos" in page
    with in_tenant(tenants["deventer"]):
        case = db.session.scalars(select(Case)).one()
        assert case.benefit_recipient
        assert db.session.scalar(select(func.count()).select_from(Task)) > 5
        snapshots = db.session.scalars(select(DomainSnapshot)).all()
        assert {s.moment for s in snapshots} == {"intake"}
        assert {s.domain: s.status for s in snapshots}["housing"] == "not_arranged"


def test_intake_form_reports_invalid_input_in_dutch_and_keeps_it(tenants, in_tenant, worker_client):
    with in_tenant(tenants["lochem"]):
        worker = UserFactory()
    form = {k: v for k, v in document(bsn="123456789").items() if k != "domains"}
    response = worker_client(worker).post("/cases/intake", data=form)
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "voldoet niet aan de elfproef" in body
    assert 'value="Bosman"' in body
    assert count(Case, tenants["lochem"], in_tenant) == 0
    # The message is tied to its field, and the summary links to the field.
    assert 'id="field-bsn" aria-invalid="true" aria-describedby="error-bsn"' in body
    assert '<li id="error-bsn"><a class="utrecht-link" href="#field-bsn">' in body
    assert 'id="field-family_name" aria-invalid' not in body
    form["housing_status"] = "onbekende-status"
    form["bsn"] = document()["bsn"]
    domain = worker_client(worker).post("/cases/intake", data=form).get_data(as_text=True)
    assert 'id="field-housing_status" aria-invalid="true"' in domain


def test_the_form_needs_the_csrf_token(tenants, in_tenant, sign_in):
    with in_tenant(tenants["lochem"]):
        worker = UserFactory()
    form = {k: v for k, v in document().items() if k != "domains"}
    assert sign_in(worker).post("/cases/intake", data=form).status_code == 400


# --- the upload -------------------------------------------------------------------------

CSV_HEADER = (
    "message_id;given_name;family_name;date_of_birth;bsn;facility;detention_start;"
    "expected_release;prolific_offender;housing_status;housing_situation;housing_need\n"
)


def csv_file(rows: list[str]) -> bytes:
    return (CSV_HEADER + "".join(r + "\n" for r in rows)).encode()


def upload(client, name: str, content: bytes):
    import io

    return client.post(
        "/cases/intake/upload",
        data={"file": (io.BytesIO(content), name)},
        content_type="multipart/form-data",
    )


def test_upload_saves_valid_rows_reports_invalid_ones_and_is_idempotent(
    tenants, in_tenant, worker_client
):
    with in_tenant(tenants["zutphen"]):
        worker = UserFactory()
    client = worker_client(worker)
    start, release = (
        (TODAY - timedelta(days=5)).isoformat(),
        (TODAY + timedelta(days=40)).isoformat(),
    )
    good1, good2 = new_bsn(), new_bsn()
    content = csv_file(
        [
            f";Piet;Jansen;1980-01-01;{good1};PI Almelo;{start};{release};ja;"
            "not_arranged;Geen woning;Opvang",
            f";Ali;Kaya;1990-02-02;123456789;PI Almelo;{start};{release};nee;;;",
            f";Els;Smit;1975-03-03;{good2};PI Almelo;{start};{release};nee;arranged;;",
            f";Kees;Bakker;2012-03-03;{new_bsn()};PI Almelo;{start};{release};nee;;;",
        ]
    )
    first = upload(client, "intake.csv", content).get_data(as_text=True)
    assert "2 nieuwe dossiers, 0 al ontvangen, 2 regels niet opgeslagen" in first
    assert "Regel 3: BSN: voldoet niet aan de elfproef" in first
    assert "Regel 5: Geboortedatum: de cliënt is jonger dan 18" in first
    second = upload(client, "intake.csv", content).get_data(as_text=True)
    assert "0 nieuwe dossiers, 2 al ontvangen, 2 regels niet opgeslagen" in second
    assert count(Case, tenants["zutphen"], in_tenant) == 2
    assert count(Client, tenants["zutphen"], in_tenant) == 2


def test_upload_of_json_and_of_a_broken_file(tenants, in_tenant, worker_client):
    with in_tenant(tenants["raalte"]):
        worker = UserFactory()
    client = worker_client(worker)
    docs = [document(message_id="pi-1"), document(message_id="pi-2", bsn="111")]
    body = upload(client, "batch.json", json.dumps(docs).encode()).get_data(as_text=True)
    assert "1 nieuwe dossiers" in body and "Regel 2: BSN: moet uit negen cijfers bestaan" in body
    broken = upload(client, "batch.json", b"[{")
    assert broken.status_code == 422
    assert "geen geldige JSON" in broken.get_data(as_text=True)


# --- the API ----------------------------------------------------------------------------


@pytest.fixture
def api_token(tenants, in_tenant):
    def issue(slug: str) -> str:
        with in_tenant(tenants[slug]):
            token = tokens.issue_token(tenants[slug].id)
            db.session.commit()
        return token

    return issue


def test_the_same_api_message_twice_leaves_one_case(app, tenants, in_tenant, api_token):
    token = api_token("olst-wijhe")
    client = app.test_client()
    doc = document(message_id="DJI-2026-0001")
    first = client.post(
        "/api/v1/intake-documents", json=doc, headers={"Authorization": f"Bearer {token}"}
    )
    second = client.post(
        "/api/v1/intake-documents", json=doc, headers={"Authorization": f"Bearer {token}"}
    )
    assert first.status_code == 201 and first.json["status"] == "created"
    assert second.status_code == 200 and second.json["status"] == "duplicate"
    assert first.json["case_id"] == second.json["case_id"]
    assert count(Case, tenants["olst-wijhe"], in_tenant) == 1


def test_api_refuses_missing_wrong_and_other_tenants_tokens(app, tenants, api_token):
    deventer = api_token("deventer")
    client = app.test_client()
    url = "/api/v1/intake-documents"
    assert client.post(url, json=document()).status_code == 401
    forged = deventer.replace("npt_1_", "npt_5_")
    response = client.post(url, json=document(), headers={"Authorization": f"Bearer {forged}"})
    assert response.status_code == 401 and response.is_json
    assert response.json["title"]


def test_api_errors_are_json_with_dutch_reasons(app, api_token):
    token = api_token("lochem")
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    invalid = client.post(
        "/api/v1/intake-documents", json=document(bsn="000000000"), headers=headers
    )
    assert invalid.status_code == 422
    assert invalid.json["errors"][0]["field"] == "bsn"
    assert "elfproef" in invalid.json["errors"][0]["message"]
    not_json = client.post("/api/v1/intake-documents", data="hallo", headers=headers)
    assert not_json.status_code == 400 and not_json.is_json
    wrong_method = client.get("/api/v1/intake-documents", headers=headers)
    assert wrong_method.status_code == 405
    assert wrong_method.json["title"] == "Deze handeling is hier niet mogelijk."
    huge = client.post(
        "/api/v1/intake-documents",
        data=b"[" + b" " * app.config["MAX_CONTENT_LENGTH"] + b"]",
        headers={**headers, "Content-Type": "application/json"},
    )
    assert huge.status_code == 413 and huge.json["title"] == "Het bestand is te groot."


def test_a_new_detention_of_a_known_client_links_cases(app, tenants, in_tenant, api_token):
    token = api_token("deventer")
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    bsn = new_bsn()
    first = client.post(
        "/api/v1/intake-documents", json=document(bsn=bsn, message_id="a"), headers=headers
    )
    later = document(
        bsn=bsn,
        message_id="b",
        detention_start=TODAY.isoformat(),
        expected_release=(TODAY + timedelta(days=30)).isoformat(),
    )
    second = client.post("/api/v1/intake-documents", json=later, headers=headers)
    assert first.status_code == second.status_code == 201
    with in_tenant(tenants["deventer"]):
        assert db.session.scalar(select(func.count()).select_from(Client)) == 1
        newer = db.session.scalars(
            select(Case).where(Case.id == uuid.UUID(second.json["case_id"]))
        ).one()
        assert str(newer.previous_case_id) == first.json["case_id"]


def test_the_token_is_stored_as_a_hash(tenants, in_tenant, api_token):
    token = api_token("raalte")
    from app.cases.models import CaseSettings

    with in_tenant(tenants["raalte"]):
        row = db.session.scalars(select(CaseSettings)).one()
    assert token not in (row.api_token_hash or "") and row.api_token_hint == token[-4:]
