"""A feature plugs in with one line: a package that exists only in the test suite
(tests/plugin_feature) is named in ``create_app(..., extra_features=...)`` and, without a
change to any other package, its daily job runs in the daily plan, its rows are destroyed
by the retention sweep with their case and appear labelled in the access request."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta

import pytest
from alembic.migration import MigrationContext
from alembic.operations import Operations
from flask import Flask, render_template
from freezegun import freeze_time
from sqlalchemy import create_engine, func, select

from app import create_app
from app.audit import retention
from app.audit.labels import table_label
from app.audit.subject_access import pdf_fields, subject_access_bundle
from app.cases import phases
from app.cases.models import Case, CasePhase, Client
from app.core import rls
from app.core.permissions import Role
from app.core.tenancy import regional_read
from app.extensions import db
from app.jobs.schedule import plan_day, reminders
from tests.conftest import MIGRATION_DATABASE_URL, USING_POSTGRES, _tenant_context, open_session_for
from tests.factories import CaseFactory, UserFactory
from tests.throwaway import forget_model

TODAY = date(2026, 11, 29)
FEATURE = "tests.plugin_feature"


def _create_table(app: Flask, table) -> None:
    with app.app_context():
        if not USING_POSTGRES:
            table.create(db.engine)
            return
        owner = create_engine(MIGRATION_DATABASE_URL)
        with (
            owner.begin() as connection,
            Operations.context(MigrationContext.configure(connection)),
        ):
            table.create(connection)
            rls.protect_tenant_table(table.name)
        owner.dispose()


def _drop_table(app: Flask, table) -> None:
    with app.app_context():
        engine = create_engine(MIGRATION_DATABASE_URL) if USING_POSTGRES else db.engine
        table.drop(engine)
        if USING_POSTGRES:
            engine.dispose()


@pytest.fixture(scope="module")
def feature(app) -> Iterator:
    # Imported here: defining its model adds a table to the shared metadata, which every
    # other test (the migration comparison among them) must not see.
    import tests.plugin_feature as feature

    _create_table(app, feature.CircleVisit.__table__)
    yield feature
    _drop_table(app, feature.CircleVisit.__table__)
    forget_model(feature.CircleVisit, FEATURE)


@pytest.fixture(scope="module")
def plugin_app(app, feature) -> Flask:
    same_database = {
        key: app.config[key]
        for key in ("SQLALCHEMY_DATABASE_URI", "MIGRATION_DATABASE_URI")
        if key in app.config
    }
    # The one line that registers the feature:
    return create_app("testing", same_database, extra_features=(FEATURE,))


def in_plugin_tenant(plugin_app, tenant):
    return _tenant_context(plugin_app, tenant.id)


def test_its_daily_job_runs_in_the_daily_plan_of_the_app_that_lists_it(
    app, plugin_app, feature, tenants, monkeypatch
):
    monkeypatch.setitem(plugin_app.config, "REDIS_URL", None)  # jobs run inline
    feature.ran.clear()
    with plugin_app.app_context():
        assert "plugin_circle_check" in reminders()
        plan_day(TODAY)
    assert sorted(feature.ran) == sorted((tenant.id, TODAY) for tenant in tenants.values())
    with app.app_context():
        assert "plugin_circle_check" not in reminders()  # an app without it never runs it


def _closed_case_with_visits(plugin_app, tenant, feature, closed_on: date):
    with freeze_time(closed_on), in_plugin_tenant(plugin_app, tenant):
        worker = UserFactory()
        case = CaseFactory(client__family_name="Bezoeker")
        db.session.flush()
        db.session.add_all(
            [
                feature.CircleVisit(
                    case_id=case.id, summary="Kring besproken", visited_on=closed_on
                ),
                feature.CircleVisit(case_id=case.id, summary="Tweede bezoek", visited_on=closed_on),
            ]
        )
        phases.change_phase(case, CasePhase.CLOSED, worker, "Nazorg afgerond")
        db.session.commit()
        return case


def test_its_rows_are_destroyed_by_the_retention_sweep_with_their_case(
    plugin_app, feature, tenants
):
    deventer = tenants["deventer"]
    case = _closed_case_with_visits(plugin_app, deventer, feature, TODAY - timedelta(days=3700))
    with in_plugin_tenant(plugin_app, deventer):
        [record] = retention.sweep(TODAY)
        db.session.commit()
        assert record.rule == "closed_case" and record.counts[feature.TABLE] == 2
        assert db.session.get(Case, (deventer.id, case.id)) is None
        remaining = select(func.count()).select_from(feature.CircleVisit)
        assert db.session.scalar(remaining) == 0


def test_its_rows_appear_labelled_in_the_access_request(plugin_app, feature, tenants):
    zutphen = tenants["zutphen"]
    case = _closed_case_with_visits(plugin_app, zutphen, feature, TODAY)
    with in_plugin_tenant(plugin_app, zutphen):
        officer = UserFactory(role=Role.PRIVACY_OFFICER.value)
        db.session.commit()
    client = plugin_app.test_client()
    with client.session_transaction() as session:
        session["sid"] = open_session_for(plugin_app, officer)
    response = client.get(f"/privacy/clients/{case.client_id}/inzage.json")
    assert response.status_code == 200
    rows = response.get_json()["records"][feature.TABLE]
    assert sorted(row["summary"] for row in rows) == ["Kring besproken", "Tweede bezoek"]
    with plugin_app.test_request_context(), in_plugin_tenant(plugin_app, zutphen):
        client_row = db.session.get(Client, (zutphen.id, case.client_id))
        bundle = subject_access_bundle(client_row)
        fields = pdf_fields(bundle["records"][feature.TABLE][0])
        assert table_label(feature.TABLE) == feature.TABLE_LABEL
        assert (feature.SUMMARY_LABEL, bundle["records"][feature.TABLE][0]["summary"]) in fields
        assert "case_id" not in dict(fields) and "Case" not in " ".join(dict(fields))
        html = render_template("audit/subject_access.html", bundle=bundle)
    assert feature.TABLE_LABEL in html and "Kring besproken" in html


def test_its_rows_move_with_a_transfer(plugin_app, feature, tenants):
    from app.cases.transfer import transfer_case

    lochem, raalte = tenants["lochem"], tenants["raalte"]
    case = _closed_case_with_visits(plugin_app, lochem, feature, TODAY)
    with in_plugin_tenant(plugin_app, lochem):
        phases.change_phase(db.session.get(Case, (lochem.id, case.id)), CasePhase.REOPENED, "t")
        worker = UserFactory()
        transfer_case(db.session.get(Case, (lochem.id, case.id)), raalte.id, worker, "Verhuisd")
    with in_plugin_tenant(plugin_app, raalte):
        moved = db.session.scalars(select(feature.CircleVisit.summary)).all()
    with in_plugin_tenant(plugin_app, lochem):
        left = db.session.scalars(select(feature.CircleVisit.summary)).all()
    assert sorted(moved) == ["Kring besproken", "Tweede bezoek"] and left == []


@pytest.mark.postgres
def test_its_rows_are_refused_to_the_regional_read(plugin_app, feature, tenants):
    _closed_case_with_visits(plugin_app, tenants["olst-wijhe"], feature, TODAY)
    deventer = in_plugin_tenant(plugin_app, tenants["deventer"])
    with deventer, regional_read(db.session, actor="test", purpose="plug-in test"):
        seen = db.session.scalar(select(func.count(feature.CircleVisit.id)))
    assert seen == 0
