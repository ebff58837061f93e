"""The route walk of tests/security/ with a municipality onboarded by ``flask tenants add``:
every role of the sixth municipality gets the matrix answer on every endpoint, and an
object of the sixth is 404 for the five, without its data (and the other way round)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.core.permissions import Role
from app.extensions import db
from app.lifecycle import onboarding as lifecycle
from app.tenants.models import Tenant
from tests.security import test_walk, walker

FIVE = {"deventer", "lochem", "olst-wijhe", "raalte", "zutphen"}


@pytest.fixture
def onboarded(app):
    result = app.test_cli_runner().invoke(args=["tenants", "add", "bathmen", "Bathmen"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        sixth = db.session.scalars(select(Tenant).where(Tenant.slug == "bathmen")).one()
        db.session.expunge(sixth)
    yield sixth
    with app.app_context():
        extra = db.session.scalars(select(Tenant.slug).where(Tenant.slug.not_in(FIVE))).all()
        db.session.remove()
    for slug in extra:
        with app.app_context():
            lifecycle.remove_tenant(slug, "0" * 64)


@pytest.fixture
def sixth_walk_world(app, tenants, onboarded, actor, monkeypatch):
    """Home is the sixth municipality; the regional coordinator's home stays the centre
    (a regional role elsewhere is refused by design), with the sixth as the other one."""
    monkeypatch.setitem(app.config, "REDIS_URL", None)
    if actor == Role.REGIONAL_COORDINATOR.value:
        home, away = tenants["deventer"], onboarded
    else:
        home, away = onboarded, tenants["deventer"]
    counter = walker.RowCounter(app, [home.id, away.id])
    yield home, away, counter
    counter.close()


# The roles whose answers differ by municipality; the full walk of every role is in
# tests/security/test_walk.py, and this one costs as much again per role.
SIXTH_ACTORS = (Role.CASE_WORKER.value, Role.TENANT_ADMIN.value, Role.REGIONAL_COORDINATOR.value)


@pytest.mark.parametrize("actor", SIXTH_ACTORS)
def test_the_walk_holds_for_an_onboarded_municipality(app, sixth_walk_world, sign_in, actor):
    test_walk.test_every_role_on_every_endpoint_gets_the_matrix_answer(
        app, sixth_walk_world, sign_in, actor
    )
