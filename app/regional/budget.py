"""Budgets of one municipality: the rules (services flush, never commit).

- A year's budget is the sum of its budget lines (municipal funds, share of the national
  grant, other). A year without any line has no budget kept: hand-overs are not checked.
- A hand-over commits the trajectory's cost in the year of its start
  (``app.core.signals.trajectory_handed_over``). When the money used (committed plus
  spent) and this cost would exceed the budget, the hand-over needs an unused recorded
  approval of the tenant admin or the regional coordinator for that year; it is refused
  with a Dutch reason otherwise, and with one the commitment names the approval.
- The care director's invoice turns a commitment into spending (amount, date, reference);
  cancelling the trajectory releases the commitment.
- Forecast: money used plus the trajectories still expected this year at the run rate so
  far (for a year not begun: the expected number) times the default cost.
- Finance amounts are accountability figures: always exact, never small-cell suppressed.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _
from sqlalchemy import func, select

from app.core.actions import Refused, check_version, create_once
from app.core.permissions import Role
from app.core.tenancy import current_tenant_id
from app.extensions import db
from app.regional.budget_models import (
    DEFAULT_EXPECTED_TRAJECTORIES,
    DEFAULT_TRAJECTORY_COST_CENTS,
    BudgetApproval,
    BudgetLine,
    BudgetSource,
    BudgetYear,
    Commitment,
    CommitmentStatus,
)

APPROVER_ROLES = frozenset({Role.TENANT_ADMIN.value, Role.REGIONAL_COORDINATOR.value})


def _name(actor) -> str:
    return actor if isinstance(actor, str) else actor.display_name


def _is_approver(actor) -> bool:
    return getattr(actor, "role", None) in APPROVER_ROLES


# --- the year and its lines ------------------------------------------------------------


def budget_year(year: int) -> BudgetYear | None:
    return db.session.scalars(select(BudgetYear).where(BudgetYear.year == year)).one_or_none()


def set_planning(
    year: int, *, trajectory_cost_cents: int, expected_trajectories: int
) -> BudgetYear:
    if trajectory_cost_cents < 0 or expected_trajectories < 0:
        raise Refused(_("Amounts and numbers cannot be negative."))
    row = budget_year(year)
    if row is None:
        row = BudgetYear(year=year)
        db.session.add(row)
    row.trajectory_cost_cents = trajectory_cost_cents
    row.expected_trajectories = expected_trajectories
    db.session.flush()
    return row


def add_line(
    year: int,
    source: str,
    amount_cents: int,
    actor,
    *,
    description: str | None = None,
    submission_key: uuid.UUID | None = None,
) -> BudgetLine:
    def build() -> BudgetLine:
        if amount_cents < 0:
            raise Refused(_("A budget amount cannot be negative."), field="amount")
        return BudgetLine(
            year=year,
            source=BudgetSource(source).value,
            amount_cents=amount_cents,
            description=description,
            recorded_by=_name(actor),
        )

    line, _created = create_once(BudgetLine, submission_key, build)
    return line


def lines_of(year: int) -> list[BudgetLine]:
    return list(
        db.session.scalars(
            select(BudgetLine).where(BudgetLine.year == year).order_by(BudgetLine.recorded_at)
        )
    )


def budget_total(year: int) -> int | None:
    """The sum of the year's lines, or None when the year has no line (no budget kept)."""
    count, total = db.session.execute(
        select(
            func.count(BudgetLine.id), func.coalesce(func.sum(BudgetLine.amount_cents), 0)
        ).where(BudgetLine.year == year)
    ).one()
    return int(total) if count else None


def used_cents(year: int) -> int:
    """Committed plus spent (the invoice amount once recorded) in the year."""
    committed = func.sum(func.coalesce(Commitment.invoice_amount_cents, Commitment.amount_cents))
    total = db.session.scalar(
        select(func.coalesce(committed, 0)).where(
            Commitment.year == year, Commitment.status != CommitmentStatus.CANCELLED.value
        )
    )
    return int(total or 0)


# --- approvals and commitments ---------------------------------------------------------


def approve_overrun(
    year: int, actor, reason: str, *, submission_key: uuid.UUID | None = None
) -> BudgetApproval:
    """Record the approval for one hand-over beyond the year's budget."""

    def build() -> BudgetApproval:
        if not _is_approver(actor):
            raise Refused(_("Only the administrator or the regional coordinator may approve this."))
        if not (reason or "").strip():
            raise Refused(_("Give the reason for the approval."), field="reason")
        return BudgetApproval(year=year, reason=reason.strip(), approved_by=_name(actor))

    approval, _created = create_once(BudgetApproval, submission_key, build)
    return approval


def _unused_approval(year: int) -> BudgetApproval | None:
    return db.session.scalars(
        select(BudgetApproval)
        .where(BudgetApproval.year == year, BudgetApproval.used_for_trajectory_id.is_(None))
        .order_by(BudgetApproval.approved_at)
        .limit(1)
        .with_for_update()
    ).first()


def commit_trajectory(
    trajectory_id: uuid.UUID, start_date: date, cost_cents: int, actor
) -> Commitment:
    """Commit a handed-over trajectory's cost; refused beyond the budget without approval."""
    existing = db.session.scalars(
        select(Commitment).where(Commitment.trajectory_id == trajectory_id)
    ).one_or_none()
    if existing is not None:
        return existing
    year = start_date.year
    budget = budget_total(year)
    approval = None
    if budget is not None and used_cents(year) + cost_cents > budget:
        approval = _unused_approval(year)
        if approval is None:
            raise Refused(
                _(
                    "This hand-over goes beyond the budget for %(year)s. The administrator "
                    "or the regional coordinator must first record an approval.",
                    year=year,
                )
            )
        approval.used_for_trajectory_id = trajectory_id
    commitment = Commitment(
        trajectory_id=trajectory_id,
        year=year,
        amount_cents=cost_cents,
        approval_id=approval.id if approval else None,
        committed_by=_name(actor),
    )
    db.session.add(commitment)
    db.session.flush()
    return commitment


def commitment_of(trajectory_id: uuid.UUID) -> Commitment | None:
    return db.session.scalars(
        select(Commitment).where(Commitment.trajectory_id == trajectory_id)
    ).one_or_none()


def record_invoice(
    commitment: Commitment,
    *,
    amount_cents: int,
    invoice_date: date,
    reference: str,
    expected_version: int | None = None,
) -> Commitment:
    check_version(commitment, expected_version)
    if commitment.status == CommitmentStatus.CANCELLED.value:
        raise Refused(_("A cancelled trajectory cannot be invoiced."))
    if amount_cents < 0:
        raise Refused(_("A budget amount cannot be negative."), field="amount")
    if not (reference or "").strip():
        raise Refused(_("Give the invoice reference."), field="reference")
    commitment.invoice_amount_cents = amount_cents
    commitment.invoice_date = invoice_date
    commitment.invoice_reference = reference.strip()
    commitment.status = CommitmentStatus.SPENT.value
    db.session.flush()
    return commitment


def release(trajectory_id: uuid.UUID, actor) -> Commitment | None:
    """Cancelling the trajectory releases what it committed (spending stays spent)."""
    commitment = commitment_of(trajectory_id)
    if commitment is not None and commitment.status == CommitmentStatus.COMMITTED.value:
        commitment.status = CommitmentStatus.CANCELLED.value
        commitment.cancelled_by = _name(actor)
        db.session.flush()
    return commitment


def access_commitment(commitment_id: uuid.UUID) -> Commitment | None:
    """The commitment of the session's municipality, or None (the view answers 404)."""
    return db.session.scalars(
        select(Commitment).where(Commitment.id == commitment_id)
    ).one_or_none()


def approvals_of(year: int) -> list[BudgetApproval]:
    return list(
        db.session.scalars(
            select(BudgetApproval)
            .where(BudgetApproval.year == year)
            .order_by(BudgetApproval.approved_at)
        )
    )


def history(year: int) -> list[tuple[Commitment, BudgetApproval | None]]:
    rows = db.session.execute(
        select(Commitment, BudgetApproval)
        .outerjoin(BudgetApproval, BudgetApproval.id == Commitment.approval_id)
        .where(Commitment.year == year)
        .order_by(Commitment.committed_at)
    ).all()
    return [(c, a) for c, a in rows]


# --- forecast --------------------------------------------------------------------------


@dataclass(frozen=True)
class Forecast:
    year: int
    budget_cents: int | None
    committed_cents: int
    spent_cents: int
    expected_more: int
    expected_cents: int
    trajectories: int = 0

    @property
    def forecast_cents(self) -> int:
        return self.committed_cents + self.spent_cents + self.expected_cents

    @property
    def over_budget(self) -> bool:
        return self.budget_cents is not None and self.forecast_cents > self.budget_cents


def forecast(year: int, today: date) -> Forecast:
    """The forecast of the session's municipality."""
    found = forecasts_by_tenant(year, today).get(current_tenant_id(db.session))
    return found or forecast_of_nothing(year, today)


def forecast_of_nothing(year: int, today: date) -> Forecast:
    """A municipality without lines, planning or commitments for the year."""
    return _forecast(year, today, _Money())


@dataclass
class _Money:
    budget: int | None = None
    cost: int = DEFAULT_TRAJECTORY_COST_CENTS
    expected: int = DEFAULT_EXPECTED_TRAJECTORIES
    by_status: dict[str, tuple[int, int]] | None = None


def forecasts_by_tenant(year: int, today: date) -> dict[int, Forecast]:
    """Every forecast the session may see, by municipality: grouped sums only (inside
    ``regional_read`` the centre's coordinator gets the whole region in four statements)."""
    money: dict[int, _Money] = {}
    for tenant_id, count, total in db.session.execute(
        select(
            BudgetLine.tenant_id,
            func.count(BudgetLine.id),
            func.coalesce(func.sum(BudgetLine.amount_cents), 0),
        )
        .where(BudgetLine.year == year)
        .group_by(BudgetLine.tenant_id)
    ):
        money.setdefault(tenant_id, _Money()).budget = int(total) if count else None
    for planning in db.session.scalars(select(BudgetYear).where(BudgetYear.year == year)):
        row = money.setdefault(planning.tenant_id, _Money())
        row.cost, row.expected = planning.trajectory_cost_cents, planning.expected_trajectories
    for tenant_id, status, count, total in db.session.execute(
        select(
            Commitment.tenant_id,
            Commitment.status,
            func.count(Commitment.id),
            func.coalesce(
                func.sum(func.coalesce(Commitment.invoice_amount_cents, Commitment.amount_cents)),
                0,
            ),
        )
        .where(Commitment.year == year)
        .group_by(Commitment.tenant_id, Commitment.status)
    ):
        row = money.setdefault(tenant_id, _Money())
        row.by_status = {**(row.by_status or {}), status: (int(count), int(total))}
    return {tenant_id: _forecast(year, today, row) for tenant_id, row in money.items()}


def _forecast(year: int, today: date, money: _Money) -> Forecast:
    by_status = money.by_status or {}
    committed_n, committed = by_status.get(CommitmentStatus.COMMITTED.value, (0, 0))
    spent_n, spent = by_status.get(CommitmentStatus.SPENT.value, (0, 0))
    so_far = committed_n + spent_n
    start, end = date(year, 1, 1), date(year, 12, 31)
    if today < start:
        more = money.expected
    elif today > end:
        more = 0
    else:
        elapsed = (today - start).days + 1
        remaining = (end - today).days
        # The run rate so far, rounded down: trajectories per day times the days left.
        more = so_far * remaining // elapsed
    return Forecast(
        year=year,
        budget_cents=money.budget,
        committed_cents=committed,
        spent_cents=spent,
        expected_more=more,
        expected_cents=more * money.cost,
        trajectories=so_far,
    )


# --- the listeners ---------------------------------------------------------------------


def on_handed_over(trajectory, actor=None, **_kwargs) -> None:
    commit_trajectory(trajectory.id, trajectory.start_date, trajectory.cost_cents, actor)


def on_invoice_approved(
    _invoice, trajectory_id=None, amount_cents=0, invoice_date=None, reference="", **_kwargs
) -> None:
    """The municipality approved the care director's invoice: it is spending now."""
    commitment = commitment_of(trajectory_id)
    if commitment is None:
        raise Refused(_("This trajectory has no commitment in the budget to invoice."))
    record_invoice(
        commitment, amount_cents=amount_cents, invoice_date=invoice_date, reference=reference
    )


def on_status_changed(trajectory, actor=None, **_kwargs) -> None:
    if trajectory.status == "cancelled":
        release(trajectory.id, actor)
