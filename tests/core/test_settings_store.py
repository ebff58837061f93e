"""The per-tenant settings store (app/core/settings.py): a feature registers a setting and
its value is kept, checked and shown without a migration of another package."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.core.actions import Refused
from app.core.registry import entries
from app.core.settings import (
    TenantSetting,
    get_setting,
    register_setting,
    set_setting,
    settings_version,
)
from app.extensions import db
from tests.factories import UserFactory
from tests.form_values import form_values
from tests.perf.statements import queries_captured

PAGE = "/cases/admin/settings"


@pytest.fixture
def pilot_setting(app) -> Iterator[str]:
    """A setting only the test suite registers (removed again afterwards)."""
    setting = register_setting(
        app,
        "pilot.meeting_weeks",
        int,
        3,
        _l("Setting"),
        minimum=1,
        maximum=12,
        group="pilot",
        group_label=_l("Value"),
    )
    yield setting.key
    entries("settings", app).remove(setting)
    app.extensions.pop("nazorg.settings_forms", None)


def admin_client(tenants, in_tenant, sign_in, slug="deventer"):
    with in_tenant(tenants[slug]):
        admin = UserFactory(role="tenant_admin")
    return sign_in(admin)


def test_a_registered_setting_is_on_the_page_and_stored_without_a_migration(
    tenants, in_tenant, sign_in, pilot_setting
):
    client = admin_client(tenants, in_tenant, sign_in)
    shown = form_values(client, PAGE)
    assert shown["meeting_weeks"] == "3"  # the default until saved
    saved = client.post(PAGE, data={**shown, "meeting_weeks": "5"})
    assert saved.status_code == 302
    with in_tenant(tenants["deventer"]):
        assert get_setting(pilot_setting) == 5
        stored = db.session.scalars(
            select(TenantSetting.value).where(TenantSetting.key == pilot_setting)
        ).one()
        assert stored == 5
    assert form_values(client, PAGE)["meeting_weeks"] == "5"


def test_a_value_out_of_bounds_is_refused_in_dutch_and_nothing_is_saved(
    app, tenants, in_tenant, sign_in, pilot_setting
):
    client = admin_client(tenants, in_tenant, sign_in)
    shown = form_values(client, PAGE)
    refused = client.post(PAGE, data={**shown, "meeting_weeks": "13"})
    assert refused.status_code == 422
    page = refused.get_data(as_text=True)
    assert "Vul een getal in van 1 tot en met 12" in page
    assert 'value="13"' in page  # the input is shown again, not lost
    with in_tenant(tenants["deventer"]):
        assert get_setting(pilot_setting) == 3
        with pytest.raises(Refused) as refusal:
            set_setting(pilot_setting, 0)
        assert refusal.value.field == "meeting_weeks"
        with app.test_request_context():
            assert str(refusal.value.message) == "Kies een getal van 1 tot en met 12."
        with pytest.raises(Refused):
            set_setting(pilot_setting, "5")
        db.session.rollback()


def test_the_values_of_one_municipality_stay_its_own(tenants, in_tenant, pilot_setting):
    with in_tenant(tenants["zutphen"]):
        set_setting(pilot_setting, 8)
        set_setting("cases.care_director_name", "Stichting Zutphen")
        db.session.commit()
    with in_tenant(tenants["raalte"]):
        assert get_setting(pilot_setting) == 3
        assert get_setting("cases.care_director_name") == "Regizorg BV"
        assert db.session.scalars(select(TenantSetting)).all() == []
    with in_tenant(tenants["zutphen"]):
        assert get_setting(pilot_setting) == 8


def test_a_save_on_an_older_version_of_the_page_is_a_conflict(
    tenants, in_tenant, sign_in, pilot_setting
):
    client = admin_client(tenants, in_tenant, sign_in)
    loaded = form_values(client, PAGE)
    assert client.post(PAGE, data={**loaded, "meeting_weeks": "4"}).status_code == 302
    stale = client.post(PAGE, data={**loaded, "meeting_weeks": "6"})
    assert stale.status_code == 409
    with in_tenant(tenants["deventer"]):
        assert get_setting(pilot_setting) == 4


def test_a_request_reads_the_settings_once(app, tenants, in_tenant):
    with in_tenant(tenants["lochem"]):
        with queries_captured(app) as statements:
            get_setting("cases.care_director_name")
            get_setting("retention.closed_case_years")
            settings_version()
        assert len([s for s in statements if "tenant_settings" in s]) == 1


def test_registering_a_key_twice_or_of_another_type_is_refused(app):
    with pytest.raises(ValueError):
        register_setting(app, "cases.care_director_name", str, "", _l("Setting"))
    with pytest.raises(ValueError):
        register_setting(app, "pilot.ratio", float, 0.5, _l("Setting"))
