"""The access log: written per access, append-only, readable per client and per employee."""

from __future__ import annotations

from datetime import timedelta

import psycopg
import pytest
from freezegun import freeze_time
from sqlalchemy import select

from app.audit.models import AccessAction, AccessLogEntry
from app.audit.services import record_access
from app.core.db import utcnow
from app.core.permissions import Role
from app.extensions import db
from tests.conftest import DATABASE_URL
from tests.factories import ClientFactory, UserFactory


@pytest.fixture
def zutphen(tenants, in_tenant):
    with in_tenant(tenants["zutphen"]):
        client = ClientFactory(family_name="Zutphenaar")
        worker = UserFactory(display_name="Carla Casemanager")
        admin = UserFactory(role=Role.TENANT_ADMIN.value)
        officer = UserFactory(role=Role.PRIVACY_OFFICER.value)
    return {"client": client, "worker": worker, "admin": admin, "officer": officer}


def access_zutphen_client(actor, zutphen, tenants, action: AccessAction) -> None:
    record_access(
        actor,
        tenant_id=tenants["zutphen"].id,
        client_id=zutphen["client"].id,
        object_type="case",
        object_id="c-1",
        action=action,
    )


def entries(in_tenant, tenant):
    with in_tenant(tenant):
        return db.session.scalars(select(AccessLogEntry).order_by(AccessLogEntry.occurred_at)).all()


def test_an_access_writes_one_row_with_who_what_when_and_where(app, zutphen, tenants, in_tenant):
    with app.test_request_context(environ_base={"REMOTE_ADDR": "10.1.2.3"}):
        access_zutphen_client(zutphen["worker"], zutphen, tenants, AccessAction.READ)
    (entry,) = entries(in_tenant, tenants["zutphen"])
    assert (entry.user_id, entry.user_name, entry.role) == (
        zutphen["worker"].id,
        "Carla Casemanager",
        "case_worker",
    )
    assert (entry.client_id, entry.object_type, entry.action, entry.result) == (
        zutphen["client"].id,
        "case",
        "read",
        "granted",
    )
    assert entry.origin == "10.1.2.3" and entry.occurred_at is not None


def test_a_regional_access_is_logged_at_the_clients_municipality(app, zutphen, tenants, in_tenant):
    with in_tenant(tenants["deventer"]):
        coordinator = UserFactory(role=Role.REGIONAL_COORDINATOR.value)
    with app.test_request_context():
        access_zutphen_client(coordinator, zutphen, tenants, AccessAction.READ)
    (entry,) = entries(in_tenant, tenants["zutphen"])
    assert entry.actor_tenant_id == tenants["deventer"].id
    assert entries(in_tenant, tenants["deventer"]) == []


@pytest.mark.postgres
def test_the_portal_role_cannot_change_or_remove_log_rows(app, zutphen, tenants):
    with app.test_request_context():
        access_zutphen_client(zutphen["worker"], zutphen, tenants, AccessAction.READ)
    url = DATABASE_URL.replace("postgresql+psycopg://", "postgresql://")
    for statement in ("UPDATE access_log SET user_name = 'niemand'", "DELETE FROM access_log"):
        with psycopg.connect(url) as connection, connection.cursor() as cursor:
            cursor.execute(
                "SELECT set_config('app.tenant_id', %s, true)", (str(tenants["zutphen"].id),)
            )
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                cursor.execute(statement)


def test_who_accessed_this_file_for_the_admin_with_a_period(
    app, zutphen, tenants, in_tenant, sign_in
):
    start = utcnow() - timedelta(days=10)
    with app.test_request_context(), freeze_time(start):
        access_zutphen_client(zutphen["worker"], zutphen, tenants, AccessAction.EXPORT)
    client_id = zutphen["client"].id
    for viewer in (zutphen["admin"], zutphen["officer"]):
        page = sign_in(viewer).get(f"/privacy/clients/{client_id}").get_data(as_text=True)
        assert "Wie heeft het dossier van" in page
        assert "Carla Casemanager" in page and "Geëxporteerd" in page
    later = (utcnow() - timedelta(days=2)).date().isoformat()
    filtered = sign_in(zutphen["admin"]).get(f"/privacy/clients/{client_id}?van={later}")
    assert "Geëxporteerd" not in filtered.get_data(as_text=True)
    actions = [(e.object_type, e.action) for e in entries(in_tenant, tenants["zutphen"])]
    assert ("access_report", "read") in actions  # reading the log is logged too


def test_the_employee_view_lists_what_someone_accessed(app, zutphen, tenants, sign_in):
    with app.test_request_context():
        access_zutphen_client(zutphen["worker"], zutphen, tenants, AccessAction.SEARCH)
    page = sign_in(zutphen["officer"]).get(f"/privacy/employees/{zutphen['worker'].id}")
    assert page.status_code == 200
    assert "Gezocht" in page.get_data(as_text=True)


def test_case_workers_cannot_read_the_log_and_other_municipalities_get_404(
    app, zutphen, tenants, in_tenant, sign_in
):
    client_id = zutphen["client"].id
    assert sign_in(zutphen["worker"]).get(f"/privacy/clients/{client_id}").status_code == 403
    with in_tenant(tenants["raalte"]):
        raalte_admin = UserFactory(role=Role.TENANT_ADMIN.value)
    assert sign_in(raalte_admin).get(f"/privacy/clients/{client_id}").status_code == 404
    assert (
        sign_in(raalte_admin).get(f"/privacy/employees/{zutphen['worker'].id}").status_code == 404
    )
