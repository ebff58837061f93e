"""The receiving municipality's incoming list: transfers offered to it, accepted or declined.

Case workers and tenant admins of the receiver (``Permission.TRANSFER_RECEIVE``) see
what the transfer offers (``IncomingTransfer.offer_summary``), never the sender's file. Each
opening of an offer is in the access log (no client of this municipality yet: the
object is the offer).
"""

from __future__ import annotations

import uuid

from flask import abort, redirect, url_for
from flask_login import current_user

from app.audit.tracking import note_access
from app.cases import forms, services
from app.cases import transfer as transfers
from app.cases import transfer_offers as offers
from app.cases.blueprint import bp
from app.cases.errors import CaseError
from app.core.permissions import Permission, requires, role_has
from app.core.rendering import render
from app.extensions import db


def _page(row, *, status: int = 200, **extra):
    note_access(
        tenant_id=current_user.tenant_id,
        client_id=None,
        object_type="incoming_transfer",
        object_id=row.id,
        detail=f"offered by {row.source_name}",
    )
    return render(
        "cases/incoming_transfer.html",
        status=status,
        incoming=row,
        workers=services.case_worker_choices(),
        waiting=row.state in (offers.IncomingState.OFFERED, offers.IncomingState.ACCEPTING),
        **extra,
    )


@bp.get("/transfers/incoming")
@requires(Permission.TRANSFER_RECEIVE)
def incoming_transfers():
    return render("cases/incoming_transfers.html", incoming=offers.incoming_transfers())


@bp.get("/transfers/incoming/<uuid:incoming_id>")
@requires(Permission.TRANSFER_RECEIVE)
def incoming_transfer(incoming_id: uuid.UUID):
    return _page(offers.access_incoming(current_user, incoming_id))


@bp.post("/transfers/incoming/<uuid:incoming_id>/accept")
@requires(Permission.TRANSFER_RECEIVE)
def incoming_accept(incoming_id: uuid.UUID):
    row = offers.access_incoming(current_user, incoming_id)
    form = forms.TransferAcceptForm()
    if not form.validate():
        return _page(row, status=422, accept_errors=form.error_dict())
    try:
        case_id = offers.accept_transfer(current_user, incoming_id, form.case_worker_id.data)
    except transfers.TransferConflict as conflict:
        db.session.rollback()
        abort(409, description=conflict.message)
    except CaseError as error:
        db.session.rollback()
        row = offers.access_incoming(current_user, incoming_id)
        return _page(
            row, status=422, accept_errors={error.field or "case_worker_id": error.message}
        )
    if role_has(current_user.role, frozenset({Permission.CASE_READ})):
        return redirect(url_for("cases.case_detail", case_id=case_id))
    return redirect(url_for("cases.incoming_transfers"))


@bp.post("/transfers/incoming/<uuid:incoming_id>/decline")
@requires(Permission.TRANSFER_RECEIVE)
def incoming_decline(incoming_id: uuid.UUID):
    row = offers.access_incoming(current_user, incoming_id)
    form = forms.TransferDeclineForm()
    if not form.validate():
        return _page(row, status=422, decline_errors=form.error_dict())
    try:
        offers.decline_transfer(current_user, incoming_id, form.reason.data)
    except transfers.TransferConflict as conflict:
        db.session.rollback()
        abort(409, description=conflict.message)
    except CaseError as error:
        db.session.rollback()
        row = offers.access_incoming(current_user, incoming_id)
        return _page(row, status=422, decline_errors={error.field or "reason": error.message})
    return redirect(url_for("cases.incoming_transfers"))


@bp.get("/transfers/outgoing")
@requires(Permission.CASE_READ)
def outgoing_transfers():
    """The cases this municipality handed to another one, on a page of their own: the case
    list no longer reads these tombstones (up to 50) on every view, and their names reach
    only whoever opens this page, with a row of its own in the access log."""
    shown = transfers.outgoing_transfers()
    note_access(
        tenant_id=current_user.tenant_id,
        client_id=None,
        object_type="case_list",
        object_id=None,
        detail=f"{len(shown)} outgoing transfers",
    )
    return render("cases/outgoing_transfers.html", transfers=shown)
