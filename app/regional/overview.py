"""The overview of the aftercare figures: for the region (the centre's regional coordinator,
``/regio``) and for one municipality (its own case workers and tenant admin, ``/cijfers``).

For a chosen period (a month, a quarter or a year; the release cohort is the cases released
in it) and per municipality, with the region's total:

- now: open cases per phase and in all; releases expected in the next six weeks; overdue
  tasks;
- the release cohort: its size; back in detention within two years; each life domain at
  intake (the baseline), at release and six months after release: applicable (not
  applicable left out), arranged, not arranged and unknown (shown apart), voided
  measurements left out; the percentage arranged out of applicable;
- trajectories handed to the care director: started, running and finished, with their cost;
- releases per month over the twelve months up to the period's end (the trend).

The definitions are the file's (``app.cases.cohorts``); this module adds the privacy rule.

**Suppression protects people, not figures.** Small-cell suppression applies only where
figures about people leave the municipality that owns them: in the regional view the other
municipalities' figures (and the region's totals over them) and in its downloads. A
municipality's own figures are exact, on its own overview and in its row of the regional
one; amounts of money are exact everywhere (accountability figures of the grant holder).
A figure from 1 to 4 of another municipality is "< 5"; any other figure that would give
one back by subtraction (a region total, the rest of a row) is withheld as "—" or a
figure of 5 or more is withheld with it (``app.core.suppression.protect``).

**One way across municipalities.** The regional figures are read inside ``regional_read``
(``app.core.tenancy``), logged on the security log; grouped queries only, no client data.
Opening the cases behind a figure of another municipality is ``app.regional.crossing``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from flask import current_app
from flask_babel import format_currency
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import Forbidden

from app.cases.api import (
    COHORT_MOMENTS,
    CORE_LIFE_DOMAINS,
    NOW_PHASES,
    SIX_WEEKS,
    CohortRaw,
    LifeDomainKind,
    month_starts,
    read_cohort_figures,
    status_counts,
)
from app.core.audit import report_refused_access
from app.core.dates import add_months
from app.core.db import utcnow
from app.core.memo import TimedCache
from app.core.permissions import Permission, role_has
from app.core.security_events import report_security_event
from app.core.suppression import (
    SMALL_CELL_TEXT,
    WITHHELD_TEXT,
    Protection,
    Sum,
    protect,
)
from app.core.tenancy import regional_read
from app.core.tenants import Tenant, region_of, tenant_of
from app.extensions import db

__all__ = ["SMALL_CELL_TEXT", "Overview", "Period", "own_overview", "regional_overview"]

REGION = "region"
STATUS_KINDS = ("applicable", "arranged", "not_arranged", "unknown")
TRAJECTORY_GROUPS = ("started", "running", "finished")


# --- periods ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    """A month ("2026-07"), a quarter ("2026-Q3") or a year ("2026"), first to last day."""

    key: str
    kind: str
    start: date
    end: date

    @property
    def label(self) -> str:
        if self.kind == "year":
            return self.key
        if self.kind == "quarter":
            return _("Q%(quarter)s %(year)s", quarter=self.key[-1], year=self.start.year)
        return _("%(month)s %(year)s", month=month_name(self.start.month), year=self.start.year)

    @classmethod
    def of(cls, key: str | None, today: date) -> Period:
        """The period named by ``key``; the current quarter when it names none."""
        try:
            return cls._parse(key or "")
        except ValueError:
            return cls.quarter_of(today)

    @classmethod
    def _parse(cls, key: str) -> Period:
        if len(key) == 4 and key.isdigit():
            year = int(key)
            return cls(key, "year", date(year, 1, 1), date(year, 12, 31))
        if len(key) == 7 and key[4:6] == "-Q" and key[:4].isdigit() and key[6] in "1234":
            year, quarter = int(key[:4]), int(key[6])
            start = date(year, 3 * quarter - 2, 1)
            return cls(key, "quarter", start, add_months(start, 3) - timedelta(days=1))
        if len(key) == 7 and key[4] == "-" and key[:4].isdigit() and key[5:].isdigit():
            start = date(int(key[:4]), int(key[5:]), 1)  # ValueError for month 13
            return cls(key, "month", start, add_months(start, 1) - timedelta(days=1))
        raise ValueError(key)

    @classmethod
    def quarter_of(cls, day: date) -> Period:
        return cls._parse(f"{day.year}-Q{(day.month - 1) // 3 + 1}")


_MONTHS = (
    _l("January"), _l("February"), _l("March"), _l("April"), _l("May"), _l("June"),
    _l("July"), _l("August"), _l("September"), _l("October"), _l("November"), _l("December"),
)  # fmt: skip


def MONTH_NAMES() -> list[str]:  # noqa: N802 - a table, translated when asked
    return [str(name) for name in _MONTHS]


def month_name(month: int) -> str:
    """One month's name (1 = January), translated alone: the period list labels 24 periods
    on every page, and translating all twelve names for each cost more than its queries."""
    return str(_MONTHS[month - 1])


def cell_texts() -> dict[str, str]:
    """The texts of a life-domain cell, translated once per page instead of once per cell
    (a regional page has over a hundred cells; each translation looks up the locale)."""
    return {
        "of": _("%(arranged)s of %(applicable)s"),
        "not_arranged": _("not arranged: %(count)s"),
        "unknown": _("unknown: %(count)s"),
    }


def period_choices(today: date) -> list[Period]:
    """What the period list offers: the last 12 months, 8 quarters and 4 years."""
    months = [Period._parse(f"{m.year}-{m.month:02d}") for m in reversed(month_starts(today))]
    quarters, day = [], today
    for _i in range(8):
        quarters.append(Period.quarter_of(day))
        day = add_months(quarters[-1].start, -1)
    years = [Period._parse(str(today.year - back)) for back in range(4)]
    return quarters + months + years


# --- the figures as shown -----------------------------------------------------------------


@dataclass(frozen=True)
class Shown:
    """One figure as the reader may see it: exact, "< 5" or withheld ("—")."""

    value: int
    hidden: bool = False
    withheld: bool = False

    def __str__(self) -> str:
        if not self.hidden:
            return str(self.value)
        return WITHHELD_TEXT if self.withheld else SMALL_CELL_TEXT

    @property
    def shown(self) -> bool:
        return not self.hidden


@dataclass
class Row:
    """The figures of one municipality (``key``: its tenant id) or of the region."""

    key: int | str
    name: str
    slug: str | None
    own: bool
    cells: dict[tuple, Shown] = field(default_factory=dict)
    costs: dict[str, int] = field(default_factory=dict)

    def get(self, *column) -> Shown:
        return self.cells[column]

    def percent(self, moment: str, domain: str) -> int | None:
        """Arranged out of applicable in whole percents, when both are shown."""
        arranged = self.cells[("domain", moment, domain, "arranged")]
        applicable = self.cells[("domain", moment, domain, "applicable")]
        if arranged.hidden or applicable.hidden or not applicable.value:
            return None
        return (200 * arranged.value + applicable.value) // (2 * applicable.value)

    def cost(self, group: str) -> str:
        return format_currency(self.costs.get(group, 0) / 100, "EUR")


@dataclass
class Overview:
    scope: str  # "region" or "own"
    period: Period
    periods: list[Period]
    rows: list[Row]  # the municipalities
    region: Row | None
    domains: tuple[str, ...]
    months: list[date]
    today: date
    releases_until: date
    phases: tuple = NOW_PHASES
    moments: tuple = COHORT_MOMENTS
    # When the figures were read from the file (they may be kept a few minutes).
    read_at: datetime | None = None

    @property
    def all_rows(self) -> list[Row]:
        return self.rows + ([self.region] if self.region else [])

    def row_for(self, slug: str) -> Row | None:
        return next((r for r in self.rows if r.slug == slug), None)


def columns(domains, months) -> list[tuple]:
    """Every figure of a row, by its column."""
    cols: list[tuple] = [("phase", p.value) for p in NOW_PHASES]
    cols += [("open",), ("releases_soon",), ("overdue_tasks",)]
    cols += [("cohort",), ("back",), ("not_back",)]
    for moment in COHORT_MOMENTS:
        for domain in domains:
            cols += [("domain", moment.value, domain, kind) for kind in STATUS_KINDS]
    cols += [("trajectories", group) for group in TRAJECTORY_GROUPS]
    cols += [("month", month.isoformat()) for month in months]
    return cols


def values_of(raw: CohortRaw, domains, months) -> dict[tuple, int]:
    values: dict[tuple, int] = {
        ("phase", p.value): raw.by_phase.get(p.value, 0) for p in NOW_PHASES
    }
    values[("open",)] = sum(values[("phase", p.value)] for p in NOW_PHASES)
    values[("releases_soon",)] = raw.releases_soon
    values[("overdue_tasks",)] = raw.overdue_tasks
    values[("cohort",)] = raw.cohort
    values[("back",)] = raw.back_in_detention
    values[("not_back",)] = raw.cohort - raw.back_in_detention
    for moment in COHORT_MOMENTS:
        for domain in domains:
            counts = status_counts(raw, moment.value, domain)
            for kind in STATUS_KINDS:
                values[("domain", moment.value, domain, kind)] = counts[kind]
    for group in TRAJECTORY_GROUPS:
        values[("trajectories", group)] = raw.trajectories.get(group, [0, 0])[0]
    for month in months:
        values[("month", month.isoformat())] = raw.releases_by_month.get(month, 0)
    return values


def row_sums(row_key, domains) -> list[Sum]:
    """The sums within one row: all open = the phases; the cohort = back + not back;
    applicable = arranged + not arranged + unknown."""
    sums = [
        Sum((row_key, ("open",)), tuple((row_key, ("phase", p.value)) for p in NOW_PHASES)),
        Sum((row_key, ("cohort",)), ((row_key, ("back",)), (row_key, ("not_back",)))),
    ]
    for moment in COHORT_MOMENTS:
        for domain in domains:
            base = ("domain", moment.value, domain)
            sums.append(
                Sum(
                    (row_key, (*base, "applicable")),
                    tuple((row_key, (*base, kind)) for kind in STATUS_KINDS[1:]),
                )
            )
    return sums


def _domains(raws: list[CohortRaw]) -> tuple[str, ...]:
    domains = tuple(str(d) for d in CORE_LIFE_DOMAINS)
    social = str(LifeDomainKind.SOCIAL_NETWORK)
    if any(key[1] == social for raw in raws for key in raw.statuses):
        domains += (social,)
    return domains


def build(
    tenants: list[Tenant],
    raw: dict[int, CohortRaw],
    *,
    own_tenant_id: int,
    with_region: bool,
    period: Period,
    today: date,
    read_at: datetime | None = None,
    protections: dict | None = None,
) -> Overview:
    """The rows as shown: exact for ``own_tenant_id``, protected for the others.
    ``protections``: where the protection of these figures is kept with them (it is the
    same for the same figures and viewer, and was a quarter of the page's time)."""
    months = month_starts(period.end)
    raws = {t.id: raw.get(t.id, CohortRaw()) for t in tenants}
    domains = _domains(list(raws.values()))
    cols = columns(domains, months)
    values: dict[tuple, int] = {}
    sums: list[Sum] = []
    for tenant in tenants:
        for column, value in values_of(raws[tenant.id], domains, months).items():
            values[(tenant.id, column)] = value
        sums += row_sums(tenant.id, domains)
    if with_region:
        for column in cols:
            parts = tuple((t.id, column) for t in tenants)
            values[(REGION, column)] = sum(values[p] for p in parts)
            sums.append(Sum((REGION, column), parts))
        sums += row_sums(REGION, domains)
    exact = {cell for cell in values if cell[0] == own_tenant_id}
    guarded = {cell for cell in values if cell[0] not in (own_tenant_id, REGION)}
    memo_key = (own_tenant_id, with_region, tuple(t.id for t in tenants))
    protection = (protections or {}).get(memo_key)
    if protection is None:
        protection = protect(values, sums, exact, guarded) if guarded else Protection(set(), set())
        if protections is not None:
            protections[memo_key] = protection

    def make_row(key, name, slug, costs) -> Row:
        row = Row(key=key, name=name, slug=slug, own=key == own_tenant_id, costs=costs)
        row.cells = {
            c: Shown(
                values[(key, c)],
                (key, c) in protection.hidden,
                (key, c) in protection.withheld,
            )
            for c in cols
        }
        return row

    rows = [
        make_row(
            t.id,
            t.name,
            t.slug,
            {g: raws[t.id].trajectories.get(g, [0, 0])[1] for g in TRAJECTORY_GROUPS},
        )
        for t in tenants
    ]
    region = None
    if with_region:
        costs = {g: sum(r.costs[g] for r in rows) for g in TRAJECTORY_GROUPS}
        region = make_row(REGION, _("Region"), None, costs)
    return Overview(
        scope="region" if with_region else "own",
        period=period,
        periods=period_choices(today),
        rows=rows,
        region=region,
        domains=domains,
        months=months,
        today=today,
        releases_until=today + SIX_WEEKS,
        read_at=read_at,
    )


# --- who sees which overview ----------------------------------------------------------------


def may_see_region(user) -> bool:
    """The regional coordinator, and only of a region's centre municipality (the account services
    give the role nowhere else; a row made past them gets nothing either)."""
    if not role_has(user.role, frozenset({Permission.REGIONAL_OVERVIEW})):
        return False
    tenant = tenant_of(user.tenant_id)
    return tenant is not None and tenant.is_centre


# The figures as read, per worker, for ``OVERVIEW_CACHE_SECONDS`` (app.core.memo).
FIGURES = TimedCache()


@dataclass(frozen=True)
class KeptFigures:
    """The figures as read, and their small-cell protections by viewer (``build``)."""

    raw: dict[int, CohortRaw]
    protections: dict = field(default_factory=dict)


def _figures(key: tuple, compute) -> tuple[KeptFigures, datetime, bool]:
    """The figures of ``key`` (whose figures they are, the period and the day), when they
    were read, and whether they were kept from an earlier request."""
    seconds = current_app.config["OVERVIEW_CACHE_SECONDS"]
    kept, age = FIGURES.get_or_compute(key, seconds, lambda: KeptFigures(compute()))
    return kept, utcnow() - timedelta(seconds=age or 0), age is not None


def regional_overview(user, period: Period, *, today: date | None = None) -> Overview:
    """The region's overview for ``user``; 403 (logged) for anyone but the centre's
    coordinator. The centre's own figures are exact, the others' protected.

    Figures kept from an earlier request are the centre's region's (the key names the
    centre); showing them is logged as the regional read itself is, so the security log
    names everyone who saw the region's figures."""
    if not may_see_region(user):
        report_refused_access(user, "regional_overview", "not the centre municipality")
        raise Forbidden()
    today = today or date.today()
    tenants = region_of(user.tenant_id)

    def read():
        with regional_read(db.session, actor=str(user.id), purpose="regional monitor overview"):
            return read_cohort_figures(period.start, period.end, today)

    key = ("region", user.tenant_id, period.start, period.end, today)
    figures, read_at, kept = _figures(key, read)
    if kept:
        purpose = "regional monitor overview (kept figures)"
        report_security_event(
            "regional figures shown",
            event="regional_read",
            result="granted",
            tenant_id=user.tenant_id,
            user_id=str(user.id),
            detail=purpose,
            purpose=purpose,
            actor=str(user.id),
        )
    return build(
        tenants,
        figures.raw,
        own_tenant_id=user.tenant_id,
        with_region=True,
        period=period,
        today=today,
        read_at=read_at,
        protections=figures.protections,
    )


def own_overview(user, period: Period, *, today: date | None = None) -> Overview:
    """The overview of ``user``'s own municipality, every figure exact (no regional read)."""
    today = today or date.today()
    tenant = tenant_of(user.tenant_id)
    key = ("own", tenant.id, period.start, period.end, today)
    figures, read_at, _kept = _figures(
        key, lambda: read_cohort_figures(period.start, period.end, today)
    )
    return build(
        [tenant],
        figures.raw,
        own_tenant_id=tenant.id,
        with_region=False,
        period=period,
        today=today,
        read_at=read_at,
        protections=figures.protections,
    )
