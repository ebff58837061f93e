"""Counts of the trajectories' clients, for the grant's accountability report
(``app.regional``): grouped by municipality, no person leaves the query."""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from sqlalchemy import and_, func, select

from app.cases.handover.models import Trajectory
from app.cases.models import Case
from app.extensions import db


def clients_of_trajectories(trajectory_ids: Iterable[uuid.UUID]) -> dict[int, int]:
    """The number of distinct clients behind ``trajectory_ids``, by municipality (tenant
    id); only the rows the session may read count (inside ``regional_read``: the region)."""
    ids = list(trajectory_ids)
    if not ids:
        return {}
    rows = db.session.execute(
        select(Trajectory.tenant_id, func.count(func.distinct(Case.client_id)))
        .join(Case, and_(Case.tenant_id == Trajectory.tenant_id, Case.id == Trajectory.case_id))
        .where(Trajectory.id.in_(ids))
        .group_by(Trajectory.tenant_id)
    )
    return {tenant_id: int(count) for tenant_id, count in rows}
