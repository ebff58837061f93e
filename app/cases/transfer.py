"""Transfer of a case to another municipality: the one mechanism that moves rows across tenants.

``transfer_case`` never switches isolation off. It reads the whole case in the
sending tenant's session, writes a copy in a second session bound to the
receiving tenant (``tenant_app_context``), and then removes the case from the
sending tenant, leaving there only a timeline row that says where it went (a
tombstone). Both timelines show the transfer; every transfer is written to the
``nazorg.security`` log.

Order, so that a failure leaves no half state: (1) read in the sender, (2) insert
and commit in the receiver, (3) delete and commit in the sender. If (2) fails,
nothing changed. If (3) fails after (2), the case exists on both sides; that is
logged as an error, and the transfer is resumable: running it again finds the
receiver's copy (same case id), writes nothing twice and only finishes (3).
Changes made in the sender between the failure and the retry are not carried
over; the retry is meant to follow at once.
Reading first and writing the sender last also keeps SQLite (the demo), which
allows one writer at a time, from locking itself.

What travels: the client (matched by BSN in the receiving municipality, so a
known client is not duplicated), the case with its life domains, snapshots,
phase history, tasks, notes and their earlier versions, the sharing basis,
referrals, trajectories, intake receipts and the timeline. What does not: links
to the sender's users (the case worker, note authors' ids; names stay as text)
and to its task templates.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from flask_babel import lazy_gettext as _
from sqlalchemy import delete, select, update

from app.cases import timeline
from app.cases.errors import CaseError
from app.cases.handover.models import DomainConsent, Referral, Trajectory
from app.cases.intake.models import IntakeMessage
from app.cases.models import Case, Client, DomainSnapshot, LifeDomain, PhaseChange
from app.cases.notes import Note, NoteRevision
from app.cases.plan.models import Task
from app.cases.timeline import EventKind, TimelineEntry
from app.core.context import tenant_app_context
from app.core.signals import case_transferring
from app.core.tenancy import current_tenant_id
from app.extensions import db
from app.tenants.api import Tenant

security_log = logging.getLogger("nazorg.security")

# Every table that hangs off a case by ``case_id``, parents before children.
CASE_OWNED = (
    LifeDomain,
    DomainSnapshot,
    PhaseChange,
    Task,
    Note,
    DomainConsent,
    Referral,
    Trajectory,
    IntakeMessage,
    TimelineEntry,
)
# Columns that point at rows the receiving municipality does not have.
DROPPED = {
    Case: {"case_worker_id": None, "previous_case_id": None},
    Note: {"author_id": None},
    Task: {"template_id": None},
}


@dataclass
class CaseBundle:
    """The plain column values of every row of one case, read in the sending tenant."""

    client: dict[str, Any]
    case: dict[str, Any]
    owned: dict[type, list[dict[str, Any]]] = field(default_factory=dict)
    note_revisions: list[dict[str, Any]] = field(default_factory=list)


def _values(row) -> dict[str, Any]:
    return {attr.key: getattr(row, attr.key) for attr in row.__mapper__.column_attrs}


def read_bundle(case: Case) -> CaseBundle:
    bundle = CaseBundle(client=_values(case.client), case=_values(case))
    for model in CASE_OWNED:
        rows = db.session.scalars(select(model).where(model.case_id == case.id)).all()
        bundle.owned[model] = [_values(r) for r in rows]
    note_ids = [n["id"] for n in bundle.owned[Note]]
    if note_ids:
        revisions = db.session.scalars(
            select(NoteRevision).where(NoteRevision.note_id.in_(note_ids))
        ).all()
        bundle.note_revisions = [_values(r) for r in revisions]
    return bundle


def transfer_case(case: Case, target_tenant_id: int, actor, reason: str | None = None) -> None:
    """Move ``case`` (loaded in the sending tenant's session) to ``target_tenant_id``."""
    # A name, not the user: inside the receiver's context the signed-in user must not load.
    actor = timeline.actor_name(actor)
    source_id = current_tenant_id(db.session)
    if source_id is None or case.tenant_id != source_id:
        raise CaseError(_("This case cannot be transferred from here."))
    source = db.session.get(Tenant, source_id)
    target = db.session.get(Tenant, target_tenant_id)
    if target is None or target.id == source_id:
        raise CaseError(_("Choose another municipality of the region."))
    case_transferring.send(case, to_tenant_id=target.id)
    bundle = read_bundle(case)
    detail = {
        "source": source.name,
        "target": target.name,
        "client": case.client.full_name,
        "reason": (reason or "").strip() or None,
    }
    security_log.info(
        "case transfer started",
        extra={
            "case": str(case.id),
            "from_tenant": source_id,
            "to_tenant": target.id,
            "actor": actor,
            "result": "started",
        },
    )
    db.session.commit()  # end the read (SQLite allows one writer) before the copy is written

    with tenant_app_context(target.id):
        if not _already_copied(bundle):
            _write_copy(bundle, source.name, actor, detail)
            db.session.commit()

    try:
        _remove_from_sender(bundle, actor, detail)
        db.session.commit()
    except Exception:
        db.session.rollback()
        security_log.error(
            "case transfer half done: copied to the receiver, not removed from the sender",
            extra={
                "case": str(bundle.case["id"]),
                "from_tenant": source_id,
                "to_tenant": target.id,
                "result": "error",
            },
        )
        raise
    security_log.info(
        "case transferred",
        extra={
            "case": str(bundle.case["id"]),
            "from_tenant": source_id,
            "to_tenant": target.id,
            "actor": actor,
            "result": "done",
        },
    )


def _copy(model, values: dict[str, Any], tenant_id: int, **changes):
    row = model(**{**values, **DROPPED.get(model, {}), **changes})
    row.tenant_id = tenant_id
    db.session.add(row)
    return row


def _already_copied(bundle: CaseBundle) -> bool:
    """True in the receiver when an earlier, half-done transfer already wrote this case."""
    return db.session.scalar(select(Case.id).where(Case.id == bundle.case["id"])) is not None


def _write_copy(bundle: CaseBundle, source_name: str, actor, detail: dict) -> None:
    """In the receiving tenant's session: the client (matched by BSN), the case and its rows."""
    tenant_id = current_tenant_id(db.session)
    client = db.session.scalars(
        select(Client).where(Client.bsn == bundle.client["bsn"])
    ).one_or_none()
    previous_case_id = None
    if client is None:
        client = _copy(Client, bundle.client, tenant_id)
    else:
        for name in ("address", "postal_address", "responsible_municipality"):
            if not getattr(client, name) and bundle.client.get(name):
                setattr(client, name, bundle.client[name])
        earlier = [c for c in client.cases if c.id != bundle.case["id"]]
        previous_case_id = earlier[-1].id if earlier else None
    db.session.flush()
    _copy(
        Case,
        bundle.case,
        tenant_id,
        client_id=client.id,
        transferred_from=source_name,
        previous_case_id=previous_case_id,
    )
    db.session.flush()
    for model in CASE_OWNED:
        for values in bundle.owned[model]:
            _copy(model, values, tenant_id)
    db.session.flush()
    for values in bundle.note_revisions:
        _copy(NoteRevision, values, tenant_id)
    timeline.record(bundle.case["id"], EventKind.TRANSFER_IN, actor, **detail)


def _remove_from_sender(bundle: CaseBundle, actor, detail: dict) -> None:
    """In the sending tenant's session: every row of the case goes; a tombstone stays."""
    case_id = bundle.case["id"]
    note_ids = [n["id"] for n in bundle.owned[Note]]
    options = {"synchronize_session": False}
    if note_ids:
        db.session.execute(
            delete(NoteRevision).where(NoteRevision.note_id.in_(note_ids)),
            execution_options=options,
        )
    for model in reversed(CASE_OWNED):
        db.session.execute(delete(model).where(model.case_id == case_id), execution_options=options)
    db.session.execute(
        update(Case).where(Case.previous_case_id == case_id).values(previous_case_id=None),
        execution_options=options,
    )
    db.session.execute(delete(Case).where(Case.id == case_id), execution_options=options)
    client_id = bundle.client["id"]
    others = db.session.scalar(select(Case.id).where(Case.client_id == client_id).limit(1))
    if others is None:
        db.session.execute(delete(Client).where(Client.id == client_id), execution_options=options)
    db.session.expunge_all()
    timeline.record(case_id, EventKind.TRANSFER_OUT, actor, **detail)


def outgoing_transfers(limit: int = 50) -> list[TimelineEntry]:
    """The tombstones: cases this municipality handed to another one."""
    return list(
        db.session.scalars(
            select(TimelineEntry)
            .where(TimelineEntry.kind == EventKind.TRANSFER_OUT.value)
            .order_by(TimelineEntry.at.desc())
            .limit(limit)
        )
    )


def region_tenants() -> list[Tenant]:
    return list(db.session.scalars(select(Tenant).order_by(Tenant.name)))
