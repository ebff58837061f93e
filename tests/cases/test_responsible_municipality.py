"""The municipality of responsibility (issue 16, point 3): a reference, proposed from the
postcodes of the intake's addresses, confirmed by a case worker; another municipality of
the region is flagged with the transfer proposed, one outside the region can be closed as
moved out of the region with a hand-off note."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from app.cases import municipality
from app.cases.intake import tokens
from app.cases.models import Case, Client
from app.extensions import db
from app.tenants.models import Tenant
from tests.cases.conftest import new_bsn
from tests.factories import UserFactory

TODAY = date.today()
API = "/api/v1/intake-documents"
IN_ZUTPHEN = "Houtmarkt 12, 7201 KL Zutphen"
IN_DEVENTER = "Brink 10, 7411 BT Deventer"
IN_AMSTERDAM = "Damrak 1, 1012 LG Amsterdam"


@pytest.mark.parametrize(
    ("before", "intended", "proposed"),
    [
        (IN_DEVENTER, IN_ZUTPHEN, "zutphen"),  # the intended address after detention first
        (IN_DEVENTER, None, "deventer"),  # else the last address before
        (IN_DEVENTER, IN_AMSTERDAM, None),  # an unknown postcode: no proposal
        (IN_DEVENTER, "Bij zijn zus", None),  # an intended address without a postcode
        ("Stationsstraat 3, 8101 BZ Raalte", "", "raalte"),
        ("Dorpsstraat 1, 8131AA Wijhe", None, "olst-wijhe"),
        ("Markt 1, 7241 AA Lochem", None, "lochem"),
        (None, None, None),
    ],
)
def test_the_proposal_follows_the_postcodes(before, intended, proposed):
    assert municipality.propose(before, intended) == proposed


def test_every_municipality_of_the_postcode_file_is_one_of_the_region(app, tenants):
    with app.app_context():
        slugs = set(db.session.scalars(select(Tenant.slug)))
    assert {slug for _low, _high, slug in municipality.postcode_ranges()} <= slugs
    assert {"deventer", "lochem", "olst-wijhe", "raalte", "zutphen"} == {
        slug for _low, _high, slug in municipality.postcode_ranges()
    }


def test_an_old_free_text_value_becomes_a_reference(app, tenants, in_tenant):
    with in_tenant(tenants["deventer"]):
        assert municipality.resolve("Zutphen") == ("zutphen", None)
        assert municipality.resolve(" olst-wijhe ") == ("olst-wijhe", None)
        assert municipality.resolve("Utrecht") == ("outside", "Utrecht")
        assert municipality.resolve("") == (None, None)


@pytest.fixture
def send(app, tenants, in_tenant):
    with in_tenant(tenants["deventer"]):
        token = tokens.issue_token(tenants["deventer"].id)
        db.session.commit()

    def post(**fields):
        document = {
            "given_name": "Karin",
            "family_name": "Bosman",
            "date_of_birth": "1988-04-12",
            "bsn": new_bsn(),
            "facility": "PI Zwolle",
            "detention_start": (TODAY - timedelta(days=10)).isoformat(),
            "expected_release": (TODAY + timedelta(days=50)).isoformat(),
            **fields,
        }
        response = app.test_client().post(
            API, json=document, headers={"Authorization": f"Bearer {token}"}
        )
        assert response.status_code in (200, 201), response.get_data(as_text=True)
        return response.json

    return post


def test_a_deventer_intake_for_zutphen_is_flagged_with_the_transfer_proposed(
    tenants, in_tenant, send, worker_client
):
    answer = send(address=IN_DEVENTER, intended_address=IN_ZUTPHEN)
    with in_tenant(tenants["deventer"]):
        case = db.session.get(Case, (tenants["deventer"].id, answer["case_id"]))
        client = case.client
        assert client.intended_address == IN_ZUTPHEN
        assert (client.responsible_tenant, client.responsible_confirmed_by) == ("zutphen", None)
        worker = UserFactory()
    browser = worker_client(worker)
    page = browser.get(f"/cases/{case.id}?open=transfer").get_data(as_text=True)
    assert 'data-testid="responsible-elsewhere"' in page
    assert "overdracht aan Zutphen wordt voorgesteld" in page
    assert "voorgesteld, nog niet bevestigd" in page
    transfer_form = page.split('id="transfer"', 1)[1]
    assert f'value="{tenants["zutphen"].id}" selected' in transfer_form  # proposed
    listing = browser.get("/cases/").get_data(as_text=True)
    assert 'data-testid="flag-transfer"' in listing


def test_the_case_worker_confirms_and_a_later_document_does_not_overrule_it(
    tenants, in_tenant, send, worker_client
):
    bsn = new_bsn()
    answer = send(bsn=bsn, address=IN_DEVENTER, message_id="m1")
    with in_tenant(tenants["deventer"]):
        case = db.session.get(Case, (tenants["deventer"].id, answer["case_id"]))
        assert case.client.responsible_tenant == "deventer"
        version = case.client.version
        worker = UserFactory(display_name="Fleur Casemanager")
    browser = worker_client(worker)
    without_name = browser.post(
        f"/cases/{case.id}/responsible",
        data={"responsible_tenant": "outside", "client_version": version},
    )
    assert without_name.status_code == 422
    assert "Noem de gemeente buiten de regio." in without_name.get_data(as_text=True)
    confirmed = browser.post(
        f"/cases/{case.id}/responsible",
        data={
            "responsible_tenant": "outside",
            "responsible_outside_name": "Utrecht",
            "client_version": version,
        },
    )
    assert confirmed.status_code == 302
    send(bsn=bsn, address=IN_DEVENTER, intended_address=IN_ZUTPHEN, message_id="m2")
    with in_tenant(tenants["deventer"]):
        client = db.session.get(Client, (tenants["deventer"].id, case.client_id))
        assert (client.responsible_tenant, client.responsible_outside_name) == (
            "outside",
            "Utrecht",
        )
        assert client.responsible_confirmed_by == "Fleur Casemanager"
        assert client.responsible_confirmed_at is not None
    page = browser.get(f"/cases/{case.id}").get_data(as_text=True)
    assert 'data-testid="responsible-outside"' in page
    assert "bevestigd door Fleur Casemanager" in page
    assert 'data-testid="flag-outside"' in browser.get("/cases/").get_data(as_text=True)


def test_a_case_outside_the_region_is_closed_as_moved_out_with_a_hand_off_note(
    tenants, in_tenant, make_case, worker_client
):
    case = make_case(tenants["lochem"], client={"responsible_tenant": "outside"})
    with in_tenant(tenants["lochem"]):
        worker = worker_client(UserFactory())
        version = db.session.get(Case, (case.tenant_id, case.id)).version
    without_note = worker.post(
        f"/cases/{case.id}/phase",
        data={"phase": "closed", "outcome": "moved_out", "version": version},
    )
    assert without_note.status_code == 422
    assert "Schrijf de overdrachtsnotitie" in without_note.get_data(as_text=True)
    closed = worker.post(
        f"/cases/{case.id}/phase",
        data={
            "phase": "closed",
            "outcome": "moved_out",
            "reason": "Overgedragen aan het wijkteam Utrecht-Oost (mw. De Vries)",
            "version": version,
        },
    )
    assert closed.status_code == 302
    with in_tenant(tenants["lochem"]):
        saved = db.session.get(Case, (case.tenant_id, case.id))
        assert (saved.phase, saved.close_outcome) == ("closed", "moved_out")
        assert saved.closed_reason.startswith("Overgedragen aan het wijkteam")
