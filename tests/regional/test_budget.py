"""Budgets: lines, the commitment of a hand-over, invoices, cancellation, the forecast and
the approval a hand-over beyond the budget needs."""

from __future__ import annotations

from datetime import date

import pytest
from flask_babel import force_locale

from app.cases.handover import services as handover
from app.cases.handover.models import TrajectoryStatus
from app.cases.labels import template_helpers
from app.cases.models import Case
from app.core.actions import Refused
from app.core.i18n import format_cents
from app.core.tenancy import current_tenant_id
from app.extensions import db
from app.regional import budget
from app.regional.budget_models import BudgetSource, CommitmentStatus
from tests.factories import UserFactory, shared_case

YEAR = date.today().year


def load(case):
    return db.session.get(Case, (case.tenant_id, case.id))


@pytest.mark.parametrize(
    ("cents", "shown"),
    [
        (150_000, "€ 1.500,00"),
        (5, "€ 0,05"),
        (0, "€ 0,00"),
        (123_456_789, "€ 1.234.567,89"),
        (-2_550, "-€ 25,50"),
    ],
)
def test_one_way_to_show_an_amount(cents, shown):
    assert format_cents(cents) == shown
    assert template_helpers()["money"] is format_cents  # the file's helper is the same


def test_the_budget_is_the_sum_of_its_lines_and_a_year_without_lines_has_none(tenants, in_tenant):
    with in_tenant(tenants["deventer"]):
        assert budget.budget_total(YEAR) is None
        budget.add_line(YEAR, BudgetSource.MUNICIPAL.value, 1_000_000, "Beheerder")
        budget.add_line(YEAR, BudgetSource.GRANT.value, 2_345_67, "Beheerder")
        budget.add_line(YEAR + 1, BudgetSource.OTHER.value, 99, "Beheerder")
        assert budget.budget_total(YEAR) == 1_234_567
        with pytest.raises(Refused):
            budget.add_line(YEAR, BudgetSource.OTHER.value, -1, "Beheerder")
    with in_tenant(tenants["zutphen"]):
        assert budget.budget_total(YEAR) is None  # money is the municipality's own


def test_a_hand_over_commits_an_invoice_spends_and_a_cancellation_releases(tenants, in_tenant):
    with in_tenant(tenants["deventer"]):
        budget.add_line(YEAR, BudgetSource.MUNICIPAL.value, 1_000_000, "Beheerder")
        first = handover.hand_over(shared_case(), "t", start_date=date(YEAR, 1, 2))
        second = handover.hand_over(
            shared_case(), "t", start_date=date(YEAR, 1, 3), cost_cents=120_000
        )
        assert budget.commitment_of(first.id).amount_cents == 150_000
        assert budget.used_cents(YEAR) == 270_000

        budget.record_invoice(
            budget.commitment_of(first.id),
            amount_cents=149_950,
            invoice_date=date(YEAR, 3, 1),
            reference="F-2026-001",
        )
        spent = budget.commitment_of(first.id)
        assert spent.status == CommitmentStatus.SPENT.value
        assert (spent.invoice_amount_cents, spent.invoice_reference) == (149_950, "F-2026-001")
        assert budget.used_cents(YEAR) == 149_950 + 120_000

        handover.update_trajectory(
            second,
            "t",
            status=TrajectoryStatus.CANCELLED.value,
            end_date=None,
            expected_version=None,
        )
        assert budget.commitment_of(second.id).status == CommitmentStatus.CANCELLED.value
        assert budget.used_cents(YEAR) == 149_950
        with pytest.raises(Refused):
            budget.record_invoice(
                budget.commitment_of(second.id),
                amount_cents=1,
                invoice_date=date(YEAR, 3, 1),
                reference="x",
            )


def test_beyond_the_budget_a_hand_over_needs_a_recorded_approval(tenants, in_tenant):
    with in_tenant(tenants["deventer"]):
        admin = UserFactory(role="tenant_admin", display_name="Anne Beheer")
        worker = UserFactory(role="case_worker")
        budget.add_line(YEAR, BudgetSource.MUNICIPAL.value, 200_000, "Beheerder")
        handover.hand_over(shared_case(), worker, start_date=date(YEAR, 2, 1))
        db.session.commit()
        case_id = shared_case().id
        db.session.commit()

        with pytest.raises(Refused) as refused:
            handover.hand_over(load_id(case_id), worker, start_date=date(YEAR, 2, 2))
        assert "gaat boven het budget" in _dutch(refused.value.message)
        db.session.rollback()
        assert handover.trajectories_of(load_id(case_id)) == []

        with pytest.raises(Refused):
            budget.approve_overrun(YEAR, worker, "mag niet")
        approval = budget.approve_overrun(YEAR, admin, "Hoge instroom na zomer")
        trajectory = handover.hand_over(load_id(case_id), worker, start_date=date(YEAR, 2, 2))
        commitment = budget.commitment_of(trajectory.id)
        assert commitment.approval_id == approval.id
        ((_, used_approval),) = [
            row for row in budget.history(YEAR) if row[0].trajectory_id == trajectory.id
        ]
        assert (used_approval.approved_by, used_approval.reason) == (
            "Anne Beheer",
            "Hoge instroom na zomer",
        )
        # One approval allows one hand-over: the next is refused again.
        with pytest.raises(Refused):
            handover.hand_over(shared_case(), worker, start_date=date(YEAR, 2, 3))


def test_without_a_budget_for_the_year_hand_overs_are_not_checked(tenants, in_tenant):
    with in_tenant(tenants["lochem"]):
        for _ in range(3):
            handover.hand_over(shared_case(), "t", start_date=date(YEAR, 5, 1))
        assert budget.used_cents(YEAR) == 450_000


def test_the_forecast_adds_the_run_rate_to_what_is_used(tenants, in_tenant):
    with in_tenant(tenants["deventer"]):
        budget.set_planning(YEAR, trajectory_cost_cents=100_000, expected_trajectories=40)
        budget.add_line(YEAR, BudgetSource.GRANT.value, 5_000_000, "Coordinator")
        for day in (5, 10):
            handover.hand_over(
                shared_case(), "t", start_date=date(YEAR, 1, day), cost_cents=100_000
            )
        # 31 January: 2 trajectories in 31 days, 334 (or 335) days left.
        today = date(YEAR, 1, 31)
        remaining = (date(YEAR, 12, 31) - today).days
        result = budget.forecast(YEAR, today)
        assert result.committed_cents == 200_000 and result.spent_cents == 0
        assert result.expected_more == 2 * remaining // 31
        assert result.forecast_cents == 200_000 + result.expected_more * 100_000
        assert result.budget_cents == 5_000_000
        assert result.over_budget == (result.forecast_cents > 5_000_000)
        # A year not begun: the expected number; a year past: nothing more.
        assert budget.forecast(YEAR, date(YEAR - 1, 6, 1)).expected_more == 40
        assert budget.forecast(YEAR, date(YEAR + 1, 1, 1)).expected_more == 0


def load_id(case_id):
    return db.session.get(Case, (current_tenant_id(db.session), case_id))


def _dutch(message) -> str:
    with force_locale("nl"):
        return str(message)
