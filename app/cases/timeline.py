"""The timeline of a case: one row per change, written by the services that make it.

``case_id`` has no foreign key on purpose: when a case leaves for another
municipality, the sending side keeps the one row that says so (a tombstone)
while every other row of the case goes with it.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Index, String, select
from sqlalchemy.orm import Mapped, mapped_column

from app.core.db import TenantScoped, UTCDateTime, utcnow
from app.extensions import db


class EventKind(StrEnum):
    OPENED = "opened"
    INTAKE = "intake"
    INTAKE_VERSION = "intake_version"  # a later message of the prison about the detention
    PHASE = "phase"
    CASE_UPDATED = "case_updated"
    CLIENT_UPDATED = "client_updated"
    DOMAIN_UPDATED = "domain_updated"
    SNAPSHOT = "snapshot"
    SNAPSHOT_VOIDED = "snapshot_voided"
    RELEASE_CORRECTED = "release_corrected"
    RELEASE_MOVED = "release_moved"
    RELEASED = "released"
    PLAN_GENERATED = "plan_generated"
    TASK_DONE = "task_done"
    TASK_REOPENED = "task_reopened"
    TASK_ADDED = "task_added"
    TASK_UPDATED = "task_updated"
    TASK_NOT_APPLICABLE = "task_not_applicable"  # closed by the plan's conditions
    NOTE_ADDED = "note_added"
    NOTE_EDITED = "note_edited"
    CONSENT = "consent"
    REFERRAL = "referral"
    REFERRAL_OUTCOME = "referral_outcome"
    # An open referral's start followed the release (help that starts only after it).
    REFERRAL_START_MOVED = "referral_start_moved"
    TRAJECTORY = "trajectory"
    TRAJECTORY_UPDATED = "trajectory_updated"
    # The care director's own reports (the provider view) and the invoice's decision.
    TRAJECTORY_PROGRESS = "trajectory_progress"
    TRAJECTORY_END_PROPOSED = "trajectory_end_proposed"
    TRAJECTORY_INVOICE = "trajectory_invoice"
    TRAJECTORY_INVOICE_DECIDED = "trajectory_invoice_decided"
    TRANSFER_OUT = "transfer_out"
    TRANSFER_IN = "transfer_in"
    TRANSFER_OFFERED = "transfer_offered"
    TRANSFER_ACCEPTED = "transfer_accepted"
    TRANSFER_DECLINED = "transfer_declined"
    RESPONSIBLE_SET = "responsible_set"
    EXPORTED = "exported"
    CIRCLE_REFERRAL = "circle_referral"
    CIRCLE_REFERRAL_ENDED = "circle_referral_ended"
    CLIENT_MERGED = "client_merged"  # two records of one person became one (cases.merge)
    PERSON_ADDED = "person_added"
    PERSON_UPDATED = "person_updated"
    PERSON_ENDED = "person_ended"
    DOCUMENT_ADDED = "document_added"


class TimelineEntry(TenantScoped, db.Model):
    __tablename__ = "case_events"
    __regional_read__ = True  # the case file: the regional read may see it
    __table_args__ = (
        Index("ix_case_events_tenant_id_case_id_at", "tenant_id", "case_id", "at"),
        # The municipality's events of one kind, latest first (the outgoing transfers on
        # the case list): without it every list page read the whole timeline (74 ms at
        # 300,000 events a municipality).
        Index("ix_case_events_tenant_id_kind_at", "tenant_id", "kind", "at"),
    )

    case_id: Mapped[uuid.UUID]
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    kind: Mapped[str] = mapped_column(String(30))
    actor_name: Mapped[str] = mapped_column(String(200))
    # Plain values only (names of fields, old and new values, ids); rendered by the template.
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


SYSTEM_ACTOR = "system"


def actor_name(actor) -> str:
    """The name kept in history rows: a user's display name, or a source such as 'api'."""
    if actor is None:
        return SYSTEM_ACTOR
    if isinstance(actor, str):
        return actor
    return actor.display_name


def record(case_id: uuid.UUID, kind: EventKind, actor, **detail: Any) -> TimelineEntry | None:
    """Add an event to the case's timeline; inside ``gathered_as_rows`` it is gathered as
    a row instead (and None returned)."""
    values = {
        "case_id": case_id,
        "kind": kind.value,
        "actor_name": actor_name(actor),
        "detail": _plain(detail),
    }
    gathered = db.session().info.get(_GATHERED)
    if gathered is not None:
        gathered.append(values)
        return None
    entry = TimelineEntry(**values)
    db.session.add(entry)
    return entry


_GATHERED = "timeline_rows"


@contextmanager
def gathered_as_rows() -> Iterator[list[dict]]:
    """Within the block, ``record`` gathers the events as rows (a ``TimelineEntry``'s
    attributes) instead of adding objects to the session, for a batch that writes them
    with ``bulk.insert_new_rows`` (the intake batch: five events a new case, which as
    ORM objects cost more to build and flush than the rows they become). Nothing in
    the block may read its own events back: they are not in the session."""
    session = db.session()
    previous = session.info.get(_GATHERED)
    rows: list[dict] = []
    session.info[_GATHERED] = rows
    try:
        yield rows
    finally:
        if previous is None:
            session.info.pop(_GATHERED, None)
        else:
            session.info[_GATHERED] = previous


def entries_for(case_id: uuid.UUID) -> list[TimelineEntry]:
    return list(
        db.session.scalars(
            select(TimelineEntry)
            .where(TimelineEntry.case_id == case_id)
            .order_by(TimelineEntry.at.desc(), TimelineEntry.id)
        )
    )


def latest_of_kinds(case_id: uuid.UUID, kinds: list[str]) -> TimelineEntry | None:
    """The case's newest event of one of ``kinds`` (one row read, not the timeline)."""
    return db.session.scalars(
        select(TimelineEntry)
        .where(TimelineEntry.case_id == case_id, TimelineEntry.kind.in_(kinds))
        .order_by(TimelineEntry.at.desc(), TimelineEntry.id)
        .limit(1)
    ).first()


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)
