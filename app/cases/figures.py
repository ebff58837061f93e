"""The file's figures per municipality, for the regional overview (``app.regional``).

Grouped queries only: counts and sums by ``tenant_id``, never a row about one person.
They read whatever the session may see: inside ``regional_read`` of the centre
municipality that is the region, anywhere else the session's own municipality. The
caller opens the read and applies the small-cell rule (``app.core.suppression``).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import and_, exists, func, select
from sqlalchemy import case as sql_case

from app.cases.handover.models import Trajectory, TrajectoryStatus
from app.cases.models import (
    Case,
    CasePhase,
    DomainSnapshot,
    DomainStatus,
    MonitorMoment,
    PhaseChange,
)
from app.core.dates import add_months
from app.extensions import db

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


@dataclass
class RawFigures:
    """Plain numbers of one municipality (or the sum of them), before the small-cell rule."""

    by_phase: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    closed_recently: int = 0
    releases_soon: int = 0
    # (moment, domain) -> [measured, arranged, unknown]; measured: the applicable ones
    # (not applicable left out), unknown counted on its own within them
    basics: dict[tuple[str, str], list[int]] = field(
        default_factory=lambda: defaultdict(lambda: [0, 0, 0])
    )
    trajectories: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    cost_cents: int = 0

    def add(self, other: RawFigures) -> None:
        for phase, n in other.by_phase.items():
            self.by_phase[phase] += n
        self.closed_recently += other.closed_recently
        self.releases_soon += other.releases_soon
        for key, values in other.basics.items():
            for index, value in enumerate(values):
                self.basics[key][index] += value
        for status, n in other.trajectories.items():
            self.trajectories[status] += n
        self.cost_cents += other.cost_cents


def read_figures(today: date) -> dict[int, RawFigures]:
    """The plain numbers per tenant id, in five grouped queries.

    Reads whatever the session may see: inside ``regional_read`` of the centre
    municipality that is the region, anywhere else the session's own municipality."""
    raw: dict[int, RawFigures] = defaultdict(RawFigures)
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

    # Voided measurements are left out of every figure; "not applicable" is not measured.
    def counted(status: DomainStatus):
        return func.sum(sql_case((DomainSnapshot.status == status.value, 1), else_=0))

    for tenant_id, moment, domain, measured, n_arranged, n_unknown in session.execute(
        select(
            DomainSnapshot.tenant_id,
            DomainSnapshot.moment,
            DomainSnapshot.domain,
            func.count(),
            counted(DomainStatus.ARRANGED),
            counted(DomainStatus.UNKNOWN),
        )
        .where(
            DomainSnapshot.moment.in_([m.value for m in MOMENTS]),
            DomainSnapshot.voided_at.is_(None),
            DomainSnapshot.status != DomainStatus.NOT_APPLICABLE.value,
        )
        .group_by(DomainSnapshot.tenant_id, DomainSnapshot.moment, DomainSnapshot.domain)
    ):
        raw[tenant_id].basics[(moment, domain)] = [
            measured,
            int(n_arranged or 0),
            int(n_unknown or 0),
        ]

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
