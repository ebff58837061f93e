"""A transfer is offered, and the receiving municipality accepts or declines it.

The move itself is ``app.cases.transfer.transfer_case`` (lock, state machine, generic
walk, resumable). This module puts an exchange around it:

1. **Offer** (the sender's case worker, with a reason and a confirmation): a
   ``case_transfers`` row in state *offered* (the same row the move resumes later, so
   the partial unique index still allows one open transfer per case: a double click
   makes one offer, a second offer to another municipality is refused with 409). In a
   session bound to the receiver (``tenant_app_context``) an ``incoming_transfers`` row
   with the summary the transfer offers, a notice to the receiver's tenant admins and
   case workers, and a security event. The case stays with the sender, unchanged and
   readable.
2. **Accept** (a case worker or tenant admin of the receiver, who chooses the case
   worker there): the incoming row is claimed by one conditional update (two receivers
   at once: one wins; the other gets the winner's result when it chose the same case
   worker, else 409), then the move runs (reading and deleting in a session bound to
   the sender, writing in one bound to the receiver), the chosen case worker is
   assigned and the responsible municipality follows the case. An interrupted accept
   is resumed by accepting again (state *accepting*).
3. **Decline** (with a reason): the incoming row keeps no personal data any more (the
   summary is cleared), the sender's row is marked *declined* and the case, never
   touched, gets a timeline line and its case worker a notice.

Each step is in both timelines (the sender's: on the case while it is there; after
the move the tombstones ``transfer_out`` and ``transfer_accepted``; the receiver's: on
the arrived case, and a ``transfer_declined`` line under the case's id) and in both
municipalities' security logs.

Until the answer the receiver sees only the summary (name, date of birth, phase,
detention dates and facility, the life domains' status, the reason, the responsible
municipality and the trajectories that stay with the sender), never the file. The
sender's trajectories stay with the sender (``Trajectory.__transfer__ = "stays"``):
the receiver sees that they exist, in the summary kept on its incoming row.
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _
from sqlalchemy import (
    JSON,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
    Text,
    or_,
    select,
    update,
)
from sqlalchemy.orm import Mapped, mapped_column
from werkzeug.exceptions import NotFound

from app.auth.api import User
from app.cases import municipality, timeline
from app.cases import transfer as moves
from app.cases.errors import CaseError
from app.cases.handover.models import Trajectory
from app.cases.jobs import release_date_moved
from app.cases.models import Case, IncomingState
from app.cases.plan.models import Task
from app.cases.timeline import EventKind
from app.core.audit import report_refused_access
from app.core.context import tenant_app_context
from app.core.db import TenantScoped, UTCDateTime, enum_check, utcnow
from app.core.permissions import Role
from app.core.security_events import report_security_event
from app.core.tenancy import current_tenant_id
from app.extensions import db
from app.notifications.services import notify
from app.tenants.api import Tenant

security_log = logging.getLogger("nazorg.security")


class IncomingTransfer(TenantScoped, db.Model):
    """A transfer offered to this municipality: what it may see before it answers.

    The id is the sender's ``case_transfers`` id. ``case_id`` has no foreign key (the
    case arrives only on acceptance); by that column the retention and the access
    request find the row with the case once it is here. It stays here when the case is
    transferred onwards (``__transfer__ = "stays"``)."""

    __tablename__ = "incoming_transfers"
    __transfer__ = moves.STAYS
    __table_args__ = (
        ForeignKeyConstraint(["tenant_id", "case_worker_id"], ["users.tenant_id", "users.id"]),
        Index("ix_incoming_transfers_tenant_id_case_id", "tenant_id", "case_id"),
        Index("ix_incoming_transfers_tenant_id_case_worker_id", "tenant_id", "case_worker_id"),
        Index("ix_incoming_transfers_tenant_id_state", "tenant_id", "state"),
    )

    case_id: Mapped[uuid.UUID] = mapped_column(info={"technical": True})
    # No foreign key: the sending municipality may leave the installation later.
    source_tenant_id: Mapped[int] = mapped_column(Integer, info={"technical": True})
    source_name: Mapped[str] = mapped_column(String(120), info={"label": _("Sending municipality")})
    state: Mapped[str] = mapped_column(
        String(20),
        enum_check("state", IncomingState),
        default=IncomingState.OFFERED.value,
        info={"label": _("State of the transfer")},
    )
    reason: Mapped[str] = mapped_column(Text, info={"label": _("Reason for the transfer")})
    offered_by: Mapped[str] = mapped_column(String(200), info={"label": _("Offered by")})
    offered_at: Mapped[datetime] = mapped_column(
        UTCDateTime(), default=utcnow, info={"label": _("Offered on")}
    )
    # What the transfer offers (plain values); cleared when the offer is declined.
    offer_summary: Mapped[dict[str, Any] | None] = mapped_column(
        JSON, info={"label": _("What the transfer offered")}
    )
    case_worker_id: Mapped[uuid.UUID | None] = mapped_column(info={"technical": True})
    decided_by: Mapped[str | None] = mapped_column(String(200), info={"label": _("Answered by")})
    decided_at: Mapped[datetime | None] = mapped_column(
        UTCDateTime(), info={"label": _("Answered on")}
    )
    decline_reason: Mapped[str | None] = mapped_column(
        Text, info={"label": _("Reason for declining")}
    )


# --- what the transfer offers -------------------------------------------------------------


def transfer_summary(case: Case) -> dict[str, Any]:
    """The receiver's view of the case before it answers: enough to decide, not the file
    (no citizen number, address, notes, life-domain texts, referrals or plan)."""
    client = case.client
    trajectories = db.session.scalars(
        select(Trajectory).where(Trajectory.case_id == case.id).order_by(Trajectory.start_date)
    ).all()
    open_tasks = len(
        db.session.scalars(
            select(Task.id).where(Task.case_id == case.id, Task.done_at.is_(None))
        ).all()
    )
    return timeline._plain(
        {
            "given_name": client.given_name,
            "family_name": client.family_name,
            "date_of_birth": client.date_of_birth,
            "phase": case.phase,
            "facility": case.facility,
            "detention_start": case.detention_start,
            "expected_release": case.expected_release,
            "actual_release": case.actual_release,
            "domains": [{"domain": d.domain, "status": d.status} for d in case.life_domains],
            "open_tasks": open_tasks,
            "trajectories": [
                {
                    "provider": t.provider,
                    "status": t.status,
                    "start_date": t.start_date,
                    "end_date": t.end_date,
                }
                for t in trajectories
            ],
        }
    )


# --- the sender: offer ------------------------------------------------------------------------


def pending_offer(case_id: uuid.UUID) -> moves.CaseTransfer | None:
    """The open offer of this case (waiting for the receiver), for the sender's case page."""
    return db.session.scalars(
        select(moves.CaseTransfer).where(
            moves.CaseTransfer.transferred_case_id == case_id,
            moves.CaseTransfer.state == moves.TransferState.OFFERED.value,
        )
    ).one_or_none()


def declined_offers(case_id: uuid.UUID) -> list[moves.CaseTransfer]:
    return list(
        db.session.scalars(
            select(moves.CaseTransfer)
            .where(
                moves.CaseTransfer.transferred_case_id == case_id,
                moves.CaseTransfer.state == moves.TransferState.DECLINED.value,
            )
            .order_by(moves.CaseTransfer.decided_at.desc())
        )
    )


def offer_transfer(
    case: Case, target_tenant_id: int, actor, reason: str | None, *, confirmed: bool
) -> moves.CaseTransfer:
    """Offer ``case`` (loaded in the sender's session) to ``target_tenant_id``; commits.

    The same offer posted again (a double click) returns the first one, delivering to
    the receiver what it may lack; an open offer to another municipality is a
    ``TransferConflict`` (409)."""
    actor_name = timeline.actor_name(actor)
    # The signed-in user must not load inside another municipality's context: its id now.
    actor_id = getattr(actor, "id", None)
    reason = (reason or "").strip()
    source_id = current_tenant_id(db.session)
    if source_id is None or case.tenant_id != source_id:
        raise CaseError(_("This case cannot be transferred from here."))
    source = db.session.get(Tenant, source_id)
    target = db.session.get(Tenant, target_tenant_id)
    if target is None or target.id == source_id or target.region != source.region:
        raise CaseError(_("Choose another municipality of the region."), field="target")
    if not reason:
        raise CaseError(_("Give the reason for the transfer."), field="reason")
    if not confirmed:
        raise CaseError(
            _("Confirm that the case is to be offered to %(name)s.", name=target.name),
            field="confirm",
        )
    if case.is_closed:
        raise CaseError(_("A closed case is not transferred."), field="target")
    case_id = case.id
    db.session.commit()  # nothing of the caller's is pending when the lock is taken

    locked = db.session.scalars(
        select(Case)
        .where(Case.id == case_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one_or_none()
    if locked is None:
        raise NotFound()
    earlier = moves._unfinished(case_id)
    if earlier is not None and earlier.target_tenant_id != target.id:
        raise moves.TransferConflict(moves.conflict_message(earlier))
    if earlier is not None and earlier.state != moves.TransferState.OFFERED:
        # An accepted move that stopped half-way (copied, not yet removed here): posting
        # the same transfer again finishes it, writing nothing twice.
        moves.transfer_case(locked, target.id, actor_name, earlier.reason, actor_id=actor_id)
        return db.session.get(moves.CaseTransfer, (source_id, earlier.id), populate_existing=True)
    if earlier is None:
        moves._refuse_a_second_open_detention(locked, target)
        offer = moves.CaseTransfer(
            id=uuid.uuid4(),
            transferred_case_id=case_id,
            target_tenant_id=target.id,
            state=moves.TransferState.OFFERED.value,
            actor_name=actor_name,
            reason=reason,
        )
        db.session.add(offer)
        timeline.record(
            case_id,
            EventKind.TRANSFER_OFFERED,
            actor_name,
            source=source.name,
            target=target.name,
            reason=reason,
        )
        db.session.flush()
        new = True
    else:
        offer, new = earlier, False
    summary = transfer_summary(locked)
    offer_id, offer_reason, offered_by = offer.id, offer.reason or reason, offer.actor_name
    # Still under the case's lock: one delivery at a time, written only when missing.
    with tenant_app_context(target.id):
        _deliver(offer_id, case_id, source, target, offer_reason, offered_by, summary, actor_id)
        db.session.commit()
    if new:
        _report(
            "offered",
            source_id,
            case_id,
            source_id,
            target.id,
            f"case {case_id} offered to {target.name}",
        )
    db.session.commit()  # releases the lock
    return db.session.get(moves.CaseTransfer, (source_id, offer_id))


def _deliver(
    offer_id, case_id, source: Tenant, target: Tenant, reason, offered_by, summary, actor_id
):
    """In the receiver's session: the incoming row, the notices and the security event."""
    if db.session.get(IncomingTransfer, (target.id, offer_id)) is not None:
        return
    db.session.add(
        IncomingTransfer(
            id=offer_id,
            case_id=case_id,
            source_tenant_id=source.id,
            source_name=source.name,
            reason=reason,
            offered_by=offered_by,
            offer_summary=summary,
        )
    )
    db.session.flush()
    recipients = db.session.scalars(
        select(User.id).where(
            User.role.in_([Role.TENANT_ADMIN.value, Role.CASE_WORKER.value]),
            User.active.is_(True),
        )
    ).all()
    link = incoming_link(offer_id)
    for user_id in recipients:
        notify(
            user_id,
            kind="transfer_offered",
            dedupe_key=f"transfer-offered:{offer_id}:{user_id}",
            template="transfer_offered",
            context={"source": source.name, "link": link},
            link=link,
        )
    _report(
        "received",
        target.id,
        case_id,
        source.id,
        target.id,
        f"case {case_id} offered by {source.name}",
        user_id=actor_id,
    )


def incoming_link(offer_id: uuid.UUID) -> str:
    return f"/cases/transfers/incoming/{offer_id}"


# --- the receiver: list, accept, decline -------------------------------------------------------


def incoming_transfers() -> list[IncomingTransfer]:
    """Open offers first, then the answered ones (newest first)."""
    rows = db.session.scalars(
        select(IncomingTransfer).order_by(IncomingTransfer.offered_at.desc()).limit(100)
    ).all()
    waiting = (IncomingState.OFFERED.value, IncomingState.ACCEPTING.value)
    return sorted(rows, key=lambda r: r.state not in waiting)


def open_incoming_count() -> int:
    return len(
        db.session.scalars(
            select(IncomingTransfer.id).where(
                IncomingTransfer.state.in_(
                    [IncomingState.OFFERED.value, IncomingState.ACCEPTING.value]
                )
            )
        ).all()
    )


def access_incoming(user, incoming_id: uuid.UUID) -> IncomingTransfer:
    """The offer to this municipality; 404 alike for another municipality's and missing."""
    row = db.session.get(IncomingTransfer, (user.tenant_id, incoming_id))
    if row is None:
        report_refused_access(user, "incoming_transfer", str(incoming_id))
        raise NotFound()
    return row


def accepted_here(case_id: uuid.UUID) -> IncomingTransfer | None:
    """The accepted transfer that brought ``case_id`` here (its summary names the
    trajectories that stayed with the sender)."""
    return db.session.scalars(
        select(IncomingTransfer)
        .where(
            IncomingTransfer.case_id == case_id,
            IncomingTransfer.state == IncomingState.ACCEPTED.value,
        )
        .order_by(IncomingTransfer.decided_at.desc())
        .limit(1)
    ).one_or_none()


def _case_worker(worker_id: uuid.UUID | None) -> User:
    worker = db.session.get(User, (current_tenant_id(db.session), worker_id)) if worker_id else None
    if worker is None or not worker.active or worker.role != Role.CASE_WORKER.value:
        raise CaseError(
            _("Choose the case worker of this municipality who takes the case."),
            field="case_worker_id",
        )
    return worker


def accept_transfer(user, incoming_id: uuid.UUID, case_worker_id: uuid.UUID | None) -> uuid.UUID:
    """Accept the offer ``incoming_id`` (in the receiver's session) and move the case here
    with ``case_worker_id`` as its case worker; commits. Returns the case's id."""
    incoming = access_incoming(user, incoming_id)
    worker = _case_worker(case_worker_id)
    actor = timeline.actor_name(user)
    user_id = user.id
    receiver_id = current_tenant_id(db.session)
    if incoming.state == IncomingState.DECLINED:
        raise moves.TransferConflict(_("This transfer has been declined already."))
    claimed = db.session.execute(
        update(IncomingTransfer)
        .where(
            IncomingTransfer.id == incoming_id,
            IncomingTransfer.state == IncomingState.OFFERED.value,
        )
        .values(
            state=IncomingState.ACCEPTING.value,
            case_worker_id=worker.id,
            decided_by=actor,
            decided_at=utcnow(),
        ),
        execution_options={"synchronize_session": False},
    ).rowcount
    db.session.commit()
    incoming = db.session.get(IncomingTransfer, (receiver_id, incoming_id), populate_existing=True)
    if not claimed:
        if incoming.state == IncomingState.DECLINED:
            raise moves.TransferConflict(_("This transfer has been declined already."))
        if incoming.case_worker_id != worker.id:
            raise moves.TransferConflict(
                _("%(name)s has accepted this transfer already.", name=incoming.decided_by)
            )
        if incoming.state == IncomingState.ACCEPTED:
            return incoming.case_id  # a repeated request gets the result
    case_id, source_id, source_name = (
        incoming.case_id,
        incoming.source_tenant_id,
        incoming.source_name,
    )
    receiver = db.session.get(Tenant, receiver_id)

    with tenant_app_context(source_id):
        offer = db.session.get(moves.CaseTransfer, (source_id, incoming_id))
        if offer is None or offer.state == moves.TransferState.DECLINED:
            raise moves.TransferConflict(_("The sending municipality withdrew this transfer."))
        case = db.session.get(Case, (source_id, case_id))
        if case is not None:
            try:
                moves.transfer_case(case, receiver_id, actor, offer.reason, actor_id=user_id)
            except moves.TransferConflict:
                raise
            except CaseError:
                # A rule refused the move before anything was written (e.g. this client's
                # detention is open here already): the offer waits again for an answer.
                _release_claim(receiver_id, incoming_id)
                raise
        elif offer.state != moves.TransferState.DONE:
            raise moves.TransferConflict(_("The sending municipality withdrew this transfer."))
        db.session.execute(
            update(moves.CaseTransfer)
            .where(moves.CaseTransfer.id == incoming_id, moves.CaseTransfer.decided_at.is_(None))
            .values(decided_by=f"{actor} ({receiver.name})", decided_at=utcnow())
        )
        if not _recorded(case_id, EventKind.TRANSFER_ACCEPTED):
            timeline.record(
                case_id,
                EventKind.TRANSFER_ACCEPTED,
                actor,
                source=source_name,
                target=receiver.name,
            )
            _report(
                "accepted",
                source_id,
                case_id,
                source_id,
                receiver_id,
                f"case {case_id} accepted by {receiver.name}",
                user_id=user_id,
            )
        db.session.commit()

    done = db.session.execute(
        update(IncomingTransfer)
        .where(
            IncomingTransfer.id == incoming_id,
            IncomingTransfer.state == IncomingState.ACCEPTING.value,
        )
        .values(state=IncomingState.ACCEPTED.value, decided_at=utcnow()),
        execution_options={"synchronize_session": False},
    ).rowcount
    if done:
        arrived = db.session.get(Case, (receiver_id, case_id), populate_existing=True)
        arrived.case_worker_id = worker.id
        follow_transfer(arrived, receiver, actor)
        release_date_moved(arrived)  # the new worker is warned now when the release is near
        timeline.record(
            case_id,
            EventKind.TRANSFER_ACCEPTED,
            actor,
            source=source_name,
            target=receiver.name,
            case_worker=worker.display_name,
        )
        _report(
            "accepted",
            receiver_id,
            case_id,
            source_id,
            receiver_id,
            f"case {case_id} from {source_name} accepted",
        )
    db.session.commit()
    return case_id


def _release_claim(receiver_id: int, incoming_id: uuid.UUID) -> None:
    with tenant_app_context(receiver_id):
        db.session.execute(
            update(IncomingTransfer)
            .where(
                IncomingTransfer.id == incoming_id,
                IncomingTransfer.state == IncomingState.ACCEPTING.value,
            )
            .values(
                state=IncomingState.OFFERED.value,
                case_worker_id=None,
                decided_by=None,
                decided_at=None,
            )
        )
        db.session.commit()


def follow_transfer(case: Case, receiver: Tenant, actor: str) -> None:
    """The municipality of responsibility follows an accepted transfer: the receiver,
    confirmed by the one who accepted."""
    municipality.set_responsible(case.client, case.id, receiver.slug, None, actor, confirm=True)


def _recorded(case_id: uuid.UUID, kind: EventKind) -> bool:
    return (
        db.session.scalar(
            select(timeline.TimelineEntry.id)
            .where(
                timeline.TimelineEntry.case_id == case_id, timeline.TimelineEntry.kind == kind.value
            )
            .limit(1)
        )
        is not None
    )


def decline_transfer(user, incoming_id: uuid.UUID, reason: str | None) -> IncomingTransfer:
    """Decline the offer with ``reason``: the case stays with the sender, unchanged; commits."""
    reason = (reason or "").strip()
    if not reason:
        raise CaseError(_("Give the reason for declining."), field="reason")
    incoming = access_incoming(user, incoming_id)
    actor = timeline.actor_name(user)
    user_id = user.id
    receiver_id = current_tenant_id(db.session)
    declined = db.session.execute(
        update(IncomingTransfer)
        .where(
            IncomingTransfer.id == incoming_id,
            IncomingTransfer.state == IncomingState.OFFERED.value,
        )
        .values(
            state=IncomingState.DECLINED.value,
            decline_reason=reason,
            decided_by=actor,
            decided_at=utcnow(),
            offer_summary=None,  # declined: this municipality keeps nothing of the client
        ),
        execution_options={"synchronize_session": False},
    ).rowcount
    incoming = db.session.get(IncomingTransfer, (receiver_id, incoming_id), populate_existing=True)
    if not declined:
        if incoming.state == IncomingState.DECLINED:
            return incoming  # a repeated request
        raise moves.TransferConflict(
            _("%(name)s has accepted this transfer already.", name=incoming.decided_by)
        )
    receiver = db.session.get(Tenant, receiver_id)
    case_id, source_id, source_name = (
        incoming.case_id,
        incoming.source_tenant_id,
        incoming.source_name,
    )
    timeline.record(
        case_id,
        EventKind.TRANSFER_DECLINED,
        actor,
        source=source_name,
        target=receiver.name,
        reason=reason,
    )
    _report(
        "declined",
        receiver_id,
        case_id,
        source_id,
        receiver_id,
        f"case {case_id} from {source_name} declined",
    )
    db.session.commit()
    with tenant_app_context(source_id):
        db.session.execute(
            update(moves.CaseTransfer)
            .where(
                moves.CaseTransfer.id == incoming_id,
                moves.CaseTransfer.state == moves.TransferState.OFFERED.value,
            )
            .values(
                state=moves.TransferState.DECLINED.value,
                decided_by=f"{actor} ({receiver.name})",
                decided_at=utcnow(),
                decline_reason=reason,
                finished_at=utcnow(),
            )
        )
        case = db.session.get(Case, (source_id, case_id))
        if case is not None:
            timeline.record(
                case_id,
                EventKind.TRANSFER_DECLINED,
                actor,
                source=source_name,
                target=receiver.name,
                reason=reason,
            )
            _notify_sender(case, receiver, incoming_id)
        _report(
            "declined",
            source_id,
            case_id,
            source_id,
            receiver_id,
            f"case {case_id} declined by {receiver.name}",
            user_id=user_id,
        )
        db.session.commit()
    return incoming


def _notify_sender(case: Case, receiver: Tenant, offer_id: uuid.UUID) -> None:
    """The case's worker (or, without one, the tenant admins) hears of the refusal."""
    if case.case_worker_id is not None:
        recipients = [case.case_worker_id]
    else:
        recipients = db.session.scalars(
            select(User.id).where(User.role == Role.TENANT_ADMIN.value, User.active.is_(True))
        ).all()
    link = f"/cases/{case.id}"
    for user_id in recipients:
        notify(
            user_id,
            kind="transfer_declined",
            dedupe_key=f"transfer-declined:{offer_id}:{user_id}",
            template="transfer_declined",
            context={"receiver": receiver.name, "link": link},
            link=link,
        )


# --- the case page's transfer section -------------------------------------------------------


def transfer_panel(case: Case) -> dict:
    """The case page's transfer section and the municipality of responsibility: three
    statements (this case's offers, the municipalities of the region and of those offers,
    the transfer that brought it). Only the region's municipalities are read: at national
    scale the table holds 340 (the own one comes from the session, with the user)."""
    offers = db.session.scalars(
        select(moves.CaseTransfer)
        .where(
            moves.CaseTransfer.transferred_case_id == case.id,
            moves.CaseTransfer.state.in_(
                [moves.TransferState.OFFERED.value, moves.TransferState.DECLINED.value]
            ),
        )
        .order_by(moves.CaseTransfer.started_at.desc())
    ).all()
    own = db.session.get(Tenant, case.tenant_id)
    tenants = list(
        db.session.scalars(
            select(Tenant)
            .where(
                or_(
                    Tenant.region == own.region,
                    Tenant.id.in_({o.target_tenant_id for o in offers}),
                )
            )
            .order_by(Tenant.name)
        )
    )
    region = [t for t in tenants if t.region == own.region]
    responsible = municipality.responsible_of(case, region)
    other = responsible.other_in_region
    return {
        "region": region,
        "tenant_names": {t.id: t.name for t in tenants},
        "proposed_target": other.id if other is not None else None,
        "pending_offer": next(
            (o for o in offers if o.state == moves.TransferState.OFFERED.value), None
        ),
        "declined_offers": [o for o in offers if o.state == moves.TransferState.DECLINED.value],
        "arrived_by": accepted_here(case.id),
        "responsible": responsible,
    }


def _report(
    step: str,
    tenant_id: int,
    case_id: uuid.UUID,
    from_tenant: int,
    to_tenant: int,
    detail: str,
    user_id: uuid.UUID | None = None,
) -> None:
    """One line of the exchange in ``tenant_id``'s security log (both sides write theirs)."""
    report_security_event(
        f"case transfer {step}",
        event=f"case_transfer_{step}",
        result="offered" if step == "received" else step,
        tenant_id=tenant_id,
        user_id=user_id,
        detail=detail,
        case=str(case_id),
        from_tenant=from_tenant,
        to_tenant=to_tenant,
    )
