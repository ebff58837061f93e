"""Known money in three municipalities: trajectories, invoices, a cancellation, an approved
distribution of the grant and a regional expense, with every figure of the accountability
report worked out by hand from them (``region_with_money``)."""

from __future__ import annotations

from datetime import date

import pytest

from app.cases.handover import services as handover
from app.cases.handover.models import TrajectoryStatus
from app.cases.models import Case
from app.extensions import db
from app.regional import budget, grant
from tests.factories import CaseFactory, UserFactory, with_sharing_basis

YEAR = date.today().year
# Fixed shares (whole numbers) and the grant: 50/30/20 of EUR 100,000; Lochem and
# Olst-Wijhe get nothing this year.
WEIGHTS = {"deventer": 50, "raalte": 30, "zutphen": 20, "lochem": 0, "olst-wijhe": 0}
GRANT = 10_000_000
EXPENSE = 1_000_001  # the centre's regional spending; 50/30/20 of it leaves a cent over


@pytest.fixture
def embedded(app, monkeypatch):
    monkeypatch.setitem(app.config, "REDIS_URL", None)


def _hand_over(case, start, cost=150_000):
    """A trajectory as the plan allows it: with a sharing basis (``hand_over`` asks it), and
    with a reason, since some fixtures give one client a second trajectory."""
    case = db.session.get(Case, (case.tenant_id, case.id))
    with_sharing_basis(case)
    return handover.hand_over(
        case, "t", start_date=start, cost_cents=cost, reason="Tweede traject voor de cijfers"
    )


def _invoice(trajectory, amount):
    budget.record_invoice(
        budget.commitment_of(trajectory.id),
        amount_cents=amount,
        invoice_date=date(YEAR, 6, 1),
        reference=f"F-{trajectory.id.hex[:6]}",
    )


@pytest.fixture
def region_with_money(tenants, in_tenant):
    """The fixtures, and what each figure must be, worked out from them by hand."""
    start = date(YEAR, 2, 1)
    with in_tenant(tenants["deventer"]):
        # Two trajectories for one client, one for another: 3 trajectories, 2 clients.
        first, second = CaseFactory(), CaseFactory()
        db.session.flush()
        a1 = _hand_over(first, start)
        _hand_over(first, start)
        _hand_over(second, start)
        _invoice(a1, 149_950)
        db.session.commit()
    with in_tenant(tenants["raalte"]):
        kept, cancelled = CaseFactory(), CaseFactory()
        db.session.flush()
        _invoice(_hand_over(kept, start), 150_000)
        gone = _hand_over(cancelled, start)
        handover.update_trajectory(
            gone, "t", status=TrajectoryStatus.CANCELLED.value, end_date=None, expected_version=None
        )
        _hand_over(CaseFactory(), date(YEAR - 1, 12, 31))  # last year: not in this report
        db.session.commit()
    with in_tenant(tenants["zutphen"]):
        four = [CaseFactory() for _ in range(4)]
        db.session.flush()
        done = [_hand_over(case, start) for case in four]
        _invoice(done[0], 1_000_000)
        _invoice(done[1], 1_000_000)
        db.session.commit()
    with in_tenant(tenants["deventer"]):
        coordinator = UserFactory(role="regional_coordinator", display_name="Rita Regio")
        distribution = grant.compute(
            coordinator,
            year=YEAR,
            total_cents=GRANT,
            key_kind="fixed_share",
            reference_year=None,
            weights={tenants[slug].id: weight for slug, weight in WEIGHTS.items()},
        )
        approval = grant.approve(coordinator, distribution)
        grant.record_regional_expense(
            coordinator,
            year=YEAR,
            amount_cents=EXPENSE,
            description="=Regiocoördinator en vrijwilligersprogramma",
            spent_on=date(YEAR, 3, 1),
        )
        db.session.commit()
        # The approval's job, run here (idempotent: when a worker runs it too, nothing changes).
        grant.apply_grant_shares(tenants["deventer"].id, str(approval.id))
        db.session.commit()
    expected = {
        # grant, regional part, spent, of which from the grant, committed, trajectories,
        # clients, carried over
        "Deventer": (5_000_000, 500_001, 149_950, 149_950, 300_000, 3, 2, 4_350_049),
        "Lochem": (0, 0, 0, 0, 0, 0, 0, 0),
        "Olst-Wijhe": (0, 0, 0, 0, 0, 0, 0, 0),
        "Raalte": (3_000_000, 300_000, 150_000, 150_000, 0, 1, 1, 2_550_000),
        # Spent beyond what the grant leaves after the regional part: 1,800,000 from it.
        "Zutphen": (2_000_000, 200_000, 2_000_000, 1_800_000, 300_000, 4, 4, 0),
    }
    expected["Regio"] = tuple(sum(row[i] for row in expected.values()) for i in range(8))
    return coordinator, expected
