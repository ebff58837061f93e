"""Client data read, searched, exported or revealed through the case pages is logged once each."""

from __future__ import annotations

from sqlalchemy import select

from app.audit.models import AccessLogEntry
from app.auth.models import SecurityEvent
from app.extensions import db
from tests.factories import CaseFactory, UserFactory


def log_rows(in_tenant, tenant):
    with in_tenant(tenant):
        return db.session.scalars(select(AccessLogEntry)).all()


def test_a_case_page_view_writes_exactly_one_row_with_the_right_fields(
    app, tenants, in_tenant, sign_in
):
    with in_tenant(tenants["deventer"]):
        case = CaseFactory()
        worker = UserFactory(display_name="Karin Casemanager")
    client = sign_in(worker)
    assert client.get(f"/cases/{case.id}").status_code == 200
    (row,) = log_rows(in_tenant, tenants["deventer"])
    assert (row.user_id, row.user_name, row.role, row.actor_tenant_id) == (
        worker.id,
        "Karin Casemanager",
        "case_worker",
        tenants["deventer"].id,
    )
    assert (row.client_id, row.object_type, row.object_id) == (case.client_id, "case", str(case.id))
    assert (row.action, row.result, row.origin) == ("read", "granted", "127.0.0.1")


def test_another_municipalitys_case_is_404_logged_as_refused_and_not_as_access(
    app, tenants, in_tenant, sign_in
):
    with in_tenant(tenants["zutphen"]):
        foreign = CaseFactory()
    with in_tenant(tenants["deventer"]):
        worker = UserFactory()
    assert sign_in(worker).get(f"/cases/{foreign.id}").status_code == 404
    assert log_rows(in_tenant, tenants["zutphen"]) == []
    assert log_rows(in_tenant, tenants["deventer"]) == []
    with in_tenant(tenants["deventer"]):
        refused = db.session.scalars(
            select(SecurityEvent).where(SecurityEvent.event == "access_refused")
        ).one()
    assert refused.result == "case" and refused.detail == str(foreign.id)


def test_the_case_list_is_one_search_row(app, tenants, in_tenant, sign_in):
    with in_tenant(tenants["raalte"]):
        CaseFactory.create_batch(3)
        worker = UserFactory()
    assert sign_in(worker).get("/cases/?q=jan").status_code == 200
    (row,) = log_rows(in_tenant, tenants["raalte"])
    assert (row.action, row.object_type, row.client_id) == ("search", "case_list", None)
    assert row.detail == "3 results" or row.detail.endswith("results")


def test_a_csv_export_logs_each_client_whose_data_left(app, tenants, in_tenant, sign_in):
    with in_tenant(tenants["lochem"]):
        cases = CaseFactory.create_batch(2)
        worker = UserFactory()
    response = sign_in(worker).get("/cases/export.csv")
    assert response.status_code == 200
    rows = log_rows(in_tenant, tenants["lochem"])
    assert sorted((r.client_id, r.action) for r in rows) == sorted(
        (c.client_id, "export") for c in cases
    )


def test_revealing_the_citizen_number_is_logged(app, tenants, in_tenant, sign_in):
    with in_tenant(tenants["lochem"]):
        case = CaseFactory(client__bsn="111222333")
        worker = UserFactory()
    client = sign_in(worker)
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "111222333" not in page
    revealed = client.get(f"/cases/{case.id}/bsn").get_data(as_text=True)
    assert "111222333" in revealed
    actions = sorted(r.action for r in log_rows(in_tenant, tenants["lochem"]))
    assert actions == ["read", "reveal"]


def test_intake_by_a_person_is_logged_as_a_change(app, tenants, in_tenant, sign_in):
    from datetime import date, timedelta

    from tests.cases.conftest import new_bsn
    from tests.csrf import csrf_token

    with in_tenant(tenants["raalte"]):
        worker = UserFactory()
    client = sign_in(worker)
    token = csrf_token(client, "/cases/intake")
    response = client.post(
        "/cases/intake",
        data={
            "csrf_token": token,
            "given_name": "Ilse",
            "family_name": "Intake",
            "date_of_birth": "1990-02-03",
            "bsn": new_bsn(),
            "facility": "PI Zwolle",
            "detention_start": (date.today() - timedelta(days=5)).isoformat(),
            "expected_release": (date.today() + timedelta(days=40)).isoformat(),
        },
    )
    assert response.status_code == 302
    (row,) = log_rows(in_tenant, tenants["raalte"])
    assert (row.action, row.object_type, row.user_id) == ("change", "intake", worker.id)
