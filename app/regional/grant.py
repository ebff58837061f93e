"""The distribution of the region's national grant over its municipalities (services
flush, never commit).

Who does what (the plan has one regional coordinator, at the centre municipality, which
receives the grant for the region):

- **Compute**: the centre's regional coordinator enters the year's grant and the key:
  the number of ex-detainees per municipality in a reference year (as the national money
  was distributed; the default) or a fixed share per municipality (whole numbers, e.g.
  per mille). The portal computes each share to the cent (``distribution.distribute``:
  largest remainder; ties to the larger weight, then the municipality's slug
  alphabetically) and keeps the computation with its inputs and who computed it. A
  computed distribution is never changed (``grant_models``); a correction is a new one.
- **Approve**: a separate recorded step by the centre's regional coordinator (name, time).
  The region has one coordinator, so the same person may compute and approve; the two
  steps are two records. A year has one current approval: approving another
  distribution of the same year supersedes it explicitly and needs a reason; approving
  the current one again changes nothing.
- **Budget lines**: the approval enqueues ``apply_grant_shares`` in the same transaction.
  The job writes each municipality's share as its "share of the national grant" budget
  line, in a session bound to that municipality (``tenant_app_context``, as the transfer
  and the referral write), one commit per municipality, and logs the crossing in both
  municipalities' security logs. There is at most one such line per municipality and
  year (a partial unique index); a later approval rewrites it. Approving twice, or the
  job run twice, never adds a second line. A superseded approval's job does nothing.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from flask import current_app
from flask_babel import force_locale, gettext
from flask_babel import lazy_gettext as _
from sqlalchemy import select
from werkzeug.exceptions import Forbidden, NotFound

from app.core.actions import Refused, create_once
from app.core.audit import report_refused_access
from app.core.context import tenant_app_context
from app.core.db import utcnow
from app.core.security_events import report_security_event
from app.core.tenants import Tenant, region_tenants
from app.extensions import db
from app.jobs import enqueue, job
from app.regional.budget_models import BudgetLine, BudgetSource
from app.regional.distribution import distribute
from app.regional.grant_models import (
    DistributionKey,
    GrantApproval,
    GrantDistribution,
    GrantShare,
    RegionalExpense,
)
from app.regional.overview import may_see_region


def require_coordinator(user, what: str) -> None:
    """403 (logged) for anyone but the regional coordinator of a region's centre."""
    if not may_see_region(user):
        report_refused_access(user, what, "not the centre's regional coordinator")
        raise Forbidden()


def municipalities_of(user) -> list[Tenant]:
    """The municipalities of the user's region, the centre included, by name."""
    return region_tenants(db.session.get(Tenant, user.tenant_id))


def _name(actor) -> str:
    return actor if isinstance(actor, str) else actor.display_name


# --- compute ---------------------------------------------------------------------------


def compute(
    user,
    *,
    year: int,
    total_cents: int,
    key_kind: str,
    reference_year: int | None,
    weights: dict[int, int],
    submission_key: uuid.UUID | None = None,
) -> GrantDistribution:
    """Compute and keep a distribution; ``weights`` by municipality (tenant) id, one for
    every municipality of the region."""
    require_coordinator(user, "grant_distribution")
    region = municipalities_of(user)
    distribution_id = uuid.uuid4()

    def build() -> GrantDistribution:
        if total_cents < 0:
            raise Refused(_("A budget amount cannot be negative."), field="total")
        kind = DistributionKey(key_kind)
        if kind == DistributionKey.EX_DETAINEES and reference_year is None:
            raise Refused(
                _("Give the reference year of the numbers of ex-detainees."),
                field="reference_year",
            )
        if any(weights.get(tenant.id, 0) < 0 for tenant in region):
            raise Refused(_("A number in the key cannot be negative."), field="form")
        if sum(weights.get(tenant.id, 0) for tenant in region) == 0:
            raise Refused(
                _("The key adds up to zero: enter at least one number above zero."),
                field="form",
            )
        return GrantDistribution(
            id=distribution_id,
            year=year,
            total_cents=total_cents,
            key_kind=kind.value,
            reference_year=reference_year if kind == DistributionKey.EX_DETAINEES else None,
            computed_by=_name(user),
            computed_by_id=user.id,
        )

    distribution, created = create_once(GrantDistribution, submission_key, build)
    if not created:
        return distribution
    by_slug = {tenant.slug: tenant for tenant in region}
    shares = distribute(total_cents, {slug: weights.get(t.id, 0) for slug, t in by_slug.items()})
    for slug, tenant in by_slug.items():
        db.session.add(
            GrantShare(
                distribution_id=distribution.id,
                municipality_id=tenant.id,
                municipality_name=tenant.name,
                weight=weights.get(tenant.id, 0),
                share_cents=shares[slug],
            )
        )
    db.session.flush()
    return distribution


def access_distribution(user, distribution_id: uuid.UUID) -> GrantDistribution:
    """A distribution of the user's (centre) municipality; 404 alike for foreign and missing."""
    require_coordinator(user, "grant_distribution")
    found = db.session.get(GrantDistribution, (user.tenant_id, distribution_id))
    if found is None:
        report_refused_access(user, "grant_distribution", str(distribution_id))
        raise NotFound()
    return found


def shares_of(distribution_id: uuid.UUID) -> list[GrantShare]:
    return list(
        db.session.scalars(
            select(GrantShare)
            .where(GrantShare.distribution_id == distribution_id)
            .order_by(GrantShare.municipality_name)
        )
    )


def distributions_of(year: int) -> list[GrantDistribution]:
    return list(
        db.session.scalars(
            select(GrantDistribution)
            .where(GrantDistribution.year == year)
            .order_by(GrantDistribution.computed_at.desc())
        )
    )


# --- approve ---------------------------------------------------------------------------


def current_approval(year: int, *, lock: bool = False) -> GrantApproval | None:
    query = select(GrantApproval).where(
        GrantApproval.year == year, GrantApproval.superseded_at.is_(None)
    )
    if lock:
        query = query.with_for_update()
    return db.session.scalars(query).one_or_none()


def approvals_of(year: int) -> list[GrantApproval]:
    return list(
        db.session.scalars(
            select(GrantApproval)
            .where(GrantApproval.year == year)
            .order_by(GrantApproval.approved_at)
        )
    )


def approve(
    user,
    distribution: GrantDistribution,
    *,
    reason: str | None = None,
    submission_key: uuid.UUID | None = None,
) -> GrantApproval:
    """Record the approval of ``distribution``; its shares become budget lines (a job)."""
    require_coordinator(user, "grant_approval")
    reason = (reason or "").strip() or None
    current = current_approval(distribution.year, lock=True)
    if current is not None and current.distribution_id == distribution.id:
        return current  # approved already: nothing new, no second line

    def build() -> GrantApproval:
        if current is not None and reason is None:
            raise Refused(
                _(
                    "This year already has an approved distribution (%(who)s). Give the "
                    "reason for replacing it.",
                    who=current.approved_by,
                ),
                field="reason",
            )
        return GrantApproval(
            distribution_id=distribution.id,
            year=distribution.year,
            approved_by=_name(user),
            approved_by_id=user.id,
            reason=reason,
            supersedes_id=current.id if current is not None else None,
        )

    saved = _saved(submission_key)
    if saved is not None:
        return saved
    if current is not None and reason is not None:
        # The partial unique index allows one current approval: retire it first.
        current.superseded_at = utcnow()
        db.session.flush()
    approval, created = create_once(GrantApproval, submission_key, build)
    if created:
        db.session.flush()
        enqueue(apply_grant_shares, approval_id=str(approval.id))
    return approval


def _saved(submission_key: uuid.UUID | None) -> GrantApproval | None:
    if submission_key is None:
        return None
    return db.session.scalars(
        select(GrantApproval).where(GrantApproval.submission_key == submission_key)
    ).one_or_none()


@dataclass(frozen=True)
class ShareLine:
    municipality_id: int
    municipality_name: str
    amount_cents: int


@job()
def apply_grant_shares(tenant_id: int, approval_id: str) -> None:
    """Write the approved shares as budget lines, each in its municipality's own session.

    Runs in the centre's session (the job wrapper). The approval row is locked, so a
    superseding approval waits until this run is done, and a run for an approval that
    has been superseded meanwhile writes nothing."""
    approval = db.session.get(
        GrantApproval, (tenant_id, uuid.UUID(approval_id)), with_for_update=True
    )
    if approval is None or approval.superseded_at is not None:
        return
    year = approval.year
    lines = [
        ShareLine(share.municipality_id, share.municipality_name, share.share_cents)
        for share in shares_of(approval.distribution_id)
    ]
    with force_locale(current_app.config.get("BABEL_DEFAULT_LOCALE", "nl")):
        description = gettext(
            "Share of the national grant %(year)s: the region's distribution, approved by %(who)s",
            year=year,
            who=approval.approved_by,
        )
    for line in lines:
        changed = _write_share_line(
            line, year, approval.id, description[:1000], approval.approved_by
        )
        if changed:
            report_security_event(
                "grant share written as a budget line",
                event="grant_share_line_written",
                result="done",
                tenant_id=line.municipality_id,
                user_id=None,
                detail=f"{year}: {line.amount_cents} cents from the centre's distribution",
                from_tenant=tenant_id,
            )
    if approval.applied_at is None:
        report_security_event(
            "grant shares written to the region's budgets",
            event="grant_shares_applied",
            result="done",
            tenant_id=tenant_id,
            user_id=approval.approved_by_id,
            detail=f"{year}: {len(lines)} municipalities",
        )
    approval.applied_at = utcnow()


def _write_share_line(
    line: ShareLine, year: int, approval_id: uuid.UUID, description: str, approved_by: str
) -> bool:
    """The municipality's one grant-share line of the year, created or brought to this
    approval's amount, in a session bound to that municipality; True when it changed."""
    with tenant_app_context(line.municipality_id):
        existing = db.session.scalars(
            select(BudgetLine).where(
                BudgetLine.year == year, BudgetLine.grant_approval_id.is_not(None)
            )
        ).one_or_none()
        if existing is not None and existing.grant_approval_id == approval_id:
            db.session.rollback()
            return False
        if existing is None:
            db.session.add(
                BudgetLine(
                    year=year,
                    source=BudgetSource.GRANT.value,
                    amount_cents=line.amount_cents,
                    description=description,
                    recorded_by=approved_by,
                    grant_approval_id=approval_id,
                )
            )
        else:
            existing.amount_cents = line.amount_cents
            existing.description = description
            existing.recorded_by = approved_by
            existing.recorded_at = utcnow()
            existing.grant_approval_id = approval_id
        db.session.commit()
    return True


# --- what the centre spends for the region ---------------------------------------------


def record_regional_expense(
    user,
    *,
    year: int,
    amount_cents: int,
    description: str,
    spent_on,
    submission_key: uuid.UUID | None = None,
) -> RegionalExpense:
    require_coordinator(user, "regional_expense")

    def build() -> RegionalExpense:
        if amount_cents < 0:
            raise Refused(_("A budget amount cannot be negative."), field="amount")
        if not (description or "").strip():
            raise Refused(_("Describe the expense."), field="description")
        if spent_on.year != year:
            raise Refused(_("The date must fall in %(year)s.", year=year), field="spent_on")
        return RegionalExpense(
            year=year,
            amount_cents=amount_cents,
            description=description.strip(),
            spent_on=spent_on,
            recorded_by=_name(user),
        )

    expense, _created = create_once(RegionalExpense, submission_key, build)
    return expense


def regional_expenses_of(year: int) -> list[RegionalExpense]:
    return list(
        db.session.scalars(
            select(RegionalExpense)
            .where(RegionalExpense.year == year)
            .order_by(RegionalExpense.spent_on, RegionalExpense.recorded_at)
        )
    )
