"""The regional monitor overview: aggregate figures per municipality of the region.

What the regional coordinator of the centre municipality (Deventer) sees on ``/regio``,
per municipality and for the region as a whole:

- open cases per phase, and the cases closed in the last 12 months (a closed case whose
  closing, or latest closing after a reopening, falls in that window);
- the releases expected in the next six weeks (cases not closed and not yet released);
- the national monitor's basic conditions: per life domain and per measuring point
  (release, six months after release), of the cases whose snapshot of that domain exists,
  how many were arranged ("geregeld"), as a count and a percentage;
- the trajectories handed to the care director that start this calendar year (the year
  finance counts them in), cancelled ones left out: their number, how many are active and
  completed, and their total cost in EUR.

Privacy rules:

- **Aggregate figures only.** The queries select counts and sums grouped by
  ``tenant_id``; no name, citizen number, case id or anything about one person leaves
  the database, and no ORM object of another municipality enters the session.
- **Small cells.** A count from 1 to 4 is shown as "< 5" instead of the number: in a
  small group a figure can point to a person. Zero is shown as 0. The region's totals
  follow the same rule, and a region total is withheld ("—") wherever a municipality's
  figure in that column is a small cell: otherwise the total minus the other
  municipalities' figures would give the hidden one back (secondary suppression). Within
  a row, a figure that would give a small one back by subtraction is withheld too: the
  arranged count where the number not arranged is small, and the other of active and
  completed trajectories where one of them is small. A
  percentage is shown only when neither its count nor its group is such a small cell,
  and a total cost only when the number of trajectories is not (the cost divided by the
  default cost would give the number back).
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

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from flask_babel import format_currency
from flask_babel import gettext as _
from sqlalchemy import and_, exists, func, select
from sqlalchemy import case as sql_case
from werkzeug.exceptions import Forbidden

from app.cases.handover.models import Trajectory, TrajectoryStatus
from app.cases.models import (
    CORE_LIFE_DOMAINS,
    Case,
    CasePhase,
    DomainSnapshot,
    DomainStatus,
    LifeDomainKind,
    MonitorMoment,
    PhaseChange,
    add_months,
)
from app.core.audit import report_refused_access
from app.core.permissions import Permission, role_has
from app.core.tenancy import regional_read
from app.extensions import db
from app.tenants.models import Tenant

SMALL_CELL_LIMIT = 5
RELEASE_WINDOW = timedelta(weeks=6)
CLOSED_WINDOW_MONTHS = 12
OPEN_PHASES = (
    CasePhase.REGISTERED,
    CasePhase.IN_DETENTION,
    CasePhase.RELEASE_PREPARATION,
    CasePhase.AFTER_RELEASE,
    CasePhase.REOPENED,
)
MOMENTS = (MonitorMoment.RELEASE, MonitorMoment.SIX_MONTHS)
COUNTED_TRAJECTORIES = (
    TrajectoryStatus.PROPOSED,
    TrajectoryStatus.ACTIVE,
    TrajectoryStatus.COMPLETED,
)
SMALL_CELL_TEXT = f"< {SMALL_CELL_LIMIT}"
WITHHELD_TEXT = "—"


def is_small(value: int) -> bool:
    return 0 < value < SMALL_CELL_LIMIT


@dataclass(frozen=True)
class Count:
    """A count as the page may show it: "< 5" for a small cell, "—" when withheld."""

    value: int
    withheld: bool = False

    @property
    def small(self) -> bool:
        # A withheld count hides what depends on it (percentages, costs) as a small one does.
        return self.withheld or is_small(self.value)

    def __str__(self) -> str:
        if self.withheld:
            return WITHHELD_TEXT
        return SMALL_CELL_TEXT if self.small else str(self.value)


@dataclass(frozen=True)
class Share:
    """Arranged out of measured; the percentage only when neither count is a small cell."""

    arranged: Count
    measured: Count

    @property
    def percent(self) -> int | None:
        if self.arranged.small or self.measured.small or not self.measured.value:
            return None
        # Rounded half up, as a reader expects (not to the even number).
        return (200 * self.arranged.value + self.measured.value) // (2 * self.measured.value)


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


@dataclass
class _Raw:
    """Plain numbers of one municipality (or the sum of them), before the small-cell rule."""

    by_phase: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    closed_recently: int = 0
    releases_soon: int = 0
    # (moment, domain) -> [measured, arranged]
    basics: dict[tuple[str, str], list[int]] = field(
        default_factory=lambda: defaultdict(lambda: [0, 0])
    )
    trajectories: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    cost_cents: int = 0

    def add(self, other: _Raw) -> None:
        for phase, n in other.by_phase.items():
            self.by_phase[phase] += n
        self.closed_recently += other.closed_recently
        self.releases_soon += other.releases_soon
        for key, (measured, arranged) in other.basics.items():
            self.basics[key][0] += measured
            self.basics[key][1] += arranged
        for status, n in other.trajectories.items():
            self.trajectories[status] += n
        self.cost_cents += other.cost_cents


def may_see_region(user) -> bool:
    """The regional coordinator, and only of the centre municipality (the account services
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
    tenants = list(db.session.scalars(select(Tenant).order_by(Tenant.name)))
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
    region_withheld = {
        column
        for values in rows.values()
        for column, value in values.items()
        if is_small(value) or column in _withheld_in_row(values)
    }
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


def read_figures(today: date) -> dict[int, _Raw]:
    """The plain numbers per tenant id, in five grouped queries.

    Reads whatever the session may see: inside ``regional_read`` of the centre
    municipality that is the region, anywhere else the session's own municipality."""
    raw: dict[int, _Raw] = defaultdict(_Raw)
    session = db.session

    for tenant_id, phase, n in session.execute(
        select(Case.tenant_id, Case.phase, func.count())
        .where(Case.phase.in_([p.value for p in OPEN_PHASES]))
        .group_by(Case.tenant_id, Case.phase)
    ):
        raw[tenant_id].by_phase[phase] = n

    since = add_months(today, -CLOSED_WINDOW_MONTHS)
    closed_in_window = exists().where(
        and_(
            PhaseChange.tenant_id == Case.tenant_id,
            PhaseChange.case_id == Case.id,
            PhaseChange.to_phase == CasePhase.CLOSED.value,
            PhaseChange.changed_at >= datetime(since.year, since.month, since.day, tzinfo=UTC),
        )
    )
    for tenant_id, n in session.execute(
        select(Case.tenant_id, func.count())
        .where(Case.phase == CasePhase.CLOSED.value, closed_in_window)
        .group_by(Case.tenant_id)
    ):
        raw[tenant_id].closed_recently = n

    for tenant_id, n in session.execute(
        select(Case.tenant_id, func.count())
        .where(
            Case.phase != CasePhase.CLOSED.value,
            Case.actual_release.is_(None),
            Case.expected_release >= today,
            Case.expected_release <= today + RELEASE_WINDOW,
        )
        .group_by(Case.tenant_id)
    ):
        raw[tenant_id].releases_soon = n

    is_arranged = DomainSnapshot.status == DomainStatus.ARRANGED.value
    arranged = func.sum(sql_case((is_arranged, 1), else_=0))
    for tenant_id, moment, domain, measured, n_arranged in session.execute(
        select(
            DomainSnapshot.tenant_id,
            DomainSnapshot.moment,
            DomainSnapshot.domain,
            func.count(),
            arranged,
        )
        .where(DomainSnapshot.moment.in_([m.value for m in MOMENTS]))
        .group_by(DomainSnapshot.tenant_id, DomainSnapshot.moment, DomainSnapshot.domain)
    ):
        raw[tenant_id].basics[(moment, domain)] = [measured, int(n_arranged or 0)]

    for tenant_id, status, n, cost in session.execute(
        select(
            Trajectory.tenant_id,
            Trajectory.status,
            func.count(),
            func.coalesce(func.sum(Trajectory.cost_cents), 0),
        )
        .where(
            Trajectory.status.in_([s.value for s in COUNTED_TRAJECTORIES]),
            Trajectory.start_date >= date(today.year, 1, 1),
            Trajectory.start_date <= date(today.year, 12, 31),
        )
        .group_by(Trajectory.tenant_id, Trajectory.status)
    ):
        raw[tenant_id].trajectories[status] = n
        raw[tenant_id].cost_cents += int(cost)
    return dict(raw)


def _columns(raw: _Raw, domains) -> dict[tuple, int]:
    """Every figure of one municipality by its column on the page."""
    columns: dict[tuple, int] = {
        ("phase", p.value): raw.by_phase.get(p.value, 0) for p in OPEN_PHASES
    }
    columns[("closed_recently",)] = raw.closed_recently
    columns[("releases_soon",)] = raw.releases_soon
    for moment in MOMENTS:
        for domain in domains:
            measured, arranged = raw.basics.get((moment.value, str(domain)), (0, 0))
            columns[("measured", moment.value, str(domain))] = measured
            columns[("arranged", moment.value, str(domain))] = arranged
    columns[("trajectories",)] = sum(raw.trajectories.values())
    for status in (TrajectoryStatus.ACTIVE, TrajectoryStatus.COMPLETED):
        columns[("trajectories", status.value)] = raw.trajectories.get(status.value, 0)
    return columns


ACTIVE = ("trajectories", TrajectoryStatus.ACTIVE.value)
COMPLETED = ("trajectories", TrajectoryStatus.COMPLETED.value)


def _withheld_in_row(values: dict[tuple, int]) -> set[tuple]:
    """Figures of one row that would give a small cell of the same row back.

    - Arranged out of measured: measured minus arranged is the number not arranged; when
      that is small, the arranged count (and so the percentage) is withheld.
    - Trajectories: active plus completed is nearly always the number (proposed is rare);
      when one of them is small, the other is withheld.
    """
    withheld = set()
    for column, measured in values.items():
        if column[0] == "measured":
            arranged = ("arranged", *column[1:])
            if is_small(measured - values[arranged]):
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
    return Figures(
        name=name,
        open_by_phase={p.value: count("phase", p.value) for p in OPEN_PHASES},
        closed_recently=count("closed_recently"),
        releases_soon=count("releases_soon"),
        basics=basics,
        trajectories=Trajectories(
            count=count("trajectories"),
            active=count(*ACTIVE),
            completed=count(*COMPLETED),
            cost_cents=raw.cost_cents,
        ),
    )
