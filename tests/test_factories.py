"""Every mapped model has a factory, and every factory makes a row the database keeps.

On PostgreSQL the row is written as the portal role under row-level security and
read back in a fresh session of the same municipality, so a factory that forgets a
required column, breaks a constraint or lands in the wrong tenant fails here.
"""

from __future__ import annotations

import inspect

import pytest
from factory.alchemy import SQLAlchemyModelFactory
from sqlalchemy import delete
from sqlalchemy import inspect as inspect_row

from app.core.db import TenantScoped
from app.extensions import db
from app.tenants.models import Tenant
from tests import factories

FACTORIES = sorted(
    (
        member
        for _, member in inspect.getmembers(factories, inspect.isclass)
        if issubclass(member, SQLAlchemyModelFactory) and not member._meta.abstract
    ),
    key=lambda member: member.__name__,
)


def test_every_mapped_model_has_a_factory(app):
    # The registry is complete only once the app has imported every blueprint's models.
    with app.app_context():
        mapped = {mapper.class_ for mapper in db.Model.registry.mappers}
    covered = {factory_class._meta.model for factory_class in FACTORIES}

    missing = sorted(model.__name__ for model in mapped - covered)
    assert not missing, f"no factory in tests/factories.py for: {', '.join(missing)}"


@pytest.fixture
def made_tenants_removed(app, tenants):
    """Tenants outlive the per-test cleanup, so a municipality made here is deleted here."""
    kept = [tenant.id for tenant in tenants.values()]
    yield
    with app.app_context(), factories.owner_session() as session, session.begin():
        session.execute(delete(Tenant).where(Tenant.id.not_in(kept)))


@pytest.mark.parametrize("factory_class", FACTORIES, ids=lambda f: f.__name__)
def test_every_factory_makes_a_row_that_reads_back(
    app, tenants, in_tenant, made_tenants_removed, factory_class
):
    model = factory_class._meta.model
    home = tenants["lochem"]

    def scope():
        return in_tenant(home) if issubclass(model, TenantScoped) else app.app_context()

    with scope():
        made = factory_class()
        key = inspect_row(made).identity

    # A new app context is a new session: the row comes from the database, not the
    # identity map, and on PostgreSQL through the tenant's row-level security.
    with scope():
        found = db.session.get(model, key)
        assert found is not None, f"{model.__name__} {key} was not written"
        if issubclass(model, TenantScoped):
            assert found.tenant_id == home.id
