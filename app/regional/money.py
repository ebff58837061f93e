"""The region's money as the centre municipality's regional coordinator sees it.

Deventer holds the national grant and accounts for the whole region, so its coordinator
reads every municipality's budget, commitments and spending. The read goes through the
one regional mechanism (``regional_read``, logged); the budget tables are on its
allow-list (``app.regional.budget_models``). Amounts are accountability figures: they
are shown exactly, never small-cell suppressed (only figures about people are)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _
from werkzeug.exceptions import Forbidden

from app.core.audit import report_refused_access
from app.core.tenancy import regional_read
from app.core.tenants import Tenant, region_tenants
from app.extensions import db
from app.regional import budget
from app.regional.overview import may_see_region


@dataclass(frozen=True)
class MoneyRow:
    name: str
    forecast: budget.Forecast


@dataclass(frozen=True)
class RegionMoney:
    year: int
    today: date
    municipalities: list[MoneyRow]
    region: MoneyRow


def _sum(year: int, forecasts: list[budget.Forecast]) -> budget.Forecast:
    budgets = [f.budget_cents for f in forecasts if f.budget_cents is not None]
    return budget.Forecast(
        year=year,
        budget_cents=sum(budgets) if budgets else None,
        committed_cents=sum(f.committed_cents for f in forecasts),
        spent_cents=sum(f.spent_cents for f in forecasts),
        expected_more=sum(f.expected_more for f in forecasts),
        expected_cents=sum(f.expected_cents for f in forecasts),
        trajectories=sum(f.trajectories for f in forecasts),
    )


def region_money(user, year: int, *, today: date | None = None) -> RegionMoney:
    """Every municipality's money for ``year``; 403 (logged) for anyone but the centre's
    regional coordinator."""
    if not may_see_region(user):
        report_refused_access(user, "region_money", "not the centre municipality")
        raise Forbidden()
    today = today or date.today()
    tenants = region_tenants(db.session.get(Tenant, user.tenant_id))  # its own region only
    with regional_read(db.session, actor=str(user.id), purpose="regional budgets"):
        forecasts = budget.forecasts_by_tenant(year, today)
    rows = [
        MoneyRow(tenant.name, forecasts.get(tenant.id) or budget.forecast_of_nothing(year, today))
        for tenant in tenants
    ]
    return RegionMoney(
        year=year,
        today=today,
        municipalities=rows,
        region=MoneyRow(_("Region"), _sum(year, [row.forecast for row in rows])),
    )
