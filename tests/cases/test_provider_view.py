"""The care director's own view: a provider worker bound to a partner sees only the
trajectories handed to that partner, with the minimum the hand-over shares; reports
progress, proposes the end and records the invoice, which the municipality approves as
budget spending. Each opening is in the access log of the client's municipality."""

from __future__ import annotations

import random
import uuid
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from app.audit.models import AccessLogEntry
from app.cases.bsn import generate_bsn
from app.cases.handover import services as handover
from app.cases.handover.models import (
    InvoiceStatus,
    ReportKind,
    Trajectory,
    TrajectoryInvoice,
    TrajectoryReport,
)
from app.cases.models import Case, Client
from app.cases.notes import add_note
from app.cases.partners import services as partners
from app.cases.services import open_case
from app.core.permissions import Role
from app.extensions import db
from app.regional import budget
from app.regional.budget_models import CommitmentStatus
from tests.csrf import csrf_token
from tests.factories import PartnerFactory, PartnerStaffFactory, UserFactory

TODAY = date.today()
CANARY_BSN = generate_bsn(random.Random(16_909))
# Never to reach a provider worker, whatever the sharing basis.
NEVER = {
    "citizen number": CANARY_BSN,
    "family name": "CNRYFAMQ16",
    "address": "CNRYADRESQ16",
    "postal address": "CNRYPOSTQ16",
    "facility": "CNRYINRICHTINGQ16",
    "offence (note)": "CNRYDELICTQ16",
    "health need": "CNRYZORGNODIGQ16",
    "health notes": "CNRYZORGNOTAQ16",
    "debts need": "CNRYSCHULDNODIGQ16",
    "debts notes": "CNRYSCHULDNOTAQ16",
    "housing notes": "CNRYWONENNOTAQ16",
}


def _case_with_canaries(first_name: str = "Kees") -> Case:
    client = Client(
        given_name=first_name,
        family_name=NEVER["family name"],
        date_of_birth=date(1984, 2, 29),
        bsn=CANARY_BSN if first_name == "Kees" else generate_bsn(random.Random(first_name)),
        address=NEVER["address"],
        postal_address=NEVER["postal address"],
    )
    case = open_case(
        client,
        actor="test",
        facility="PI Zwolle",
        detention_start=TODAY - timedelta(days=40),
        expected_release=TODAY + timedelta(days=50),
    )
    db.session.flush()
    case.facility = NEVER["facility"]
    for domain in case.life_domains:
        if domain.domain == "housing":
            domain.need, domain.notes = "Zelfstandige kamer", NEVER["housing notes"]
        if domain.domain == "care":
            domain.need, domain.notes = NEVER["health need"], NEVER["health notes"]
        if domain.domain == "debts":
            domain.need, domain.notes = NEVER["debts need"], NEVER["debts notes"]
    add_note(case, "test", f"Veroordeeld wegens {NEVER['offence (note)']}.")
    # Every domain but income may go to the care director; health and debts included.
    for kind in ("housing", "care", "debts"):
        handover.record_basis(case, "test", domain=kind, basis="consent_given", effective_on=TODAY)
    db.session.flush()
    return case


@pytest.fixture
def world(app, tenants, in_tenant):
    home = tenants["deventer"]
    with in_tenant(home):
        regizorg = PartnerFactory(name="Regizorg BV")
        other = PartnerFactory(name="Zorgregie Anders BV")
        worker = UserFactory(role=Role.PROVIDER_WORKER.value)
        PartnerStaffFactory(partner=regizorg, user=worker)
        case = _case_with_canaries()
        mine = handover.hand_over(case, "test", start_date=TODAY)
        assert mine.partner_id == regizorg.id  # the first care director by name
        second = _case_with_canaries("Otto")
        theirs = handover.hand_over(second, "test", start_date=TODAY)
        theirs.partner_id = other.id
        db.session.commit()
        db.session.expunge(worker)
    return home, worker, case.id, mine.id, theirs.id


def test_a_provider_worker_sees_only_the_trajectories_of_their_partner(app, world, sign_in):
    _home, worker, case_id, mine, theirs = world
    client = sign_in(worker)
    home = client.get("/trajecten/")
    assert home.status_code == 200
    text = home.get_data(as_text=True)
    assert "Kees" in text and "Otto" not in text
    assert client.get(f"/trajecten/{mine}").status_code == 200
    assert client.get(f"/trajecten/{theirs}").status_code == 404
    assert client.get(f"/trajecten/{uuid.uuid4()}").status_code == 404


def test_every_case_page_answers_404_to_a_provider_worker(app, world, sign_in):
    _home, worker, case_id, mine, _theirs = world
    client = sign_in(worker)
    for path in (
        "/cases/",
        f"/cases/{case_id}",
        f"/cases/{case_id}/bsn",
        f"/cases/{case_id}/export.pdf",
        "/cases/intake",
        "/cases/admin/partners",
    ):
        assert client.get(path).status_code == 404, path
    token = csrf_token(client, "/trajecten/")
    for path in (f"/cases/{case_id}/trajectories/{mine}", f"/cases/{case_id}/notes"):
        assert client.post(path, data={"csrf_token": token}).status_code == 404, path


def test_another_municipalitys_hand_over_is_404(app, world, tenants, in_tenant, sign_in):
    _home, _worker, _case_id, _mine, _theirs = world
    away = tenants["lochem"]
    with in_tenant(away):
        lochem_worker = UserFactory(role=Role.PROVIDER_WORKER.value)
        PartnerStaffFactory(user=lochem_worker)
        db.session.commit()
        db.session.expunge(lochem_worker)
    # Deventer's trajectory, asked for by Regizorg's worker in Lochem.
    assert sign_in(lochem_worker).get(f"/trajecten/{world[3]}").status_code == 404


def test_the_page_shows_the_minimum_and_never_the_canaries(app, world, sign_in):
    _home, worker, _case_id, mine, _theirs = world
    text = sign_in(worker).get(f"/trajecten/{mine}").get_data(as_text=True)
    assert "Kees" in text and "Deventer" in text
    assert "Zelfstandige kamer" in text  # the housing need: shared, and not sensitive
    leaked = [name for name, canary in NEVER.items() if canary in text]
    assert leaked == []
    assert "Inkomen" not in text  # income has no sharing basis: not covered


def test_a_withdrawn_consent_takes_the_domain_off_the_page(app, world, sign_in, in_tenant):
    home, worker, case_id, mine, _theirs = world
    with in_tenant(home):
        case = db.session.get(Case, (home.id, case_id))
        handover.record_basis(
            case, "test", domain="housing", basis="consent_withdrawn", effective_on=TODAY
        )
        db.session.commit()
    text = sign_in(worker).get(f"/trajecten/{mine}").get_data(as_text=True)
    assert "Zelfstandige kamer" not in text


def test_each_opening_is_in_the_clients_access_log(app, world, sign_in, in_tenant):
    home, worker, case_id, mine, _theirs = world
    sign_in(worker).get(f"/trajecten/{mine}")
    with in_tenant(home):
        client_id = db.session.get(Case, (home.id, case_id)).client_id
        rows = db.session.scalars(
            select(AccessLogEntry).where(
                AccessLogEntry.client_id == client_id, AccessLogEntry.user_id == worker.id
            )
        ).all()
    assert rows and rows[0].role == Role.PROVIDER_WORKER.value
    assert rows[0].object_type == "trajectory"


def test_an_unbound_worker_sees_nothing(app, tenants, in_tenant, sign_in, world):
    with in_tenant(tenants["deventer"]):
        loose = UserFactory(role=Role.PROVIDER_WORKER.value)
        db.session.commit()
        db.session.expunge(loose)
    client = sign_in(loose)
    assert "no-partner" in client.get("/trajecten/").get_data(as_text=True)
    assert client.get(f"/trajecten/{world[3]}").status_code == 404


def _post(client, path, data, page):
    return client.post(path, data={"csrf_token": csrf_token(client, page), **data})


def test_progress_end_and_invoice_approved_as_spending(app, world, sign_in, in_tenant):
    home, worker, case_id, mine, _theirs = world
    client = sign_in(worker)
    page = f"/trajecten/{mine}"
    key = str(uuid.uuid4())
    progress = {"domain": "housing", "body": "Kamer bezichtigd.", "submission_key": key}
    assert _post(client, f"{page}/voortgang", progress, page).status_code == 302
    assert _post(client, f"{page}/voortgang", progress, page).status_code == 302  # same form
    refused = _post(
        client,
        f"{page}/voortgang",
        {"domain": "income", "body": "x", "submission_key": str(uuid.uuid4())},
        page,
    )
    assert refused.status_code == 422  # income is not shared with the care director
    end = {
        "proposed_end": (TODAY + timedelta(days=60)).isoformat(),
        "body": "Doelen bereikt.",
        "submission_key": str(uuid.uuid4()),
    }
    assert _post(client, f"{page}/einde", end, page).status_code == 302
    invoice = {
        "amount": "1.450,50",
        "invoice_date": TODAY.isoformat(),
        "reference": "RZ-2026-17",
        "submission_key": str(uuid.uuid4()),
    }
    assert _post(client, f"{page}/factuur", invoice, page).status_code == 302
    again = {**invoice, "submission_key": str(uuid.uuid4())}
    assert _post(client, f"{page}/factuur", again, page).status_code == 422
    with in_tenant(home):
        reports = db.session.scalars(
            select(TrajectoryReport).where(TrajectoryReport.trajectory_id == mine)
        ).all()
        assert sorted(r.kind for r in reports) == [
            ReportKind.END_PROPOSED.value,
            ReportKind.PROGRESS.value,
        ]
        row = db.session.scalars(select(TrajectoryInvoice)).one()
        assert (row.amount_cents, row.status) == (145_050, InvoiceStatus.SUBMITTED.value)
        assert budget.commitment_of(mine).status == CommitmentStatus.COMMITTED.value
        admin = UserFactory(role=Role.TENANT_ADMIN.value)
        db.session.commit()
        db.session.expunge(admin)
        version = row.version
    admin_client = sign_in(admin)
    listing = admin_client.get("/trajecten/facturen").get_data(as_text=True)
    assert "RZ-2026-17" in listing and "Kees" not in listing
    decided = _post(
        admin_client,
        f"/trajecten/facturen/{row.id}",
        {"decision": "approve", "version": version},
        "/trajecten/facturen",
    )
    assert decided.status_code == 302
    with in_tenant(home):
        commitment = budget.commitment_of(mine)
        assert commitment.status == CommitmentStatus.SPENT.value
        assert (commitment.invoice_amount_cents, commitment.invoice_reference) == (
            145_050,
            "RZ-2026-17",
        )
        assert db.session.get(TrajectoryInvoice, (home.id, row.id)).status == "approved"
    # The case worker sees the reports on the case page.
    with in_tenant(home):
        case_worker = UserFactory(role=Role.CASE_WORKER.value)
        db.session.commit()
        db.session.expunge(case_worker)
    case_page = (
        sign_in(case_worker).get(f"/cases/{case_id}?open=trajectories").get_data(as_text=True)
    )
    assert "Kamer bezichtigd." in case_page and "RZ-2026-17" in case_page


def test_a_provider_worker_cannot_post_to_another_partners_trajectory(
    app, world, sign_in, in_tenant
):
    home, worker, _case_id, _mine, theirs = world
    client = sign_in(worker)
    response = _post(
        client,
        f"/trajecten/{theirs}/voortgang",
        {"domain": "housing", "body": "x", "submission_key": str(uuid.uuid4())},
        "/trajecten/",
    )
    assert response.status_code == 404
    with in_tenant(home):
        assert db.session.scalars(select(TrajectoryReport)).all() == []
        assert db.session.get(Trajectory, (home.id, theirs)) is not None


def test_the_hand_over_goes_to_the_care_director_partner(app, tenants, in_tenant):
    with in_tenant(tenants["raalte"]):
        assert partners.care_director() is None  # no partners: the setting's name
        case = _case_with_canaries()
        first = handover.hand_over(case, "test", start_date=TODAY)
        assert (first.partner_id, first.provider) == (None, "Regizorg BV")
        partners.install_default_partners()
        director = partners.care_director()
        assert director.name == "Regizorg BV" and director.kind == "care_director"
        second = handover.hand_over(case, "test", start_date=TODAY, reason="Tweede traject")
        assert second.partner_id == director.id
        assert second.shared_domains == ["care", "debts", "housing"]
        db.session.rollback()
