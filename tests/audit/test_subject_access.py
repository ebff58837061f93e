"""An access request (art. 15): everything on one client plus the access report, as JSON and PDF."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from app.audit.models import AccessLogEntry
from app.cases import notes
from app.core.permissions import Role
from app.extensions import db
from tests.factories import CaseFactory, LifeDomainFactory, UserFactory


@pytest.fixture
def file_in_deventer(tenants, in_tenant):
    with in_tenant(tenants["deventer"]):
        case = CaseFactory(client__family_name="Inzagenaar", client__bsn="111222333")
        LifeDomainFactory(case=case, domain="care", need="Vervolg behandeling verslaving")
        author = UserFactory()
        note = notes.add_note(case, author, "Eerste versie notitie")
        db.session.flush()
        notes.edit_note(note, author, "Tweede versie notitie", expected_version=note.version)
        db.session.commit()
        other = CaseFactory(client__family_name="Anderenaar")
        officer = UserFactory(role=Role.PRIVACY_OFFICER.value)
        worker = UserFactory(role=Role.CASE_WORKER.value)
        admin = UserFactory(role=Role.TENANT_ADMIN.value)
    return {"case": case, "other": other, "officer": officer, "worker": worker, "admin": admin}


def test_the_json_answer_holds_the_file_and_who_read_it(app, file_in_deventer, sign_in):
    case = file_in_deventer["case"]
    sign_in(file_in_deventer["worker"]).get(f"/cases/{case.id}")  # one read to report
    response = sign_in(file_in_deventer["officer"]).get(
        f"/privacy/clients/{case.client_id}/inzage.json"
    )
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    bundle = json.loads(response.get_data(as_text=True))
    assert bundle["client"]["family_name"] == "Inzagenaar"
    assert bundle["client"]["bsn"] == "111222333"
    assert [c["id"] for c in bundle["records"]["cases"]] == [str(case.id)]
    needs = [d["need"] for d in bundle["records"]["life_domains"]]
    assert "Vervolg behandeling verslaving" in needs
    assert any(
        e["action"] == "read" and e["role"] == "case_worker" for e in bundle["access_report"]
    )
    # Rows that hang on the case through another row come too: a note's earlier versions.
    assert bundle["records"]["case_note_revisions"]
    assert "Eerste versie notitie" in json.dumps(bundle["records"])
    text = json.dumps(bundle)
    assert "Anderenaar" not in text  # another client's file stays out
    assert "token_hash" not in text and "password_hash" not in text


def test_the_pdf_answer_is_a_pdf_and_the_export_is_logged(
    app, file_in_deventer, sign_in, in_tenant, tenants
):
    case = file_in_deventer["case"]
    response = sign_in(file_in_deventer["officer"]).get(
        f"/privacy/clients/{case.client_id}/inzage.pdf"
    )
    assert response.status_code == 200
    assert response.data.startswith(b"%PDF")
    with in_tenant(tenants["deventer"]):
        rows = db.session.scalars(select(AccessLogEntry)).all()
    assert [(r.action, r.object_type, r.client_id) for r in rows] == [
        ("export", "subject_access", case.client_id)
    ]


def test_only_the_privacy_officer_of_the_same_municipality_may_make_it(
    app, file_in_deventer, sign_in, in_tenant, tenants
):
    url = f"/privacy/clients/{file_in_deventer['case'].client_id}/inzage.json"
    assert sign_in(file_in_deventer["worker"]).get(url).status_code == 403
    assert sign_in(file_in_deventer["admin"]).get(url).status_code == 403
    with in_tenant(tenants["zutphen"]):
        other_officer = UserFactory(role=Role.PRIVACY_OFFICER.value)
    response = sign_in(other_officer).get(url)
    assert response.status_code == 404
    assert b"Inzagenaar" not in response.data


def test_finding_a_file_by_citizen_number_is_a_post_logged_as_a_search(
    app, file_in_deventer, sign_in, in_tenant, tenants
):
    from tests.csrf import csrf_token

    client = sign_in(file_in_deventer["officer"])
    page = client.get("/privacy/").get_data(as_text=True)
    assert 'method="post"' in page and 'name="bsn"' in page
    token = csrf_token(client, "/privacy/")
    client_id = file_in_deventer["case"].client_id
    response = client.post("/privacy/", data={"csrf_token": token, "bsn": "111 222 333"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/privacy/clients/{client_id}")
    assert "111222333" not in response.headers["Location"]
    with in_tenant(tenants["deventer"]):
        rows = db.session.scalars(select(AccessLogEntry)).all()
    assert [(r.action, r.object_type, r.client_id, r.result) for r in rows] == [
        ("search", "client", client_id, "granted")
    ]

    missing = client.post("/privacy/", data={"csrf_token": token, "bsn": "123456782"})
    assert missing.status_code == 200
    assert "Geen cliënt met dit burgerservicenummer" in missing.get_data(as_text=True)
    bad = client.post("/privacy/", data={"csrf_token": token, "bsn": "12ab"})
    assert bad.status_code == 422
    assert "Vul de negen cijfers van een burgerservicenummer in" in bad.get_data(as_text=True)
    without_token = client.post("/privacy/", data={"bsn": "111222333"})
    assert without_token.status_code == 400
    with in_tenant(tenants["deventer"]):
        assert len(db.session.scalars(select(AccessLogEntry)).all()) == 1  # no more searches


def test_the_citizen_number_in_a_url_finds_nothing(app, file_in_deventer, sign_in):
    """An old bookmark with ?bsn= shows the empty lookup; it neither redirects nor searches."""
    response = sign_in(file_in_deventer["officer"]).get("/privacy/?bsn=111222333")
    assert response.status_code == 200
    assert 'value="111222333"' not in response.get_data(as_text=True)
