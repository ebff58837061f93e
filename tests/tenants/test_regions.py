"""Regions are data: a region groups municipalities with one centre, and the regional
read of a centre reaches its own region only, in the ORM (layer 1) and in PostgreSQL's
row-level security (layer 2). Two regions side by side: Deventer's five and the
Achterhoek (centre Doetinchem, with Bredevoort), both made by ``flask tenants add``."""

from __future__ import annotations

import psycopg
import pytest
from sqlalchemy import select

from app.cases.models import Client
from app.core.permissions import Role
from app.core.tenancy import regional_read
from app.extensions import db
from app.tenants.models import Tenant
from tests.conftest import DATABASE_URL
from tests.factories import CaseFactory, UserFactory
from tests.regional.test_regional_overview import overview_tables
from tests.tenants.test_lifecycle import _remove_extra_tenants, tenant


@pytest.fixture
def cli(app):
    runner = app.test_cli_runner()

    def run(*args):
        return runner.invoke(args=["tenants", *args])

    yield run
    _remove_extra_tenants(app)


@pytest.fixture
def achterhoek(app, cli, tenants, in_tenant):
    """A second region by the onboarding command, and one client in each of four
    municipalities of the two regions."""
    assert (
        cli("add", "doetinchem", "Doetinchem", "--centre", "--region", "achterhoek").exit_code == 0
    )
    added = cli("add", "bredevoort", "Bredevoort", "--region", "achterhoek")
    assert added.exit_code == 0, added.output
    found = {slug: tenant(app, slug) for slug in ("doetinchem", "bredevoort")}
    found.update({slug: tenants[slug] for slug in ("deventer", "zutphen")})
    for slug, row in found.items():
        with in_tenant(row):
            CaseFactory(client__family_name=f"Uit{slug}")
    return found


def names_seen_in_regional_read(in_tenant, row) -> set[str]:
    with in_tenant(row), regional_read(db.session, actor="test", purpose="region check"):
        return set(db.session.scalars(select(Client.family_name)))


def test_a_centre_founds_its_region_and_a_member_joins_it(achterhoek):
    assert achterhoek["doetinchem"].region == "achterhoek"
    assert achterhoek["doetinchem"].is_centre
    assert achterhoek["bredevoort"].region == "achterhoek"
    assert not achterhoek["bredevoort"].is_centre
    assert achterhoek["deventer"].region == "deventer"


def test_with_two_regions_a_municipality_must_name_its_region(app, cli, achterhoek):
    result = cli("add", "winterswijk", "Winterswijk")
    assert result.exit_code != 0 and "--region" in result.output
    assert tenant(app, "winterswijk") is None
    second = cli("add", "aalten", "Aalten", "--centre", "--region", "achterhoek")
    assert second.exit_code != 0 and "doetinchem is already the centre" in second.output
    joined = cli("add", "winterswijk", "Winterswijk", "--region", "achterhoek")
    assert joined.exit_code == 0, joined.output
    again = cli("add", "winterswijk", "Winterswijk", "--region", "deventer")
    assert again.exit_code != 0 and "region is achterhoek" in again.output


def test_the_regional_read_of_a_centre_reaches_its_own_region_only(achterhoek, in_tenant):
    """Layer 1 (the ORM criterion), on SQLite and PostgreSQL alike."""
    assert names_seen_in_regional_read(in_tenant, achterhoek["doetinchem"]) == {
        "Uitdoetinchem",
        "Uitbredevoort",
    }
    assert names_seen_in_regional_read(in_tenant, achterhoek["deventer"]) == {
        "Uitdeventer",
        "Uitzutphen",
    }
    # A municipality that is no centre reads only itself, regional read or not.
    assert names_seen_in_regional_read(in_tenant, achterhoek["bredevoort"]) == {"Uitbredevoort"}


@pytest.mark.postgres
def test_row_level_security_follows_the_region(achterhoek):
    """Layer 2: whatever SQL the portal role sends, the regional switch of a centre
    shows its region's rows and no others."""

    def seen(slug: str, regional: bool) -> set[str]:
        url = DATABASE_URL.replace("postgresql+psycopg://", "postgresql://")
        with psycopg.connect(url) as connection, connection.cursor() as cursor:
            cursor.execute(
                "SELECT set_config('app.tenant_id', %s, true),"
                " set_config('app.regional_read', %s, true)",
                (str(achterhoek[slug].id), "on" if regional else ""),
            )
            cursor.execute("SELECT family_name FROM clients")
            return {name for (name,) in cursor.fetchall()}

    assert seen("doetinchem", True) == {"Uitdoetinchem", "Uitbredevoort"}
    assert seen("deventer", True) == {"Uitdeventer", "Uitzutphen"}
    assert seen("bredevoort", True) == {"Uitbredevoort"}
    assert seen("doetinchem", False) == {"Uitdoetinchem"}


def test_the_overview_of_a_centre_lists_its_region_only(achterhoek, in_tenant, sign_in):
    with in_tenant(achterhoek["doetinchem"]):
        coordinator = UserFactory(role=Role.REGIONAL_COORDINATOR.value)
    status, tables, _html = overview_tables(sign_in, coordinator)
    assert status == 200
    assert set(tables["regional-cases"]) == {"Gemeente", "Doetinchem", "Bredevoort", "Regio"}


def test_a_centre_with_others_in_its_region_cannot_leave_but_another_centre_can(
    app, cli, achterhoek, tmp_path
):
    doetinchem = tmp_path / "doetinchem"
    assert cli("export", "doetinchem", str(doetinchem)).exit_code == 0
    refused = cli("remove", "doetinchem", "--after-export", str(doetinchem), "--confirm")
    assert refused.exit_code != 0 and "centre of a region with 1 other" in refused.output
    bredevoort = tmp_path / "bredevoort"
    assert cli("export", "bredevoort", str(bredevoort)).exit_code == 0
    assert (
        cli("remove", "bredevoort", "--after-export", str(bredevoort), "--confirm").exit_code == 0
    )
    assert (
        cli("remove", "doetinchem", "--after-export", str(doetinchem), "--confirm").exit_code == 0
    )
    with app.app_context():
        assert db.session.scalar(select(Tenant.id).where(Tenant.region == "achterhoek")) is None
