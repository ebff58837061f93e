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


def test_finding_a_file_by_citizen_number(app, file_in_deventer, sign_in):
    client = sign_in(file_in_deventer["officer"])
    response = client.get("/privacy/?bsn=111222333")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(
        f"/privacy/clients/{file_in_deventer['case'].client_id}"
    )
    missing = client.get("/privacy/?bsn=123456782").get_data(as_text=True)
    assert "Geen cliënt met dit burgerservicenummer" in missing
