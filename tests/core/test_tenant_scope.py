"""Layer 1: the ORM scope keeps every statement inside the session's tenant."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, func, insert, select, update

from app.cases.models import Case, Client, LifeDomain
from app.core.context import tenant_app_context
from app.core.tenancy import TenantViolation, bind_tenant, regional_read
from app.extensions import db
from tests.factories import CaseFactory, ClientFactory, LifeDomainFactory


@pytest.fixture
def two_tenants(tenants, in_tenant):
    """One case in Deventer (A) and one in Zutphen (B); returns their ids."""
    with in_tenant(tenants["deventer"]):
        case_a = CaseFactory(client__family_name="Deventenaar")
        LifeDomainFactory(case=case_a)
        ids_a = (case_a.id, case_a.client_id)
    with in_tenant(tenants["zutphen"]):
        case_b = CaseFactory(client__family_name="Zutphenaar")
        LifeDomainFactory(case=case_b)
        ids_b = (case_b.id, case_b.client_id)
    return {
        "a": tenants["deventer"],
        "b": tenants["zutphen"],
        "case_a": ids_a[0],
        "client_a": ids_a[1],
        "case_b": ids_b[0],
        "client_b": ids_b[1],
    }


def test_listing_sees_only_own_tenant(two_tenants, in_tenant):
    with in_tenant(two_tenants["a"]):
        names = db.session.scalars(select(Client.family_name)).all()
    assert names == ["Deventenaar"]


def test_fetching_another_tenants_row_by_id_finds_nothing(two_tenants, in_tenant):
    b = two_tenants["b"]
    with in_tenant(two_tenants["a"]):
        assert db.session.get(Client, (b.id, two_tenants["client_b"])) is None
        found = db.session.scalars(
            select(Client).where(Client.id == two_tenants["client_b"])
        ).one_or_none()
        assert found is None


def test_joins_and_relationships_stay_in_tenant(two_tenants, in_tenant):
    with in_tenant(two_tenants["a"]):
        joined = db.session.scalars(
            select(Case).join(Case.client).where(Client.family_name == "Zutphenaar")
        ).all()
        assert joined == []
        joined_domains = db.session.scalars(
            select(LifeDomain).join(LifeDomain.case).join(Case.client)
        ).all()
        assert {d.case.client.family_name for d in joined_domains} == {"Deventenaar"}
        client = db.session.scalars(select(Client)).one()
        assert [case.id for case in client.cases] == [two_tenants["case_a"]]


def test_counting_counts_only_own_tenant(two_tenants, in_tenant):
    with in_tenant(two_tenants["a"]):
        assert db.session.scalar(select(func.count()).select_from(Client)) == 1
        assert db.session.scalar(select(func.count(Case.id))) == 1


def test_bulk_update_and_delete_touch_only_own_tenant(two_tenants, in_tenant):
    with in_tenant(two_tenants["a"]):
        db.session.execute(update(Client).values(family_name="Gewijzigd"))
        db.session.execute(delete(LifeDomain))
        db.session.commit()
    with in_tenant(two_tenants["b"]):
        assert db.session.scalars(select(Client.family_name)).all() == ["Zutphenaar"]
        assert db.session.scalar(select(func.count()).select_from(LifeDomain)) == 1


def test_insert_with_another_tenants_id_is_refused(two_tenants, in_tenant):
    with in_tenant(two_tenants["a"]):
        intruder = Client(
            tenant_id=two_tenants["b"].id,
            given_name="X",
            family_name="Y",
            date_of_birth=ClientFactory.date_of_birth,
            bsn="111222333",
        )
        db.session.add(intruder)
        with pytest.raises(TenantViolation):
            db.session.flush()
        db.session.rollback()
    with in_tenant(two_tenants["b"]):
        assert db.session.scalar(select(func.count()).select_from(Client)) == 1


def test_bulk_statements_cannot_move_or_create_rows_in_another_tenant(two_tenants, in_tenant):
    """``update().values(tenant_id=B)`` and ``insert()`` skip the flush hook: the statement
    hook refuses a tenant_id other than the session's, whatever form the values take."""
    b = two_tenants["b"].id
    row = {
        "given_name": "X",
        "family_name": "Y",
        "date_of_birth": ClientFactory.date_of_birth,
        "bsn": "111222333",
    }
    attempts = [
        lambda: db.session.execute(update(Client).values(tenant_id=b)),
        lambda: db.session.execute(
            update(Client), [{"tenant_id": b, "id": two_tenants["client_a"]}]
        ),
        lambda: db.session.execute(insert(Client).values(tenant_id=b, **row)),
        lambda: db.session.execute(insert(Client), [{"tenant_id": b, **row}]),
        lambda: db.session.execute(insert(Client).values([{"tenant_id": b, **row}])),
        lambda: db.session.execute(insert(Client).values(**row)),  # no tenant at all
        # Core statements on the table, not the model, are checked the same way.
        lambda: db.session.execute(Client.__table__.update().values(tenant_id=b)),
        lambda: db.session.execute(Client.__table__.insert().values(tenant_id=b, **row)),
    ]
    for attempt in attempts:
        with in_tenant(two_tenants["a"]):
            with pytest.raises(TenantViolation):
                attempt()
            db.session.rollback()
    with in_tenant(two_tenants["b"]):
        assert db.session.scalars(select(Client.family_name)).all() == ["Zutphenaar"]
    with in_tenant(two_tenants["a"]):
        assert db.session.scalars(select(Client.family_name)).all() == ["Deventenaar"]
        # The session's own tenant is fine.
        db.session.execute(insert(Client).values(tenant_id=two_tenants["a"].id, **row))
        assert db.session.scalar(select(func.count()).select_from(Client)) == 2


def test_new_rows_are_stamped_with_the_session_tenant(tenants, in_tenant):
    with in_tenant(tenants["raalte"]):
        client = ClientFactory()
        assert client.tenant_id == tenants["raalte"].id


def test_no_tenant_in_context_reads_nothing_and_writes_nothing(two_tenants, app):
    with app.app_context():
        assert db.session.scalars(select(Client)).all() == []
        assert db.session.scalar(select(func.count()).select_from(Case)) == 0
        db.session.add(
            Client(
                given_name="X",
                family_name="Y",
                date_of_birth=ClientFactory.date_of_birth,
                bsn="111222333",
            )
        )
        with pytest.raises(TenantViolation):
            db.session.flush()
        db.session.rollback()


def test_a_session_cannot_switch_tenants(two_tenants, in_tenant):
    with in_tenant(two_tenants["a"]), pytest.raises(TenantViolation):
        bind_tenant(db.session, two_tenants["b"].id)


def test_regional_read_sees_all_tenants_but_cannot_write_them(two_tenants, in_tenant):
    with in_tenant(two_tenants["a"]):
        with regional_read(db.session, actor="test", purpose="regional figures"):
            names = set(db.session.scalars(select(Client.family_name)).all())
            foreign = db.session.scalars(
                select(Client).where(Client.family_name == "Zutphenaar")
            ).one()
        assert names == {"Deventenaar", "Zutphenaar"}
        assert set(db.session.scalars(select(Client.family_name)).all()) == {"Deventenaar"}
        foreign.family_name = "Overschreven"
        with pytest.raises(TenantViolation):
            db.session.flush()
        db.session.rollback()


def test_each_tenant_context_has_its_own_identity_map(two_tenants, app):
    with app.app_context():
        with tenant_app_context(two_tenants["a"].id):
            assert db.session.scalars(select(Client)).one().family_name == "Deventenaar"
        with tenant_app_context(two_tenants["b"].id):
            assert db.session.get(Client, (two_tenants["a"].id, two_tenants["client_a"])) is None
