"""An access request (art. 15): everything on one client plus the access report, as JSON and PDF."""

from __future__ import annotations

import json
import re
from datetime import date

import pytest
from flask import render_template
from sqlalchemy import select

from app.audit import views as audit_views
from app.audit.models import AccessLogEntry
from app.audit.records import dependents
from app.audit.subject_access import columns
from app.cases import notes
from app.cases.models import CasePhase, Client, DomainStatus
from app.cases.timeline import SYSTEM_ACTOR, EventKind
from app.core.permissions import Role
from app.extensions import db
from tests.factories import (
    CaseDocumentFactory,
    CaseFactory,
    CasePersonFactory,
    DomainConsentFactory,
    DomainSnapshotFactory,
    IncomingTransferFactory,
    IntakeCheckFactory,
    IntakeMessageFactory,
    LifeDomainFactory,
    NoteFactory,
    NoteRevisionFactory,
    PhaseChangeFactory,
    ReferralFactory,
    TaskFactory,
    TimelineEntryFactory,
    TrajectoryFactory,
    TrajectoryInvoiceFactory,
    TrajectoryReportFactory,
    UserFactory,
)


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


@pytest.fixture
def full_file(tenants, in_tenant):
    """A Deventer client with a row in every table an access request includes."""
    with in_tenant(tenants["deventer"]):
        case = CaseFactory(
            client__given_name="Inge",
            client__family_name="Inzagenaar",
            client__date_of_birth=date(1990, 5, 17),
            client__address="Nieuwe Straat 2, Deventer",
            detention_start=date(2026, 9, 1),
            expected_release=date(2027, 3, 15),
            phase=CasePhase.IN_DETENTION.value,
            prolific_offender=True,
            benefit_recipient=False,
        )
        LifeDomainFactory(case=case, status=DomainStatus.NOT_ARRANGED.value, need="Een woning")
        DomainSnapshotFactory(case=case, status=DomainStatus.NOT_ARRANGED.value)
        PhaseChangeFactory(case=case)
        TimelineEntryFactory(
            case=case,
            kind=EventKind.CLIENT_UPDATED.value,
            detail={
                "changes": {
                    "address": ["Oude Straat 1, Deventer", "Nieuwe Straat 2, Deventer"],
                    "date_of_birth": ["1990-05-18", "1990-05-17"],
                }
            },
        )
        TimelineEntryFactory(
            case=case,
            kind=EventKind.RELEASE_MOVED.value,
            actor_name=SYSTEM_ACTOR,
            detail={"old": "2027-03-01", "new": "2027-03-15", "shift_days": 14},
        )
        TimelineEntryFactory(
            case=case,
            kind=EventKind.DOMAIN_UPDATED.value,
            detail={"domain": "housing", "changes": {"status": ["unknown", "not_arranged"]}},
        )
        NoteRevisionFactory(note=NoteFactory(case=case))
        IntakeMessageFactory(case=case)
        IntakeCheckFactory(client=case.client)
        TaskFactory(case=case, due_date=date(2027, 2, 1))
        DomainConsentFactory(case=case, effective_on=date(2026, 9, 2))
        ReferralFactory(case=case, sent_on=date(2026, 9, 3))
        trajectory = TrajectoryFactory(case=case, start_date=date(2026, 9, 4), end_date=None)
        TrajectoryReportFactory(trajectory=trajectory)
        TrajectoryInvoiceFactory(trajectory=trajectory, invoice_date=date(2026, 10, 1))
        # The case came here by an accepted transfer: the offer this municipality kept.
        IncomingTransferFactory(case_id=case.id, state="accepted")
        CasePersonFactory(case=case, started_on=date(2026, 9, 5))
        CaseDocumentFactory(case=case)
        officer = UserFactory(role=Role.PRIVACY_OFFICER.value)
        ids = {"case": str(case.id), "client": str(case.client_id)}
    return {"officer": officer, **ids}


def the_pdf_html(sign_in, monkeypatch, officer, client_id) -> str:
    """The HTML that WeasyPrint turns into the PDF, made by the view with its own context."""
    rendered: list[str] = []

    def capture(template, **context):
        rendered.append(render_template(template, **context))
        return b"%PDF-1.7 test"

    monkeypatch.setattr(audit_views, "render_pdf", capture)
    response = sign_in(officer).get(f"/privacy/clients/{client_id}/inzage.pdf")
    assert response.status_code == 200
    (html,) = rendered
    return html


def test_the_fixture_fills_every_table_an_access_request_includes(app, full_file, sign_in):
    """Keeps the PDF test below complete: a new table needs a row in ``full_file``."""
    response = sign_in(full_file["officer"]).get(
        f"/privacy/clients/{full_file['client']}/inzage.json"
    )
    bundle = json.loads(response.get_data(as_text=True))
    with app.app_context():
        included = {cls.__tablename__ for cls, _ids in dependents(Client, [])}
    assert set(bundle["records"]) == included


def test_the_pdf_names_tables_and_columns_in_dutch_and_shows_readable_values(
    app, full_file, sign_in, monkeypatch
):
    html = the_pdf_html(sign_in, monkeypatch, full_file["officer"], full_file["client"])
    headings = set(re.findall(r"<h2>([^<]*)</h2>", html))
    assert {"Dossiers", "Leefgebieden", "Regels in de tijdlijn", "Trajecten", "Taken"} <= headings
    names = set(re.findall(r"<th>([^<]*)</th>", html))
    assert {"Voornaam", "Geboortedatum", "Verwachte ontslagdatum", "Veelpleger"} <= names
    assert {"Fase", "Status", "Meetmoment", "Kosten", "Gebeurtenis", "Wijzigingen"} <= names
    cells = set(re.findall(r"<td>([^<]*)</td>", html))
    # Dates and times as the portal shows them, booleans as ja/nee, codes as their labels.
    assert {"17 mei 1990", "15 maart 2027", "1 februari 2027", "ja", "nee"} <= cells
    assert {"In detentie", "Niet geregeld", "Huisvesting", "Bij intake", "Open"} <= cells
    assert {"Nazorgcoördinator", "Toestemming gegeven", "Verstuurd", "Actief"} <= cells
    assert {"Elektronische melding van de afzender", "systeem"} <= cells
    assert any(re.fullmatch(r"€\s1\.500,00", cell) for cell in cells)
    # The timeline: the case page's sentence, and a change's old and new values.
    assert (
        "Verwachte ontslagdatum verschoven van 1 maart 2027 naar 15 maart 2027"
        " (open taken 14 dagen verschoven)"
    ) in cells
    assert (
        "Adres: Oude Straat 1, Deventer → Nieuwe Straat 2, Deventer\n"
        "Geboortedatum: 18 mei 1990 → 17 mei 1990"
    ) in cells
    assert "Status: Onbekend → Niet geregeld" in cells
    # Nothing stored shows through: no column names, codes, ISO times, True/False or ids.
    with app.app_context():
        stored = {
            key
            for cls in [Client] + [cls for cls, _ids in dependents(Client, [])]
            for key in columns(cls)
        }
    assert not names & stored
    for raw in ("expected_release", "case_worker_id", "given_name", "not_arranged", "tenant_id"):
        assert raw not in html, raw
    for code in ("in_detention", "housing", "intake", "open", "sent", "active", "api", "system"):
        assert code not in cells, code
    assert not re.search(r"\d{4}-\d{2}-\d{2}", html)
    assert "True" not in cells and "False" not in cells
    assert full_file["case"] not in html and full_file["client"] not in html


def test_the_json_keeps_every_column_and_code_with_the_pdf_text_beside_it(app, full_file, sign_in):
    response = sign_in(full_file["officer"]).get(
        f"/privacy/clients/{full_file['client']}/inzage.json"
    )
    bundle = json.loads(response.get_data(as_text=True))
    (case,) = bundle["records"]["cases"]
    assert case["id"] == full_file["case"] and case["tenant_id"] and case["version"]
    assert (case["phase"], case["phase_label"]) == ("in_detention", "In detentie")
    assert (case["expected_release"], case["expected_release_label"]) == (
        "2027-03-15",
        "15 maart 2027",
    )
    assert (case["prolific_offender"], case["prolific_offender_label"]) == (True, "ja")
    (domain,) = bundle["records"]["life_domains"]
    assert (domain["status"], domain["status_label"]) == ("not_arranged", "Niet geregeld")
    (task,) = bundle["records"]["tasks"]
    assert (task["phase"], task["phase_label"]) == ("release_preparation", "Ontslagvoorbereiding")
    (trajectory,) = bundle["records"]["trajectories"]
    assert trajectory["cost_cents"] == 150_000
    assert "need_label" not in domain  # free text is its own text
    moved = next(e for e in bundle["records"]["case_events"] if e["kind"] == "release_moved")
    assert moved["detail"] == {"old": "2027-03-01", "new": "2027-03-15", "shift_days": 14}
    assert moved["kind_label"].startswith("Verwachte ontslagdatum verschoven")


def test_the_access_request_lists_the_people_involved_and_the_documents_with_a_copy(
    app, full_file, sign_in, monkeypatch
):
    import base64

    from tests.factories import MINIMAL_PDF

    response = sign_in(full_file["officer"]).get(
        f"/privacy/clients/{full_file['client']}/inzage.json"
    )
    bundle = json.loads(response.get_data(as_text=True))
    (person,) = bundle["records"]["case_people"]
    assert (person["role"], person["name"]) == ("probation_officer", "Petra Toezicht")
    (document,) = bundle["records"]["case_documents"]
    assert document["filename"] == "brief.pdf"
    assert base64.b64decode(document["content"]) == MINIMAL_PDF
    html = the_pdf_html(sign_in, monkeypatch, full_file["officer"], full_file["client"])
    assert "Betrokkenen" in html and "Documenten" in html and "Petra Toezicht" in html
    assert "brief.pdf" in html
