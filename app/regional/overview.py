"""The regional monitor overview: aggregate figures per municipality of the region.

What the regional coordinator of the centre municipality (Deventer) sees on ``/regio``,
per municipality and for the region as a whole:

- open cases per phase, and the cases closed in the last 12 months (a closed case whose
  closing, or latest closing after a reopening, falls in that window);
- the releases expected in the next six weeks (cases not closed and not yet released);
- the national monitor's basic conditions: per life domain and per measuring point
  (release, six months after release), of the cases whose snapshot of that domain exists
  and applies (voided measurements and "not applicable" left out), how many were
  arranged ("geregeld"), as a count and a percentage, and how many were unknown;
- the trajectories handed to the care director that start this calendar year (the year
  finance counts them in), cancelled ones left out: their number, how many are active and
  completed, and their total cost in EUR.

Privacy rules:

- **Aggregate figures only.** The queries select counts and sums grouped by
  ``tenant_id``; no name, citizen number, case id or anything about one person leaves
  the database, and no ORM object of another municipality enters the session.
- **Small cells** (``app.core.suppression``). A count from 1 to 4 is shown as "< 5"
  instead of the number: in a small group a figure can point to a person. Zero is shown
  as 0. The region's totals follow the same rule, and a region total is withheld ("—")
  wherever a municipality's figure in that column is a small cell: otherwise the total
  minus the other municipalities' figures would give the hidden one back (secondary
  suppression). Within a row, a figure that would give a small one back by subtraction
  is withheld too: the arranged count where the number not arranged is small, and the
  other of active and completed trajectories where one of them is small. A percentage is
  shown only when neither its count nor its group is such a small cell, and a total cost
  only when the number of trajectories is not (the cost divided by the default cost
  would give the number back).
- **One way across municipalities.** Everything is read inside ``regional_read``
  (``app.core.tenancy``), which logs every opening on the ``nazorg.security`` logger;
  the page is refused (403, logged as refused access) to a user who is not the regional
  coordinator of the centre municipality. On PostgreSQL the ``regional_read`` policy
  works only for a session bound to the centre municipality anyway; on SQLite the
  check here is the only thing that keeps the read in one municipality.
- **No access-log row.** The access log (NEN 7513) records access to a client's data;
  this page shows none, so opening it writes no access-log row (only the security-log
  line of ``regional_read``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_babel import format_currency
from flask_babel import gettext as _
from werkzeug.exceptions import Forbidden

from app.cases.api import (
    CLOSED_WINDOW_MONTHS,
    CORE_LIFE_DOMAINS,
    MOMENTS,
    OPEN_PHASES,
    RELEASE_WINDOW,
    CasePhase,
    LifeDomainKind,
    MonitorMoment,
    TrajectoryStatus,
    read_figures,
)
from app.cases.api import RawFigures as _Raw
from app.core.audit import report_refused_access
from app.core.dates import add_months
from app.core.permissions import Permission, role_has
from app.core.suppression import (
    SMALL_CELL_LIMIT,
    SMALL_CELL_TEXT,
    Count,
    Share,
    gives_away,
    is_small,
    withheld_totals,
)
from app.core.tenancy import regional_read
from app.core.tenants import Tenant, region_tenants
from app.extensions import db

__all__ = ["SMALL_CELL_TEXT", "Count", "Share", "read_figures", "regional_overview"]


@dataclass(frozen=True)
class Trajectories:
    count: Count
    active: Count
    completed: Count
    cost_cents: int

    @property
    def cost(self) -> str | None:
        """The total in EUR, or None when the number of trajectories is a small cell."""
        if self.count.small:
            return None
        return format_currency(self.cost_cents / 100, "EUR")


@dataclass(frozen=True)
class Figures:
    """The figures of one municipality, or of the whole region."""

    name: str
    open_by_phase: dict[str, Count]
    closed_recently: Count
    releases_soon: Count
    basics: dict[str, dict[str, Share]]  # moment -> life domain -> share
    unknown: dict[str, dict[str, Count]]  # moment -> life domain -> unknown (within measured)
    trajectories: Trajectories


@dataclass(frozen=True)
class RegionalOverview:
    municipalities: list[Figures]
    region: Figures
    phases: tuple[CasePhase, ...]
    moments: tuple[MonitorMoment, ...]
    domains: tuple[str, ...]
    today: date
    releases_until: date
    closed_since: date
    year: int


def may_see_region(user) -> bool:
    """The regional coordinator, and only of a region's centre municipality (the account services
    give the role nowhere else; a row made past them gets nothing either)."""
    if not role_has(user.role, frozenset({Permission.REGIONAL_OVERVIEW})):
        return False
    tenant = db.session.get(Tenant, user.tenant_id)
    return tenant is not None and tenant.is_centre


def regional_overview(user, *, today: date | None = None) -> RegionalOverview:
    """The overview for ``user``; 403 (logged) for anyone but the centre's coordinator."""
    if not may_see_region(user):
        report_refused_access(user, "regional_overview", "not the centre municipality")
        raise Forbidden()
    today = today or date.today()
    tenants = region_tenants(db.session.get(Tenant, user.tenant_id))
    with regional_read(db.session, actor=str(user.id), purpose="regional monitor overview"):
        raw = read_figures(today)
    region = _Raw()
    for tenant in tenants:
        region.add(raw.get(tenant.id, _Raw()))
    domains = tuple(CORE_LIFE_DOMAINS)
    if any(domain == LifeDomainKind.SOCIAL_NETWORK for _moment, domain in region.basics):
        domains += (LifeDomainKind.SOCIAL_NETWORK,)
    rows = {tenant.id: _columns(raw.get(tenant.id, _Raw()), domains) for tenant in tenants}
    # A region total goes where any municipality's figure in its column is small or withheld.
    region_withheld = withheld_totals(
        list(rows.values()),
        {index: _withheld_in_row(values) for index, values in enumerate(rows.values())},
    )
    return RegionalOverview(
        municipalities=[
            _figures(tenant.name, raw.get(tenant.id, _Raw()), domains) for tenant in tenants
        ],
        region=_figures(_("Region"), region, domains, region_withheld),
        phases=OPEN_PHASES,
        moments=MOMENTS,
        domains=tuple(str(d) for d in domains),
        today=today,
        releases_until=today + RELEASE_WINDOW,
        closed_since=add_months(today, -CLOSED_WINDOW_MONTHS),
        year=today.year,
    )


def _columns(raw: _Raw, domains) -> dict[tuple, int]:
    """Every figure of one municipality by its column on the page."""
    columns: dict[tuple, int] = {
        ("phase", p.value): raw.by_phase.get(p.value, 0) for p in OPEN_PHASES
    }
    columns[("closed_recently",)] = raw.closed_recently
    columns[("releases_soon",)] = raw.releases_soon
    for moment in MOMENTS:
        for domain in domains:
            measured, arranged, unknown = raw.basics.get((moment.value, str(domain)), (0, 0, 0))
            columns[("measured", moment.value, str(domain))] = measured
            columns[("arranged", moment.value, str(domain))] = arranged
            columns[("unknown", moment.value, str(domain))] = unknown
    columns[("trajectories",)] = sum(raw.trajectories.values())
    for status in (TrajectoryStatus.ACTIVE, TrajectoryStatus.COMPLETED):
        columns[("trajectories", status.value)] = raw.trajectories.get(status.value, 0)
    return columns


ACTIVE = ("trajectories", TrajectoryStatus.ACTIVE.value)
COMPLETED = ("trajectories", TrajectoryStatus.COMPLETED.value)


def _withheld_in_row(values: dict[tuple, int]) -> set[tuple]:
    """Figures of one row that would give a small cell of the same row back.

    - Arranged out of measured: measured minus arranged minus unknown is the number not
      arranged; when that is small, the arranged count (and so the percentage) is withheld.
    - Trajectories: active plus completed is nearly always the number (proposed is rare);
      when one of them is small, the other is withheld.
    """
    withheld = set()
    for column, measured in values.items():
        if column[0] == "measured":
            arranged = ("arranged", *column[1:])
            unknown = values[("unknown", *column[1:])]
            if gives_away(measured, values[arranged] + unknown):
                withheld.add(arranged)
    if is_small(values[ACTIVE]) or is_small(values[COMPLETED]):
        # A zero says nothing about a person and stays.
        withheld |= {c for c in (ACTIVE, COMPLETED) if values[c] >= SMALL_CELL_LIMIT}
    return withheld


def _figures(name: str, raw: _Raw, domains, withheld: set[tuple] | None = None) -> Figures:
    """The figures as shown; ``withheld``: columns not shown besides the row's own rules."""
    values = _columns(raw, domains)
    hidden = _withheld_in_row(values) | (withheld or set())

    def count(*column) -> Count:
        return Count(values[column], withheld=column in hidden)

    basics = {
        m.value: {
            str(d): Share(
                arranged=count("arranged", m.value, str(d)),
                measured=count("measured", m.value, str(d)),
            )
            for d in domains
        }
        for m in MOMENTS
    }
    unknown = {
        m.value: {str(d): count("unknown", m.value, str(d)) for d in domains} for m in MOMENTS
    }
    return Figures(
        name=name,
        open_by_phase={p.value: count("phase", p.value) for p in OPEN_PHASES},
        closed_recently=count("closed_recently"),
        releases_soon=count("releases_soon"),
        basics=basics,
        unknown=unknown,
        trajectories=Trajectories(
            count=count("trajectories"),
            active=count(*ACTIVE),
            completed=count(*COMPLETED),
            cost_cents=raw.cost_cents,
        ),
    )
