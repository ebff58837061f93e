"""Transfer of a case to another municipality: the one mechanism that moves rows across tenants.

``transfer_case`` never switches isolation off. It reads the whole case in the
sending tenant's session, writes a copy in a second session bound to the
receiving tenant (``tenant_app_context``), and then removes the case from the
sending tenant, leaving there only a timeline row that says where it went (a
tombstone). Both timelines show the transfer; every transfer is written to the
``nazorg.security`` log.

What travels is found, not listed: the case and every row that hangs on it by
the generic walk ``audit.records.dependents`` (the one retention and the access
request use), copied parents before children and deleted in reverse. The client
travels with it (matched by BSN in the receiving municipality, so a known client
is not duplicated), and when the client leaves the sender with this case, so do
the rows that hang on the client alone. What does not travel: a link to a row that
stays behind (a foreign key to the sender's users, an earlier case) becomes empty,
and so does a column whose model marks it ``info={"transfer": "drop"}`` (the note
author's id, the task's template); names stay as text.

One transfer is a state machine with a row in the sending tenant
(``case_transfers``: started, copied, done) and holds a lock on its case
(``SELECT ... FOR UPDATE`` on the sender's case row) from its start until the case
is removed. A second request for the same case waits for that lock; it then joins
the transfer (same target: it resumes an unfinished one, or gets the finished
one's result) or is refused (another target: ``TransferConflict``, 409).

Order, so that a failure leaves no half state: (1) lock and record "started",
(2) insert and commit in the receiver, record "copied", (3) delete in the sender
and record "done" in one commit. If (2) fails, nothing changed. If (3) fails, the
case exists on both sides; that is logged as an error, and running the transfer
again copies only what the receiver lacks (nothing, unless the sender's file grew
since) and finishes (3): nothing is written twice. Reading first and writing the
sender last also keeps SQLite (the demo), which allows one writer at a time, from
locking itself.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from flask_babel import lazy_gettext as _
from sqlalchemy import (
    Index,
    Integer,
    String,
    Text,
    delete,
    select,
    text,
    update,
)
from sqlalchemy.orm import Mapped, mapped_column

from app.audit.records import dependents
from app.cases import timeline
from app.cases.errors import CaseError
from app.cases.jobs import release_date_moved
from app.cases.models import Case, CasePhase, Client
from app.cases.timeline import EventKind, TimelineEntry
from app.core.context import tenant_app_context
from app.core.db import TenantScoped, UTCDateTime, enum_check, utcnow
from app.core.security_events import report_security_event
from app.core.signals import case_transferring
from app.core.tenancy import current_tenant_id
from app.extensions import db
from app.tenants.api import Tenant

security_log = logging.getLogger("nazorg.security")

DROP = "drop"  # column info ``{"transfer": "drop"}``: the value stays behind with the sender
CLIENT_FIELDS_FILLED = ("address", "postal_address", "intended_address")


class TransferConflict(CaseError):
    """Another transfer of the same case, to another municipality, came first (409)."""


class TransferState(StrEnum):
    # Offered: waiting for the receiving municipality's answer; the case stays here.
    OFFERED = "offered"
    STARTED = "started"
    COPIED = "copied"
    DONE = "done"
    # The receiver declined (with a reason): the case stayed here, unchanged.
    DECLINED = "declined"


# A transfer that is no longer open: it neither blocks another one nor holds the case.
CLOSED_STATES = (TransferState.DONE.value, TransferState.DECLINED.value)
# A table whose model says ``__transfer__ = "stays"`` (the trajectories: the sender's
# money) stays with the sending municipality, with every table hanging on it.
STAYS = "stays"


class CaseTransfer(TenantScoped, db.Model):
    """One transfer of one case, kept by the sending municipality.

    The case's id has no foreign key: the row outlives the case it moved, as the
    timeline's tombstone does (and is therefore no part of the case's walk). At
    most one unfinished transfer per case (a partial unique index).
    """

    __tablename__ = "case_transfers"
    __table_args__ = (
        Index(
            "ix_case_transfers_tenant_id_transferred_case_id", "tenant_id", "transferred_case_id"
        ),
        Index(
            "uq_case_transfers_tenant_id_transferred_case_id_unfinished",
            "tenant_id",
            "transferred_case_id",
            unique=True,
            postgresql_where=text("state NOT IN ('done', 'declined')"),
            sqlite_where=text("state NOT IN ('done', 'declined')"),
        ),
    )

    transferred_case_id: Mapped[uuid.UUID]
    # No foreign key: the receiving municipality may leave the installation later
    # (flask tenants remove) while this record of the sender's stays.
    target_tenant_id: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(
        String(20), enum_check("state", TransferState), default=TransferState.STARTED.value
    )
    actor_name: Mapped[str] = mapped_column(String(200))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Why the case goes (asked when the transfer is offered).
    reason: Mapped[str | None] = mapped_column(Text)
    # The receiver's answer: who, when, and why it was declined.
    decided_by: Mapped[str | None] = mapped_column(String(200))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decline_reason: Mapped[str | None] = mapped_column(Text)


@dataclass
class CaseBundle:
    """The plain column values of every row of one case, read in the sending tenant.

    ``owned`` and ``client_owned`` are (model, rows) in dependency order; ``client_owned``
    is filled only when the client leaves the sender with this case."""

    client: dict[str, Any]
    case: dict[str, Any]
    owned: list[tuple[type, list[dict[str, Any]]]] = field(default_factory=list)
    client_owned: list[tuple[type, list[dict[str, Any]]]] = field(default_factory=list)
    client_leaves: bool = True

    def tables(self):
        yield Case, [self.case]
        yield from self.owned
        yield from self.client_owned

    def moved_ids(self) -> dict[str, set]:
        moved = {Client.__tablename__: {self.client["id"]}}
        for model, rows in self.tables():
            moved.setdefault(model.__tablename__, set()).update(r["id"] for r in rows)
        return moved


def _values(row) -> dict[str, Any]:
    return {attr.key: getattr(row, attr.key) for attr in row.__mapper__.column_attrs}


def _read(walk) -> list[tuple[type, list[dict[str, Any]]]]:
    return [
        (model, [_values(r) for r in db.session.scalars(select(model).where(model.id.in_(ids)))])
        for model, ids in walk
    ]


def staying_tables() -> set[str]:
    """The tables that stay with the sender: marked ``__transfer__ = "stays"``, and every
    table with a foreign key to one of them (transitively)."""
    models = [m.class_ for m in db.Model.registry.mappers]
    staying = {m.__tablename__ for m in models if getattr(m, "__transfer__", None) == STAYS}
    grown = True
    while grown:
        grown = False
        for model in models:
            name = model.__tablename__
            if name in staying:
                continue
            if any(
                c.referred_table.name in staying for c in model.__table__.foreign_key_constraints
            ):
                staying.add(name)
                grown = True
    return staying


def _moving(walk) -> list:
    staying = staying_tables()
    return [(model, ids) for model, ids in walk if model.__tablename__ not in staying]


def read_bundle(case: Case) -> CaseBundle:
    client = db.session.get(Client, (case.tenant_id, case.client_id))
    bundle = CaseBundle(client=_values(client), case=_values(case))
    bundle.owned = _read(_moving(dependents(Case, [case.id])))
    other_case = db.session.scalar(
        select(Case.id).where(Case.client_id == case.client_id, Case.id != case.id).limit(1)
    )
    bundle.client_leaves = other_case is None
    if bundle.client_leaves:
        on_the_case = {Case} | {model for model, _rows in bundle.owned}
        bundle.client_owned = _read(
            (model, ids)
            for model, ids in _moving(dependents(Client, [case.client_id]))
            if model not in on_the_case
        )
    return bundle


def transfer_case(
    case: Case,
    target_tenant_id: int,
    actor,
    reason: str | None = None,
    *,
    actor_id: uuid.UUID | None = None,
) -> None:
    """Move ``case`` (loaded in the sending tenant's session) to ``target_tenant_id``.

    Raises ``TransferConflict`` when another transfer of the case, to another
    municipality, came first; returns quietly when the same transfer finished first."""
    # A name, not the user: inside the receiver's context the signed-in user must not load.
    # ``actor_id``: the user of the security event when this runs in a context of its own
    # (an acceptance, started by the receiver's user).
    actor = timeline.actor_name(actor)
    source_id = current_tenant_id(db.session)
    if source_id is None or case.tenant_id != source_id:
        raise CaseError(_("This case cannot be transferred from here."))
    source = db.session.get(Tenant, source_id)
    target = db.session.get(Tenant, target_tenant_id)
    if target is None or target.id == source_id:
        raise CaseError(_("Choose another municipality of the region."))
    case_id = case.id
    db.session.commit()  # nothing of the caller's is pending when the lock is taken

    locked = db.session.scalars(
        select(Case)
        .where(Case.id == case_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one_or_none()
    if locked is None:  # another request moved it while this one waited for the lock
        _join_finished(case_id, target)
        return
    _refuse_a_second_open_detention(locked, target)
    transfer = _claim(case_id, source_id, target, actor)
    case_transferring.send(locked, to_tenant_id=target.id)
    bundle = read_bundle(locked)
    detail = {
        "source": source.name,
        "target": target.name,
        "client": locked.client.full_name,
        "reason": (reason or "").strip() or None,
    }
    security_log.info(
        "case transfer started",
        extra={"case": str(case_id), "from_tenant": source_id, "to_tenant": target.id},
    )

    # Always run: on a resumed transfer it writes only what the receiver lacks.
    with tenant_app_context(target.id):
        _write_copy(bundle, source.name, actor, detail)
        db.session.commit()
    if transfer.state == TransferState.STARTED:
        _set_state(source_id, transfer.id, TransferState.COPIED)

    try:
        _remove_from_sender(bundle, actor, detail)
        db.session.execute(
            update(CaseTransfer)
            .where(CaseTransfer.id == transfer.id)
            .values(state=TransferState.DONE.value, finished_at=utcnow()),
            execution_options={"synchronize_session": False},
        )
        db.session.commit()
    except Exception:
        db.session.rollback()
        security_log.error(
            "case transfer half done: copied to the receiver, not removed from the sender",
            extra={
                "case": str(case_id),
                "from_tenant": source_id,
                "to_tenant": target.id,
                "result": "error",
            },
        )
        raise
    _report_done(case_id, source_id, target, actor_id)


def _report_done(case_id, source_id: int, target: Tenant, actor_id=None) -> None:
    """One line on the security log and one ``security_events`` row in the sender (the
    actor is the signed-in user, filled in by the listener; names stay out of the log)."""
    report_security_event(
        "case transferred",
        event="case_transferred",
        result="done",
        tenant_id=source_id,
        user_id=actor_id,
        detail=f"case {case_id} to {target.name}",
        case=str(case_id),
        from_tenant=source_id,
        to_tenant=target.id,
    )


# --- the state machine --------------------------------------------------------------------


def finished_transfer(case_id: uuid.UUID) -> CaseTransfer | None:
    """The last finished transfer of ``case_id`` out of this municipality, while the case is
    not here (again): what a repeated request for a case that already left is answered by."""
    if db.session.scalar(select(Case.id).where(Case.id == case_id)) is not None:
        return None
    return db.session.scalars(
        select(CaseTransfer)
        .where(
            CaseTransfer.transferred_case_id == case_id,
            CaseTransfer.state == TransferState.DONE.value,
        )
        .order_by(CaseTransfer.finished_at.desc())
        .limit(1)
    ).one_or_none()


def conflict_message(transfer: CaseTransfer) -> str:
    name = db.session.get(Tenant, transfer.target_tenant_id).name
    if transfer.state == TransferState.DONE:
        return _("This case has already been transferred to %(name)s.", name=name)
    if transfer.state == TransferState.OFFERED:
        return _(
            "This case has been offered to %(name)s, which has not answered yet. "
            "Wait for the answer before offering it elsewhere.",
            name=name,
        )
    return _(
        "A transfer of this case to %(name)s has started and is not finished. "
        "Transfer it to %(name)s to finish it.",
        name=name,
    )


def _join_finished(case_id: uuid.UUID, target: Tenant) -> None:
    earlier = finished_transfer(case_id)
    if earlier is None:
        raise CaseError(_("This case cannot be transferred from here."))
    if earlier.target_tenant_id != target.id:
        raise TransferConflict(conflict_message(earlier))


def _unfinished(case_id: uuid.UUID) -> CaseTransfer | None:
    return db.session.scalars(
        select(CaseTransfer)
        .where(
            CaseTransfer.transferred_case_id == case_id,
            CaseTransfer.state.not_in(CLOSED_STATES),
        )
        .execution_options(populate_existing=True)
    ).one_or_none()


def _claim(case_id: uuid.UUID, source_id: int, target: Tenant, actor: str) -> CaseTransfer:
    """Under the case's lock: the unfinished transfer to ``target`` to resume, or a new one.

    An unfinished transfer to another municipality wins once anything reached its
    receiver; one that stopped before its copy is moved to the new target."""
    earlier = _unfinished(case_id)
    if earlier is not None and earlier.target_tenant_id != target.id:
        if earlier.state != TransferState.STARTED or _copied_to(earlier.target_tenant_id, case_id):
            raise TransferConflict(conflict_message(earlier))
        _retarget(source_id, earlier.id, target.id)
        earlier = _unfinished(case_id)
    if earlier is not None and earlier.state == TransferState.OFFERED:
        # The receiver accepted the offer: the move starts (the same row, resumable).
        _set_state(source_id, earlier.id, TransferState.STARTED)
        earlier = _unfinished(case_id)
    if earlier is not None:
        return earlier
    transfer_id = uuid.uuid4()
    # Its own transaction, so that "started" stays recorded while the case stays locked.
    with tenant_app_context(source_id):
        db.session.add(
            CaseTransfer(
                id=transfer_id,
                transferred_case_id=case_id,
                target_tenant_id=target.id,
                actor_name=actor,
            )
        )
        db.session.commit()
    return db.session.scalars(select(CaseTransfer).where(CaseTransfer.id == transfer_id)).one()


def _set_state(source_id: int, transfer_id: uuid.UUID, state: TransferState) -> None:
    with tenant_app_context(source_id):
        db.session.execute(
            update(CaseTransfer).where(CaseTransfer.id == transfer_id).values(state=state.value)
        )
        db.session.commit()


def _retarget(source_id: int, transfer_id: uuid.UUID, target_id: int) -> None:
    with tenant_app_context(source_id):
        db.session.execute(
            update(CaseTransfer)
            .where(CaseTransfer.id == transfer_id)
            .values(target_tenant_id=target_id)
        )
        db.session.commit()


def _copied_to(tenant_id: int, case_id: uuid.UUID) -> bool:
    with tenant_app_context(tenant_id):
        return db.session.scalar(select(Case.id).where(Case.id == case_id)) is not None


# --- copy and removal ---------------------------------------------------------------------


def _carried(model: type, values: dict[str, Any], moved: dict[str, set], client_id) -> dict:
    """The values a row arrives with: what points at a row that stays behind is emptied."""
    mapper = model.__mapper__
    table = model.__table__
    carried = dict(values)
    for column in table.c:
        if column.info.get("transfer") == DROP:
            carried[mapper.get_property_by_column(column).key] = None
    for constraint in table.foreign_key_constraints:
        referred = constraint.referred_table.name
        if referred == Tenant.__tablename__:
            continue
        for key in constraint.column_keys:
            if key == "tenant_id":
                continue
            name = mapper.get_property_by_column(table.c[key]).key
            if carried.get(name) is None:
                continue
            if referred == Client.__tablename__:
                carried[name] = client_id  # the receiver's client, matched by BSN
            elif carried[name] not in moved.get(referred, ()):
                carried[name] = None
    return carried


def _refuse_a_second_open_detention(case: Case, target: Tenant) -> None:
    """The receiver holds one open case per client and detention (its unique index): a
    transfer that would make a second one is refused before anything is written."""
    bsn, start, case_id = case.client.bsn, case.detention_start, case.id
    same_start = Case.detention_start.is_(None) if start is None else Case.detention_start == start
    with tenant_app_context(target.id):
        clash = db.session.scalar(
            select(Case.id)
            .join(Case.client)
            .where(Client.bsn == bsn, same_start, Case.id != case_id)
            .where(Case.phase != CasePhase.CLOSED.value)
            .limit(1)
        )
    if clash is not None:
        raise CaseError(
            _(
                "%(name)s already has an open case for this client and this detention. "
                "Agree with %(name)s which case stays, and close the other one first.",
                name=target.name,
            )
        )


def _receiving_client(bundle: CaseBundle, tenant_id: int) -> tuple[Client, bool]:
    """The receiver's client with this BSN, completed from the sender's, or a new copy."""
    client = db.session.scalars(
        select(Client).where(Client.bsn == bundle.client["bsn"])
    ).one_or_none()
    if client is not None:
        for name in CLIENT_FIELDS_FILLED:
            if not getattr(client, name) and bundle.client.get(name):
                setattr(client, name, bundle.client[name])
        return client, False
    client = Client(**bundle.client)
    client.tenant_id = tenant_id
    db.session.add(client)
    db.session.flush()
    return client, True


def _write_copy(bundle: CaseBundle, source_name: str, actor, detail: dict) -> None:
    """In the receiving tenant's session: the client, the case and every row it lacks.

    Rows already there (an earlier, half-done run of this transfer) are not written again."""
    tenant_id = current_tenant_id(db.session)
    case_id = bundle.case["id"]
    already_there = db.session.scalar(select(Case.id).where(Case.id == case_id)) is not None
    client, _new = _receiving_client(bundle, tenant_id)
    moved = bundle.moved_ids()
    for model, rows in bundle.tables():
        if not rows:
            continue
        present = set(
            db.session.scalars(select(model.id).where(model.id.in_([r["id"] for r in rows])))
        )
        for values in rows:
            if values["id"] in present:
                continue
            row = model(**_carried(model, values, moved, client.id))
            row.tenant_id = tenant_id
            if model is Case:
                earlier = db.session.scalars(
                    select(Case.id)
                    .where(Case.client_id == client.id, Case.id != case_id)
                    .order_by(Case.created_at.desc())
                    .limit(1)
                ).first()
                row.previous_case_id = earlier
                row.transferred_from = source_name
            db.session.add(row)
        db.session.flush()  # parents before children
    if not already_there:
        timeline.record(case_id, EventKind.TRANSFER_IN, actor, **detail)
        # Arrives without a case worker (on the queue): a release within six weeks is
        # announced to the tenant admins now.
        release_date_moved(db.session.get(Case, (tenant_id, case_id)))


def _remove_from_sender(bundle: CaseBundle, actor, detail: dict) -> None:
    """In the sending tenant's session: every row read goes, children first; a tombstone stays."""
    case_id = bundle.case["id"]
    options = {"synchronize_session": False}
    for model, rows in reversed(list(bundle.tables())):
        if model is Case:
            db.session.execute(
                update(Case).where(Case.previous_case_id == case_id).values(previous_case_id=None),
                execution_options=options,
            )
        if rows:
            db.session.execute(
                delete(model).where(model.id.in_([r["id"] for r in rows])),
                execution_options=options,
            )
    if bundle.client_leaves:
        db.session.execute(
            delete(Client).where(Client.id == bundle.client["id"]), execution_options=options
        )
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
    """The municipalities of this municipality's region (a transfer stays in the region)."""
    own = db.session.get(Tenant, current_tenant_id(db.session))
    query = select(Tenant).order_by(Tenant.name)
    if own is not None:
        query = query.where(Tenant.region == own.region)
    return list(db.session.scalars(query))
