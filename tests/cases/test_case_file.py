from __future__ import annotations

import html
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from app.cases import services
from app.cases.models import (
    Case,
    Client,
    MonitorMoment,
    StayKind,
    derive_stay,
)
from app.core.settings import set_setting
from app.extensions import db
from tests.factories import UserFactory


def test_stay_is_derived_from_the_remaining_sentence():
    start = date(2026, 1, 31)
    assert derive_stay(start, date(2026, 5, 30)) == StayKind.SHORT
    assert derive_stay(start, date(2026, 5, 31)) == StayKind.LONG  # four months exactly
    assert derive_stay(start, None) is None


def test_a_known_clients_new_detention_links_to_the_earlier_case(tenants, in_tenant, make_case):
    first = make_case(tenants["deventer"])
    with in_tenant(tenants["deventer"]):
        client = services.find_client_by_bsn(first.client.bsn)
        second = services.open_case(client, actor="t", detention_start=date.today())
        db.session.commit()
        assert second.previous_case_id == first.id
        assert db.session.scalar(select(db.func.count()).select_from(Client)) == 1
    # The same number in another municipality is another client there.
    with in_tenant(tenants["lochem"]):
        assert services.find_client_by_bsn(first.client.bsn) is None


def test_social_network_domain_follows_the_tenant_setting(tenants, in_tenant, make_case):
    without = make_case(tenants["olst-wijhe"])
    with in_tenant(tenants["olst-wijhe"]):
        set_setting("cases.social_network_domain", True)
        db.session.commit()
    with_it = make_case(tenants["olst-wijhe"])
    assert [d.domain for d in without.life_domains][-1] == "care"
    assert [d.domain for d in with_it.life_domains][-1] == "social_network"


def test_snapshots_fill_the_monitor_matrix_on_the_case_page(tenants, in_tenant, make_case, sign_in):
    case = make_case(tenants["deventer"])
    with in_tenant(tenants["deventer"]):
        case = db.session.get(Case, (case.tenant_id, case.id))
        housing = case.domain("housing")
        services.update_life_domain(
            housing,
            expected_version=housing.version,
            actor="t",
            status="not_arranged",
            need="Woning zoeken",
            notes=None,
        )
        services.take_snapshot(case, MonitorMoment.INTAKE, "t")
        housing.status = "arranged"
        case.actual_release = date.today()  # the release measurement needs a release
        services.take_snapshot(case, MonitorMoment.RELEASE, "t")
        db.session.commit()
        worker = UserFactory()
    page = sign_in(worker).get(f"/cases/{case.id}").get_data(as_text=True)
    row = page.split('data-testid="domain-housing"')[1].split("</tr>")[0]
    assert (
        'data-testid="snapshot-intake"><span class="portal-status portal-status--not_arranged"'
        in row
    )
    assert (
        'data-testid="snapshot-release"><span class="portal-status portal-status--arranged"' in row
    )
    assert 'data-testid="snapshot-six_months">—' in row
    assert "Woning zoeken" in row


def test_full_bsn_only_on_request_for_case_workers(tenants, in_tenant, make_case, sign_in):
    case = make_case(tenants["raalte"])
    with in_tenant(tenants["raalte"]):
        worker = UserFactory()
        coordinator = UserFactory(role="regional_coordinator")
    client = sign_in(worker)
    assert case.client.bsn not in client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert case.client.bsn in client.get(f"/cases/{case.id}/bsn").get_data(as_text=True)
    assert sign_in(coordinator).get(f"/cases/{case.id}/bsn").status_code == 403


def test_details_edit_moves_release_and_records_the_timeline(
    tenants, in_tenant, make_case, worker_client
):
    case = make_case(tenants["zutphen"], plan=True)
    with in_tenant(tenants["zutphen"]):
        worker = UserFactory()
    new_release = case.expected_release + timedelta(days=7)
    response = worker_client(worker).post(
        f"/cases/{case.id}/details",
        data={
            "version": case.version,
            "facility": "PI Almelo",
            "detention_start": case.detention_start.isoformat(),
            "expected_release": new_release.isoformat(),
            "prolific_offender": "1",
            "case_worker_id": str(worker.id),
            "intended_address": "Brink 10, 7411 BT Deventer",
            "client_version": case.client.version,
        },
    )
    assert response.status_code == 302
    with in_tenant(tenants["zutphen"]):
        saved = db.session.get(Case, (case.tenant_id, case.id))
        assert saved.facility == "PI Almelo" and saved.prolific_offender
        assert saved.expected_release == new_release and saved.case_worker_id == worker.id
        assert saved.client.intended_address == "Brink 10, 7411 BT Deventer"
        from app.cases.timeline import entries_for

        kinds = [e.kind for e in entries_for(case.id)]
    assert "release_moved" in kinds and "case_updated" in kinds and "client_updated" in kinds


def test_six_month_snapshots_are_taken_once_when_due(tenants, in_tenant, make_case):
    today = date.today()
    due = make_case(
        tenants["deventer"],
        detention_start=today - timedelta(days=300),
        expected_release=today - timedelta(days=190),
        actual_release=today - timedelta(days=190),
    )
    make_case(
        tenants["deventer"],
        detention_start=today - timedelta(days=100),
        expected_release=today - timedelta(days=30),
        actual_release=today - timedelta(days=30),
    )
    # Released years ago, or closed: today's status is not their six-month value.
    long_ago = make_case(
        tenants["deventer"],
        detention_start=today - timedelta(days=1400),
        expected_release=today - timedelta(days=1100),
        actual_release=today - timedelta(days=1100),
    )
    closed = make_case(
        tenants["deventer"],
        detention_start=today - timedelta(days=300),
        expected_release=today - timedelta(days=190),
        actual_release=today - timedelta(days=190),
        phase="closed",
    )
    with in_tenant(tenants["deventer"]):
        assert services.take_due_six_month_snapshots(today) == 1
        db.session.commit()
        assert services.take_due_six_month_snapshots(today) == 0
        case = db.session.get(Case, (due.tenant_id, due.id))
        assert {s.moment for s in case.snapshots} == {"six_months"}
        for untouched in (long_ago, closed):
            assert db.session.get(Case, (untouched.tenant_id, untouched.id)).snapshots == []


def test_the_daily_plan_takes_the_six_month_snapshot_once(
    app, tenants, in_tenant, make_case, monkeypatch
):
    from app.cases.timeline import entries_for
    from app.jobs.schedule import plan_day

    monkeypatch.setitem(app.config, "REDIS_URL", None)  # the plan's jobs run inline
    today = date.today()
    due = make_case(
        tenants["olst-wijhe"],
        detention_start=today - timedelta(days=300),
        expected_release=today - timedelta(days=190),
        actual_release=today - timedelta(days=190),
    )
    with app.app_context():
        plan_day(today)
        plan_day(today)
    with in_tenant(tenants["olst-wijhe"]):
        case = db.session.get(Case, (due.tenant_id, due.id))
        taken = sorted((s.domain, s.moment) for s in case.snapshots)
        domains = [d.domain for d in case.life_domains]
        events = [e for e in entries_for(case.id) if e.kind == "snapshot"]
    assert taken == sorted((domain, "six_months") for domain in domains)
    assert len(events) == 1


def test_a_recorded_monitor_moment_is_not_taken_again(tenants, in_tenant, make_case, worker_client):
    from app.cases.models import DomainSnapshot
    from app.cases.timeline import entries_for

    case = make_case(tenants["lochem"])
    with in_tenant(tenants["lochem"]):
        worker = UserFactory()
    client = worker_client(worker)
    assert client.post(f"/cases/{case.id}/snapshots/intake").status_code == 302
    with in_tenant(tenants["lochem"]):
        loaded = db.session.get(Case, (case.tenant_id, case.id))
        housing = loaded.domain("housing")
        services.update_life_domain(
            housing, expected_version=None, actor="t", status="arranged", need=None, notes=None
        )
        db.session.commit()

    again = client.post(f"/cases/{case.id}/snapshots/intake")
    body = html.unescape(again.get_data(as_text=True))
    assert again.status_code == 422
    assert "Bij intake' is al vastgelegd en kan niet opnieuw worden gedaan." in body
    # No button for a recorded moment; the others are still offered.
    assert f'action="/cases/{case.id}/snapshots/intake"' not in body
    assert f'action="/cases/{case.id}/snapshots/release"' in body
    with in_tenant(tenants["lochem"]):
        intake = db.session.scalars(
            select(DomainSnapshot).where(
                DomainSnapshot.case_id == case.id, DomainSnapshot.moment == "intake"
            )
        ).all()
        events = [e for e in entries_for(case.id) if e.kind == "snapshot"]
    assert {s.domain: s.status for s in intake}["housing"] == "unknown"  # the value at intake
    assert len(intake) == len(loaded.life_domains) and len(events) == 1


def test_the_release_measurement_waits_for_the_release_and_is_taken_once(
    tenants, in_tenant, make_case
):
    from app.cases import release
    from app.cases.errors import CaseError

    case = make_case(tenants["raalte"])
    with in_tenant(tenants["raalte"]):
        loaded = db.session.get(Case, (case.tenant_id, case.id))
        with pytest.raises(CaseError):  # no release yet
            services.take_snapshot(loaded, MonitorMoment.RELEASE, "t")
        release.record_release(loaded, date.today(), "t")
        db.session.commit()
        first = {s.id for s in loaded.snapshots if s.moment == "release"}
        assert loaded.actual_release == date.today() and first
        with pytest.raises(CaseError):  # taken once
            services.take_snapshot(loaded, MonitorMoment.RELEASE, "t")
        assert {s.id for s in loaded.snapshots if s.moment == "release"} == first


def test_two_clicks_at_once_on_a_measurement_get_one_refusal_not_an_error(
    tenants, in_tenant, make_case, worker_client, monkeypatch
):
    case = make_case(tenants["raalte"])
    with in_tenant(tenants["raalte"]):
        worker = UserFactory()
    client = worker_client(worker)
    assert client.post(f"/cases/{case.id}/snapshots/intake").status_code == 302
    # The second click checked before the first had committed: it did not see the first.
    real_has_snapshot = services.has_snapshot
    first_look = [False]

    def has_snapshot_racing(*args):
        return first_look.pop() if first_look else real_has_snapshot(*args)

    monkeypatch.setattr(services, "has_snapshot", has_snapshot_racing)
    second = client.post(f"/cases/{case.id}/snapshots/intake")
    assert second.status_code == 422
    assert "al vastgelegd" in second.get_data(as_text=True)


# --- input the forms refuse, with a message next to the field -----------------------------


def details(case, **changes) -> dict:
    return {
        "version": str(case.version),
        "facility": case.facility,
        "detention_start": case.detention_start.isoformat(),
        "expected_release": case.expected_release.isoformat(),
        **changes,
    }


def field_message(body: str, form: str, name: str) -> str:
    """The message tied to the field (aria-describedby), as a screen reader finds it."""
    assert f'name="{name}" aria-invalid="true" aria-describedby="{form}-error-{name}"' in body
    start = body.index(f'id="{form}-error-{name}"')
    return html.unescape(body[start : body.index("</p>", start)])


def test_an_over_long_facility_is_refused_not_cut(tenants, in_tenant, make_case, worker_client):
    case = make_case(tenants["deventer"])
    with in_tenant(tenants["deventer"]):
        user = UserFactory()
    client = worker_client(user)
    refused = client.post(f"/cases/{case.id}/details", data=details(case, facility="F" * 300))
    body = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert "Gebruik ten hoogste 200 tekens (nu 300)" in field_message(body, "details", "facility")
    assert 'value="' + "F" * 300 + '"' in body  # the input stays, to shorten it
    with in_tenant(tenants["deventer"]):
        assert db.session.get(Case, (case.tenant_id, case.id)).facility == "PI Zwolle"
    saved = client.post(f"/cases/{case.id}/details", data=details(case, facility="F" * 200))
    assert saved.status_code == 302
    with in_tenant(tenants["deventer"]):
        assert db.session.get(Case, (case.tenant_id, case.id)).facility == "F" * 200


def test_implausible_or_malformed_release_dates_are_refused(
    tenants, in_tenant, make_case, worker_client
):
    case = make_case(tenants["lochem"], plan=True)
    with in_tenant(tenants["lochem"]):
        user = UserFactory()
    client = worker_client(user)
    for value, message in (
        ("9999-12-31", "Vul een datum in tussen 1900 en 2100."),
        ("0001-01-01", "Vul een datum in tussen 1900 en 2100."),
        ("1980-W01-1", "Vul een datum in als JJJJ-MM-DD."),
        ("2026-02-30", "Deze datum bestaat niet."),
    ):
        refused = client.post(
            f"/cases/{case.id}/details", data=details(case, expected_release=value)
        )
        assert refused.status_code == 422, value
        body = refused.get_data(as_text=True)
        assert message in field_message(body, "details", "expected_release"), value
        released = client.post(
            f"/cases/{case.id}/release", data={"version": case.version, "released_on": value}
        )
        assert released.status_code == 422, value
        assert message in field_message(released.get_data(as_text=True), "release", "released_on")
    with in_tenant(tenants["lochem"]):
        saved = db.session.get(Case, (case.tenant_id, case.id))
        assert (saved.expected_release, saved.actual_release) == (case.expected_release, None)


def test_a_trajectory_cost_beyond_the_column_is_a_dutch_message(
    tenants, in_tenant, make_case, worker_client
):
    case = make_case(tenants["raalte"])
    with in_tenant(tenants["raalte"]):
        user = UserFactory()
    client = worker_client(user)
    form = {"start_date": date.today().isoformat(), "cost_euros": "30000000"}
    refused = client.post(f"/cases/{case.id}/trajectories", data=form)
    assert refused.status_code == 422
    message = field_message(refused.get_data(as_text=True), "trajectory", "cost_euros")
    assert "Vul een getal in van 0 tot en met 21.474.836" in message
    client.post(  # a sharing basis with the care director, which the hand-over needs
        f"/cases/{case.id}/consents",
        data={"domain": "income", "basis": "statutory", "effective_on": date.today().isoformat()},
    )
    saved = client.post(f"/cases/{case.id}/trajectories", data={**form, "cost_euros": "21474836"})
    assert saved.status_code == 302
