"""What the prison caseworker delivers (issue 16, point 5), through the form, the upload and
the API: prison number, legal title, date of judgement, kind of release, probation and its
officer, the prison caseworker's name and contact, and the facility from the list of prisons.
"""

from __future__ import annotations

import io
import json
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from app.cases.intake import tokens
from app.cases.intake.document import parse_document
from app.cases.intake.facilities import shipped_facilities
from app.cases.models import Case, Client
from app.cases.plan.services import stay_of
from app.core.permissions import Role
from app.extensions import db
from tests.cases.conftest import new_bsn
from tests.factories import UserFactory
from tests.form_values import form_values

TODAY = date.today()
API = "/api/v1/intake-documents"

CASEWORKER = {
    "prison_number": "DJI-0458812",
    "legal_title": "final_judgement",
    "judgement_date": (TODAY - timedelta(days=200)).isoformat(),
    "release_type": "conditional_release",
    "probation_involved": "ja",
    "probation_officer": "Reclassering Nederland, R. de Vries",
    "prison_caseworker_name": "M. Yilmaz",
    "prison_caseworker_contact": "m.yilmaz@dji.example",
}


def document(**overrides) -> dict:
    doc = {
        "given_name": "Karin",
        "family_name": "Bosman",
        "date_of_birth": "1988-04-12",
        "bsn": new_bsn(),
        "facility": "PI Zwolle",
        "detention_start": (TODAY - timedelta(days=10)).isoformat(),
        "expected_release": (TODAY + timedelta(days=50)).isoformat(),
        **CASEWORKER,
    }
    doc.update(overrides)
    return doc


def stored_case(tenant, in_tenant, bsn: str):
    with in_tenant(tenant):
        client = db.session.scalars(select(Client).where(Client.bsn == bsn)).one()
        case = db.session.scalars(select(Case).where(Case.client_id == client.id)).one()
        db.session.expunge_all()
        return case


def assert_caseworker_fields(case) -> None:
    assert case.prison_number == "DJI-0458812"
    assert case.legal_title == "final_judgement"
    assert case.judgement_date == TODAY - timedelta(days=200)
    assert case.release_type == "conditional_release"
    assert case.probation_involved is True
    assert case.probation_officer == "Reclassering Nederland, R. de Vries"
    assert case.prison_caseworker_name == "M. Yilmaz"
    assert case.prison_caseworker_contact == "m.yilmaz@dji.example"


@pytest.fixture
def api_token(tenants, in_tenant):
    def issue(slug: str) -> str:
        with in_tenant(tenants[slug]):
            token = tokens.issue_token(tenants[slug].id)
            db.session.commit()
        return token

    return issue


# --- the document -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"legal_title": "veroordeeld"}, "legal_title"),
        ({"release_type": "ontsnapt"}, "release_type"),
        ({"judgement_date": "12-04-2026"}, "judgement_date"),
        ({"probation_involved": "misschien"}, "probation_involved"),
        ({"facility": "Hotel Zwolle"}, "facility"),
        ({"prison_number": "x" * 41}, "prison_number"),
        ({"prison_caseworker_contact": 612345678}, "prison_caseworker_contact"),
    ],
)
def test_invalid_caseworker_fields_are_refused_naming_the_field(app, overrides, field):
    with app.test_request_context():
        parsed, errors = parse_document(document(**overrides))
    assert parsed is None
    assert [name for name, _message in errors] == [field]


def test_the_facility_is_stored_in_the_lists_spelling(app):
    with app.test_request_context():
        parsed, errors = parse_document(document(facility="  pi   ter apel "))
    assert errors == [] and parsed.facility == "PI Ter Apel"
    assert "PI Zwolle" in shipped_facilities() and len(shipped_facilities()) > 20


def test_a_document_without_the_new_fields_keeps_its_content_key(app):
    """A file received before the fields existed is still known when it comes again."""
    plain = {k: v for k, v in document(bsn="111222333").items() if k not in CASEWORKER}
    with app.test_request_context():
        before, _ = parse_document(plain)
        with_fields, _ = parse_document({**plain, "prison_number": "DJI-1"})
    assert before.message_key() != with_fields.message_key()
    assert "prison_number" not in before.model_dump(exclude_defaults=True)


# --- the form ---------------------------------------------------------------------------


def test_the_form_takes_the_caseworker_fields_and_the_case_page_shows_them(
    tenants, in_tenant, worker_client
):
    with in_tenant(tenants["deventer"]):
        worker = UserFactory()
    client = worker_client(worker)
    page = client.get("/cases/intake").get_data(as_text=True)
    assert '<option value="PI Zwolle">' in page and 'name="legal_title"' in page
    form = {k: v for k, v in document().items()}
    form["probation_involved"] = "1"
    response = client.post("/cases/intake", data=form)
    assert response.status_code == 302, response.get_data(as_text=True)
    assert_caseworker_fields(stored_case(tenants["deventer"], in_tenant, form["bsn"]))
    detail = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "DJI-0458812" in detail and "Onherroepelijk veroordeeld" in detail
    assert "Voorwaardelijke vrijlating" in detail and "M. Yilmaz (m.yilmaz@dji.example)" in detail
    assert "Reclassering Nederland, R. de Vries" in detail


def test_the_form_refuses_an_unknown_prison_in_dutch_and_keeps_the_input(
    tenants, in_tenant, worker_client
):
    with in_tenant(tenants["lochem"]):
        worker = UserFactory()
    form = document(facility="PI Nergenshuizen", legal_title="remand")
    response = worker_client(worker).post("/cases/intake", data=form)
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "is geen bekende penitentiaire inrichting" in body
    assert 'value="PI Nergenshuizen"' in body and 'value="remand" selected' in body
    with in_tenant(tenants["lochem"]):
        assert db.session.scalars(select(Case)).all() == []


def test_a_prison_the_tenant_admin_adds_is_accepted_in_that_municipality_only(
    app, tenants, in_tenant, worker_client, api_token
):
    with in_tenant(tenants["raalte"]):
        admin = UserFactory(role=Role.TENANT_ADMIN.value)
    admin_client = worker_client(admin)
    values = form_values(admin_client, "/cases/admin/settings")
    response = admin_client.post(
        "/cases/admin/settings",
        data={**values, "extra_facilities": "PI Testoord;  ; Kliniek De Brug  "},
    )
    assert response.status_code == 302
    assert "Kliniek De Brug" in admin_client.get("/cases/admin/settings").get_data(as_text=True)
    raalte, lochem = api_token("raalte"), api_token("lochem")
    doc = document(facility="kliniek de brug")
    taken = app.test_client().post(API, json=doc, headers={"Authorization": f"Bearer {raalte}"})
    assert taken.status_code == 201, taken.json
    assert stored_case(tenants["raalte"], in_tenant, doc["bsn"]).facility == "Kliniek De Brug"
    other = app.test_client().post(
        API,
        json=document(facility="Kliniek De Brug"),
        headers={"Authorization": f"Bearer {lochem}"},
    )
    assert other.status_code == 422
    assert [e["field"] for e in other.json["errors"]] == ["facility"]


# --- the upload -------------------------------------------------------------------------


def test_the_upload_takes_the_caseworker_fields_from_csv_and_json(
    tenants, in_tenant, worker_client
):
    with in_tenant(tenants["zutphen"]):
        worker = UserFactory()
    client = worker_client(worker)
    row = document()
    header = ";".join(row)
    content = (header + "\n" + ";".join(str(v) for v in row.values()) + "\n").encode()
    body = client.post(
        "/cases/intake/upload",
        data={"file": (io.BytesIO(content), "intake.csv")},
        content_type="multipart/form-data",
    ).get_data(as_text=True)
    assert "1 nieuwe dossiers" in body
    assert_caseworker_fields(stored_case(tenants["zutphen"], in_tenant, row["bsn"]))

    docs = [document(), document(release_type="escaped")]
    body = client.post(
        "/cases/intake/upload",
        data={"file": (io.BytesIO(json.dumps(docs).encode()), "batch.json")},
        content_type="multipart/form-data",
    ).get_data(as_text=True)
    assert "1 nieuwe dossiers" in body
    assert "Regel 2: Soort vrijlating: is geen bekende soort vrijlating" in body
    assert_caseworker_fields(stored_case(tenants["zutphen"], in_tenant, docs[0]["bsn"]))


# --- the API ----------------------------------------------------------------------------


def test_the_api_takes_the_caseworker_fields_and_the_judgement_sets_the_stay(
    app, tenants, in_tenant, api_token
):
    token = api_token("olst-wijhe")
    # Detention began ten days ago, release in fifty: a short stay counted from the start;
    # the judgement two hundred days ago makes it a long one (the four-month rule).
    doc = document(message_id="DJI-PI-16-5")
    response = app.test_client().post(API, json=doc, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 201, response.json
    case = stored_case(tenants["olst-wijhe"], in_tenant, doc["bsn"])
    assert_caseworker_fields(case)
    assert stay_of(case).value == "long"
    bad = app.test_client().post(
        API,
        json=document(legal_title="schuldig", facility="Nergens"),
        headers={"Authorization": f"Bearer {token}"},
    )
    assert bad.status_code == 422
    errors = {e["field"]: e["message"] for e in bad.json["errors"]}
    assert set(errors) == {"legal_title", "facility"}
    assert "is geen bekende titel van detentie" in errors["legal_title"]
