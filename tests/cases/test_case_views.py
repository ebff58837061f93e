from __future__ import annotations

import logging

from tests.factories import CaseFactory, LifeDomainFactory, UserFactory


def test_case_worker_sees_own_tenants_cases_only(tenants, in_tenant, sign_in):
    with in_tenant(tenants["zutphen"]):
        CaseFactory(client__family_name="Zutphenaar")
    with in_tenant(tenants["deventer"]):
        CaseFactory(client__family_name="Deventenaar")
        worker = UserFactory()
    body = sign_in(worker).get("/cases/").get_data(as_text=True)
    assert "Deventenaar" in body
    assert "Zutphenaar" not in body
    assert "Deventer" in body  # the header names the municipality


def test_case_page_masks_the_bsn_and_shows_the_life_domains(tenants, in_tenant, sign_in):
    with in_tenant(tenants["deventer"]):
        case = CaseFactory(client__bsn="111222333")
        LifeDomainFactory(case=case, domain="housing", status="not_arranged")
        worker = UserFactory()
    body = sign_in(worker).get(f"/cases/{case.id}").get_data(as_text=True)
    assert "******333" in body
    assert "111222333" not in body
    assert "Huisvesting" in body and "Niet geregeld" in body


def test_another_tenants_case_is_404_and_logged(tenants, in_tenant, sign_in, caplog):
    with in_tenant(tenants["zutphen"]):
        foreign = CaseFactory(client__family_name="Zutphenaar")
    with in_tenant(tenants["deventer"]):
        worker = UserFactory()
    with caplog.at_level(logging.WARNING, logger="nazorg.security"):
        response = sign_in(worker).get(f"/cases/{foreign.id}")
    assert response.status_code == 404
    assert b"Zutphenaar" not in response.data
    assert any(getattr(r, "detail", None) == str(foreign.id) for r in caplog.records)


def test_htmx_request_gets_the_fragment_and_a_full_load_the_page(tenants, in_tenant, sign_in):
    with in_tenant(tenants["raalte"]):
        CaseFactory(client__family_name="Raaltenaar")
        worker = UserFactory()
    client = sign_in(worker)
    page = client.get("/cases/")
    fragment = client.get("/cases/", headers={"HX-Request": "true"})
    restore = client.get(
        "/cases/", headers={"HX-Request": "true", "HX-History-Restore-Request": "true"}
    )
    assert page.data.lstrip().startswith(b"<!doctype html>")
    assert b"<html" not in fragment.data and b"Raaltenaar" in fragment.data
    assert b"<html" in restore.data
    for response in (page, fragment, restore):
        assert "HX-Request" in response.headers["Vary"]


def test_a_form_error_on_the_case_page_is_tied_to_its_field(
    tenants, in_tenant, make_case, worker_client
):
    case = make_case(tenants["olst-wijhe"], plan=True)
    with in_tenant(tenants["olst-wijhe"]):
        worker = UserFactory()
    client = worker_client(worker)
    refused = client.post(
        f"/cases/{case.id}/tasks",
        data={"title": "Bellen", "domain": "housing", "due_date": "gisteren"},
    )
    body = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert 'name="due_date" aria-invalid="true" aria-describedby="task-error-due_date"' in body
    assert 'id="task-error-due_date"' in body
    assert 'name="title" aria-invalid' not in body
    release = client.post(f"/cases/{case.id}/release", data={"released_on": "morgen"})
    page = release.get_data(as_text=True)
    assert release.status_code == 422
    assert 'aria-describedby="release-error-released_on"' in page
    assert 'id="release-error-released_on"' in page


def test_the_timeline_speaks_dates_and_the_intake_channel_in_words(
    tenants, in_tenant, make_case, worker_client
):
    from datetime import date

    from app.cases import release, timeline
    from app.cases.models import Case
    from app.cases.timeline import EventKind
    from app.extensions import db

    case = make_case(tenants["zutphen"], expected_release=date(2027, 1, 12))
    with in_tenant(tenants["zutphen"]):
        worker = UserFactory()
        loaded = db.session.get(Case, (case.tenant_id, case.id))
        release.move_expected_release(loaded, date(2027, 2, 3), worker)
        timeline.record(case.id, EventKind.INTAKE, "API", source="api")
        db.session.commit()
    page = worker_client(worker).get(f"/cases/{case.id}?open=timeline").get_data(as_text=True)
    assert "van 12 januari 2027 naar 3 februari 2027" in page
    assert "2027-01-12" not in page
    assert "(Elektronische melding" in page and "(api)" not in page
