"""Issue 11, points 3 and 4: phases from the dates, the closing outcome, the monitor's
moments at their time, the correction of a release date and voided measurements."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from app.cases import phases, release, services
from app.cases.cohorts import read_cohort_figures, status_counts
from app.cases.errors import CaseError, InvalidTransition
from app.cases.models import (
    Case,
    CasePhase,
    DomainSnapshot,
    DomainStatus,
    MonitorMoment,
    PhaseChange,
)
from app.core.dates import add_months
from app.core.settings import set_setting
from app.extensions import db
from tests.factories import UserFactory

TODAY = date.today()


def _load(case):
    return db.session.get(Case, (case.tenant_id, case.id))


def _history(case_id):
    return db.session.scalars(
        select(PhaseChange).where(PhaseChange.case_id == case_id).order_by(PhaseChange.changed_at)
    ).all()


# --- point 3: phases from the dates ---------------------------------------------------------


def test_the_daily_plan_moves_phases_by_the_dates_with_the_cause(tenants, in_tenant, make_case):
    lochem = tenants["lochem"]
    detained = make_case(lochem, expected_release=TODAY + timedelta(weeks=10))
    preparing = make_case(lochem, expected_release=TODAY + timedelta(weeks=5))
    not_yet = make_case(
        lochem,
        detention_start=TODAY + timedelta(days=3),
        expected_release=TODAY + timedelta(weeks=20),
    )
    with in_tenant(lochem):
        assert phases.move_phases_by_dates(TODAY) == 2
        db.session.commit()
        assert phases.move_phases_by_dates(TODAY) == 0  # a second run moves nothing
        assert _load(detained).phase == CasePhase.IN_DETENTION.value
        assert _load(preparing).phase == CasePhase.RELEASE_PREPARATION.value
        assert _load(not_yet).phase == CasePhase.REGISTERED.value
        last = _history(preparing.id)[-1]
        assert last.actor_name == phases.DAILY_PLAN_ACTOR
        assert TODAY.isoformat() not in last.reason  # the cause names the release date
        assert (TODAY + timedelta(weeks=5)).isoformat() in last.reason
        # Five weeks later the detained case is within six weeks of its release.
        assert phases.move_phases_by_dates(TODAY + timedelta(weeks=5)) == 2
        assert _load(detained).phase == CasePhase.RELEASE_PREPARATION.value
        assert _load(not_yet).phase == CasePhase.IN_DETENTION.value


def test_the_preparation_weeks_are_a_municipality_setting(tenants, in_tenant, make_case):
    raalte = tenants["raalte"]
    case = make_case(raalte, expected_release=TODAY + timedelta(weeks=8))
    with in_tenant(raalte):
        phases.move_phases_by_dates(TODAY)
        assert _load(case).phase == CasePhase.IN_DETENTION.value
        set_setting("cases.release_preparation_weeks", 10)
        db.session.flush()
        phases.move_phases_by_dates(TODAY)
        assert _load(case).phase == CasePhase.RELEASE_PREPARATION.value


def test_a_postponed_release_goes_back_into_detention(tenants, in_tenant, make_case):
    zutphen = tenants["zutphen"]
    case = make_case(zutphen, expected_release=TODAY + timedelta(weeks=3))
    with in_tenant(zutphen):
        phases.move_phases_by_dates(TODAY)
        loaded = _load(case)
        assert loaded.phase == CasePhase.RELEASE_PREPARATION.value
        release.move_expected_release(loaded, TODAY + timedelta(weeks=12), "t")
        assert loaded.phase == CasePhase.IN_DETENTION.value
        assert "weken" not in (_history(case.id)[-1].reason or "")


def test_after_release_only_once_a_release_is_recorded(tenants, in_tenant, make_case):
    deventer = tenants["deventer"]
    case = make_case(deventer)
    with in_tenant(deventer):
        loaded = _load(case)
        with pytest.raises(InvalidTransition):
            phases.change_phase(loaded, CasePhase.AFTER_RELEASE, "t")
        release.record_release(loaded, TODAY, "t")
        assert loaded.phase == CasePhase.AFTER_RELEASE.value
        assert phases.move_phases_by_dates(TODAY) == 0


def test_closing_asks_an_outcome_from_the_list(tenants, in_tenant, make_case):
    olst = tenants["olst-wijhe"]
    first, second = make_case(olst), make_case(olst)
    with in_tenant(olst):
        one = _load(first)
        with pytest.raises(InvalidTransition):
            phases.change_phase(one, CasePhase.CLOSED, "t")
        with pytest.raises(InvalidTransition):
            phases.change_phase(one, CasePhase.CLOSED, "t", outcome="other")
        with pytest.raises(ValueError):
            phases.change_phase(one, CasePhase.CLOSED, "t", outcome="escaped")
        phases.change_phase(one, CasePhase.CLOSED, "t", outcome="back_in_detention")
        assert one.close_outcome == "back_in_detention" and one.closed_reason is None
        two = _load(second)
        phases.change_phase(two, CasePhase.CLOSED, "t", "Naar het buitenland", "other")
        assert (two.close_outcome, two.closed_reason) == ("other", "Naar het buitenland")
        phases.change_phase(two, CasePhase.REOPENED, "t")
        assert two.close_outcome is None


# --- point 4: the monitor's moments at their time --------------------------------------------


def _released(make_case, tenant, released_on):
    return make_case(
        tenant,
        detention_start=released_on - timedelta(days=120),
        expected_release=released_on,
        actual_release=released_on,
        phase=CasePhase.AFTER_RELEASE.value,
    )


def test_the_six_month_measurement_only_in_its_window(tenants, in_tenant, make_case):
    deventer = tenants["deventer"]
    released_on = TODAY - timedelta(days=30)
    case = _released(make_case, deventer, released_on)
    due = add_months(released_on, 6)
    with in_tenant(deventer):
        loaded = _load(case)
        for day in (released_on, due - timedelta(days=32), due + timedelta(days=32)):
            with pytest.raises(CaseError):
                services.take_snapshot(loaded, MonitorMoment.SIX_MONTHS, "t", today=day)
        assert not services.has_snapshot(loaded, MonitorMoment.SIX_MONTHS)
        services.take_snapshot(
            loaded, MonitorMoment.SIX_MONTHS, "t", today=due - timedelta(days=31)
        )
        assert services.has_snapshot(loaded, MonitorMoment.SIX_MONTHS)


def test_the_six_month_measurement_by_hand_is_refused_on_the_release_day(
    tenants, in_tenant, make_case, worker_client
):
    lochem = tenants["lochem"]
    case = _released(make_case, lochem, TODAY)
    with in_tenant(lochem):
        worker = UserFactory()
    response = worker_client(worker).post(f"/cases/{case.id}/snapshots/six_months")
    assert response.status_code == 422
    assert "zes maanden na vrijlating kan alleen van" in response.get_data(as_text=True)
    with in_tenant(lochem):
        assert db.session.scalars(select(DomainSnapshot)).all() == []


def test_the_daily_plan_takes_the_six_month_measurement_within_the_window_only(
    tenants, in_tenant, make_case
):
    zutphen = tenants["zutphen"]
    late = _released(make_case, zutphen, add_months(TODAY, -6) - timedelta(days=20))
    too_late = _released(make_case, zutphen, add_months(TODAY, -6) - timedelta(days=40))
    early = _released(make_case, zutphen, add_months(TODAY, -6) + timedelta(days=5))
    with in_tenant(zutphen):
        assert services.take_due_six_month_snapshots(TODAY) == 1
        assert services.has_snapshot(_load(late), MonitorMoment.SIX_MONTHS)
        assert not services.has_snapshot(_load(too_late), MonitorMoment.SIX_MONTHS)
        assert not services.has_snapshot(_load(early), MonitorMoment.SIX_MONTHS)


def release_figures(tenant, domain: str) -> list[int]:
    """[applicable, arranged, unknown] of ``domain`` at release in today's cohort, as the
    regional overview counts them (``cases.cohorts``)."""
    raw = read_cohort_figures(TODAY, TODAY, TODAY)[tenant.id]
    counts = status_counts(raw, "release", domain)
    return [counts["applicable"], counts["arranged"], counts["unknown"]]


def test_a_voided_measurement_stays_in_history_and_leaves_the_figures(
    tenants, in_tenant, make_case
):
    raalte = tenants["raalte"]
    cases = [make_case(raalte) for _ in range(6)]
    with in_tenant(raalte):
        for case in cases:
            loaded = _load(case)
            loaded.domain("housing").status = DomainStatus.ARRANGED.value
            release.record_release(loaded, TODAY, "t")
        db.session.commit()
        assert release_figures(raalte, "housing")[:2] == [6, 6]
        loaded = _load(cases[0])
        with pytest.raises(CaseError):
            services.void_snapshot(loaded, MonitorMoment.RELEASE, "  ", "t")
        services.void_snapshot(loaded, MonitorMoment.RELEASE, "Verkeerde dag", "t")
        db.session.commit()
        assert release_figures(raalte, "housing")[:2] == [5, 5]
        rows = db.session.scalars(
            select(DomainSnapshot).where(DomainSnapshot.case_id == cases[0].id)
        ).all()
        assert rows and all(r.void_reason == "Verkeerde dag" for r in rows if r.moment == "release")
        # The moment may be taken again (the voided rows stay beside it).
        services.take_snapshot(loaded, MonitorMoment.RELEASE, "t")
        db.session.commit()
        assert release_figures(raalte, "housing")[:2] == [6, 6]


def test_not_applicable_is_left_out_and_unknown_counted_apart(tenants, in_tenant, make_case):
    lochem = tenants["lochem"]
    statuses = ["arranged", "not_applicable", "unknown", "not_arranged"]
    cases = [make_case(lochem) for _ in statuses]
    with in_tenant(lochem):
        for case, status in zip(cases, statuses, strict=True):
            loaded = _load(case)
            loaded.domain("identity").status = status
            release.record_release(loaded, TODAY, "t")
        db.session.commit()
        measured, arranged, unknown = release_figures(lochem, "identity")
    assert (measured, arranged, unknown) == (3, 1, 1)


def test_correcting_the_release_date_voids_and_retakes_a_measurement_taken_too_early(
    tenants, in_tenant, make_case, worker_client
):
    deventer = tenants["deventer"]
    case = make_case(deventer, plan=True)
    with in_tenant(deventer):
        loaded = _load(case)
        release.record_release(loaded, TODAY - timedelta(days=5), "t", today=TODAY)
        # recorded five days early: the measurement's day was before the real release
        for row in loaded.snapshots:
            row.taken_at = row.taken_at - timedelta(days=5)
        db.session.commit()
        version = loaded.version
        worker = UserFactory()
    client = worker_client(worker)
    refused = client.post(
        f"/cases/{case.id}/release/correct",
        data={"released_on": TODAY.isoformat(), "reason": "", "version": version},
    )
    assert refused.status_code == 422
    done = client.post(
        f"/cases/{case.id}/release/correct",
        data={"released_on": TODAY.isoformat(), "reason": "Datum verkeerd", "version": version},
    )
    assert done.status_code == 302
    with in_tenant(deventer):
        loaded = _load(case)
        assert loaded.actual_release == TODAY
        release_rows = [s for s in loaded.snapshots if s.moment == "release"]
        voided = [s for s in release_rows if s.voided_at is not None]
        valid = [s for s in release_rows if s.voided_at is None]
        assert len(voided) == len(valid) == len(loaded.life_domains)
        assert all("Datum verkeerd" in s.void_reason for s in voided)
    page = client.get(f"/cases/{case.id}?open=timeline").get_data(as_text=True)
    assert "Datum vrijlating gecorrigeerd" in page


def test_a_release_date_cannot_be_corrected_before_it_is_recorded(tenants, in_tenant, make_case):
    olst = tenants["olst-wijhe"]
    case = make_case(olst)
    with in_tenant(olst), pytest.raises(CaseError):
        release.correct_release(_load(case), TODAY, "Reden", "t")
