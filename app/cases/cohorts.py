"""The file's figures for the overview of a period and a release cohort (``app.regional``).

Grouped queries only: counts and sums by ``tenant_id`` (and by a date, a phase or a
status), never an id, a name or a row about one person. They read whatever the session
may see: inside ``regional_read`` of the centre municipality that is the region, anywhere
else the session's own municipality. The caller applies the small-cell rule.

Definitions (the plan issue's, as the monitor counts them):

- **Now** (on ``today``): open cases per phase; releases expected in the next six weeks
  (not closed, not yet released, expected release from today up to six weeks ahead);
  overdue tasks (open, due before today, of a case that is not closed).
- **Release cohort**: the cases whose recorded release (``actual_release``) falls in the
  chosen period (a month, a quarter or a year). For each life domain and each moment
  (intake, release, six months after release) the cohort's valid measurements: "not
  applicable" left out, "unknown" counted apart, voided measurements left out. The
  intake is the baseline: the same cohort's status at intake.
- **Back in detention within two years**: a cohort case closed with the outcome "back in
  detention", or followed by a new case of the same client (``previous_case_id``) whose
  detention started within two years after the release; counted once per case.
- **Trajectories** handed to the care director (cancelled ones left out): started in the
  period (start date in it), running (active, started on or before the period's end) and
  finished in the period (completed, end date in it), each with its cost in cents.
- **Trend**: releases per month over the twelve months up to the period's end.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import and_, func, or_, select
from sqlalchemy import case as sql_case
from sqlalchemy.orm import aliased, selectinload

from app.cases.handover.models import Trajectory, TrajectoryStatus
from app.cases.models import (
    Case,
    CasePhase,
    CloseOutcome,
    DomainSnapshot,
    DomainStatus,
    MonitorMoment,
)
from app.cases.plan.models import Task, TaskStatus
from app.core.dates import add_months, add_years
from app.core.db import with_hash_joins
from app.extensions import db

SIX_WEEKS = timedelta(weeks=6)
BACK_WITHIN_YEARS = 2
COHORT_MOMENTS = (MonitorMoment.INTAKE, MonitorMoment.RELEASE, MonitorMoment.SIX_MONTHS)
NOW_PHASES = (
    CasePhase.REGISTERED,
    CasePhase.IN_DETENTION,
    CasePhase.RELEASE_PREPARATION,
    CasePhase.AFTER_RELEASE,
    CasePhase.REOPENED,
)
TREND_MONTHS = 12


def _counts() -> defaultdict:
    return defaultdict(int)


@dataclass
class CohortRaw:
    """Plain numbers of one municipality, before any small-cell rule."""

    by_phase: dict[str, int] = field(default_factory=_counts)
    releases_soon: int = 0
    overdue_tasks: int = 0
    cohort: int = 0
    back_in_detention: int = 0
    # (moment, domain, status) -> number of valid measurements of the cohort
    statuses: dict[tuple[str, str, str], int] = field(default_factory=_counts)
    # "started" / "running" / "finished" -> (number, cost in cents)
    trajectories: dict[str, list[int]] = field(default_factory=lambda: defaultdict(lambda: [0, 0]))
    # first day of a month -> releases in that month
    releases_by_month: dict[date, int] = field(default_factory=_counts)


def month_starts(end: date, months: int = TREND_MONTHS) -> list[date]:
    """The first days of the ``months`` months up to and including ``end``'s month."""
    last = end.replace(day=1)
    return [add_months(last, -back) for back in range(months - 1, -1, -1)]


def read_cohort_figures(start: date, end: date, today: date) -> dict[int, CohortRaw]:
    """The plain numbers per tenant id for the period ``start``..``end`` (inclusive), in a
    fixed number of grouped queries whatever the number of cases."""
    with with_hash_joins(db.session):
        return _read_cohort_figures(start, end, today)


def _read_cohort_figures(start: date, end: date, today: date) -> dict[int, CohortRaw]:
    raw: dict[int, CohortRaw] = defaultdict(CohortRaw)
    session = db.session
    not_closed = Case.phase != CasePhase.CLOSED.value

    for tenant_id, phase, n in session.execute(
        select(Case.tenant_id, Case.phase, func.count())
        .where(Case.phase.in_([p.value for p in NOW_PHASES]))
        .group_by(Case.tenant_id, Case.phase)
    ):
        raw[tenant_id].by_phase[phase] = n

    for tenant_id, n in session.execute(
        select(Case.tenant_id, func.count())
        .where(
            not_closed,
            Case.actual_release.is_(None),
            Case.expected_release >= today,
            Case.expected_release <= today + SIX_WEEKS,
        )
        .group_by(Case.tenant_id)
    ):
        raw[tenant_id].releases_soon = n

    for tenant_id, n in session.execute(
        select(Task.tenant_id, func.count())
        .join(Case, and_(Case.tenant_id == Task.tenant_id, Case.id == Task.case_id))
        .where(Task.status == TaskStatus.OPEN.value, Task.due_date < today, not_closed)
        .group_by(Task.tenant_id)
    ):
        raw[tenant_id].overdue_tasks = n

    in_cohort = and_(Case.actual_release >= start, Case.actual_release <= end)
    for tenant_id, moment, domain, status, n in session.execute(
        select(
            DomainSnapshot.tenant_id,
            DomainSnapshot.moment,
            DomainSnapshot.domain,
            DomainSnapshot.status,
            func.count(),
        )
        .join(
            Case,
            and_(Case.tenant_id == DomainSnapshot.tenant_id, Case.id == DomainSnapshot.case_id),
        )
        .where(in_cohort, DomainSnapshot.voided_at.is_(None))
        .group_by(
            DomainSnapshot.tenant_id,
            DomainSnapshot.moment,
            DomainSnapshot.domain,
            DomainSnapshot.status,
        )
    ):
        raw[tenant_id].statuses[(moment, domain, status)] = n

    # Cohort size and returns, grouped by release day and the first later detention: the
    # two-year window is compared here, the same way on SQLite and PostgreSQL.
    later = aliased(Case)
    next_detention = (
        select(func.min(later.detention_start))
        .where(
            later.tenant_id == Case.tenant_id,
            later.previous_case_id == Case.id,
            later.detention_start >= Case.actual_release,
        )
        .correlate(Case)
        .scalar_subquery()
    )
    closed_back = sql_case((Case.close_outcome == CloseOutcome.BACK_IN_DETENTION.value, 1), else_=0)
    for tenant_id, released, back_closed, detained, n in session.execute(
        select(Case.tenant_id, Case.actual_release, closed_back, next_detention, func.count())
        .where(in_cohort)
        .group_by(Case.tenant_id, Case.actual_release, closed_back, next_detention)
    ):
        figures = raw[tenant_id]
        figures.cohort += n
        if back_closed or (
            detained is not None and detained <= add_years(released, BACK_WITHIN_YEARS)
        ):
            figures.back_in_detention += n

    counted = [TrajectoryStatus.PROPOSED.value, TrajectoryStatus.ACTIVE.value]
    counted.append(TrajectoryStatus.COMPLETED.value)
    started = and_(Trajectory.start_date >= start, Trajectory.start_date <= end)
    running = and_(Trajectory.status == TrajectoryStatus.ACTIVE.value, Trajectory.start_date <= end)
    finished = and_(
        Trajectory.status == TrajectoryStatus.COMPLETED.value,
        Trajectory.end_date >= start,
        Trajectory.end_date <= end,
    )

    def number(condition):
        return func.coalesce(func.sum(sql_case((condition, 1), else_=0)), 0)

    def cost(condition):
        return func.coalesce(func.sum(sql_case((condition, Trajectory.cost_cents), else_=0)), 0)

    for row in session.execute(
        select(
            Trajectory.tenant_id,
            number(started),
            cost(started),
            number(running),
            cost(running),
            number(finished),
            cost(finished),
        )
        .where(Trajectory.status.in_(counted), or_(started, running, finished))
        .group_by(Trajectory.tenant_id)
    ):
        figures = raw[row[0]]
        figures.trajectories["started"] = [int(row[1]), int(row[2])]
        figures.trajectories["running"] = [int(row[3]), int(row[4])]
        figures.trajectories["finished"] = [int(row[5]), int(row[6])]

    first = month_starts(end)[0]
    for tenant_id, released, n in session.execute(
        select(Case.tenant_id, Case.actual_release, func.count())
        .where(Case.actual_release >= first, Case.actual_release <= end)
        .group_by(Case.tenant_id, Case.actual_release)
    ):
        raw[tenant_id].releases_by_month[released.replace(day=1)] += n
    return dict(raw)


def status_counts(raw: CohortRaw, moment: str, domain: str) -> dict[str, int]:
    """Arranged, not arranged and unknown of one domain at one moment; applicable is their
    sum (not applicable left out)."""
    arranged = raw.statuses.get((moment, domain, DomainStatus.ARRANGED.value), 0)
    not_arranged = raw.statuses.get((moment, domain, DomainStatus.NOT_ARRANGED.value), 0)
    unknown = raw.statuses.get((moment, domain, DomainStatus.UNKNOWN.value), 0)
    return {
        "applicable": arranged + not_arranged + unknown,
        "arranged": arranged,
        "not_arranged": not_arranged,
        "unknown": unknown,
    }


LIST_FIGURES = (
    "releases_soon",
    "overdue_tasks",
    "cohort",
    *(f"phase:{p.value}" for p in NOW_PHASES),
)
LIST_LIMIT = 500


def cases_behind(figure: str, start: date, end: date, today: date) -> list[Case]:
    """The cases of the session's municipality behind one figure of the overview (the same
    conditions as its count in ``read_cohort_figures``), clients loaded, by client name.
    ``figure`` is one of ``LIST_FIGURES``; anything else gives an empty list."""
    query = select(Case).options(selectinload(Case.client))
    if figure.startswith("phase:"):
        phase = figure.removeprefix("phase:")
        if phase not in {p.value for p in NOW_PHASES}:
            return []
        query = query.where(Case.phase == phase)
    elif figure == "releases_soon":
        query = query.where(
            Case.phase != CasePhase.CLOSED.value,
            Case.actual_release.is_(None),
            Case.expected_release >= today,
            Case.expected_release <= today + SIX_WEEKS,
        )
    elif figure == "overdue_tasks":
        overdue = (
            select(Task.id)
            .where(
                Task.tenant_id == Case.tenant_id,
                Task.case_id == Case.id,
                Task.status == TaskStatus.OPEN.value,
                Task.due_date < today,
            )
            .exists()
        )
        query = query.where(Case.phase != CasePhase.CLOSED.value, overdue)
    elif figure == "cohort":
        query = query.where(Case.actual_release >= start, Case.actual_release <= end)
    else:
        return []
    cases = list(db.session.scalars(query.limit(LIST_LIMIT)))
    return sorted(cases, key=lambda c: (c.client.family_name, c.client.given_name))
