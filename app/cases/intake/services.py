"""``receive_intake``: the one service behind the intake form, the file upload and the API."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from flask import has_request_context
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from app.audit.tracking import note_access
from app.cases import phases, services, timeline
from app.cases.intake.document import CASEWORKER_FIELDS, IntakeDocument
from app.cases.intake.models import IntakeMessage
from app.cases.models import Case, CasePhase, Client, MonitorMoment
from app.cases.plan import services as plan
from app.cases.timeline import EventKind
from app.extensions import db


class Source(StrEnum):
    FORM = "form"
    UPLOAD = "upload"
    API = "api"


@dataclass
class IntakeResult:
    case_id: uuid.UUID
    created: bool
    client_known: bool = False


# A lost race is retried: the retry reads what the winner committed. Three tries cover
# the client, the case and the message key each being won by another request.
RACE_TRIES = 3


def receive_intake_once(
    document: IntakeDocument, actor, source: Source, *, today: date | None = None
) -> IntakeResult:
    """``receive_intake`` in a savepoint of its own, safe against the same intake at once.

    Two requests for one client, detention or message at the same moment (a double
    click on the form, a sender retrying, ten messages of one detention) meet at the
    database's unique keys: the client's citizen number, one open case per client and
    detention (``uq_cases_open_detention``) and the message key. The loser's savepoint
    is rolled back and the intake is received again, which now finds the winner's case:
    the second request gets the answer of the first, never an error.
    """
    for attempt in range(1, RACE_TRIES + 1):
        try:
            with db.session.begin_nested():
                return receive_intake(document, actor, source, today=today)
        except (IntegrityError, StaleDataError):
            if attempt == RACE_TRIES:
                raise
    raise AssertionError("unreachable")


def receive_intake(
    document: IntakeDocument, actor, source: Source, *, today: date | None = None
) -> IntakeResult:
    """Open a case for ``document``, once.

    The same message (sender's id, or the content hash) received again returns the
    case it made. A known client (same BSN in this municipality) is not duplicated:
    their open case of the same detention is the answer, and a new detention opens
    a new case linked to the earlier one.
    """
    today = today or date.today()
    key = document.message_key()
    seen = db.session.scalars(
        select(IntakeMessage).where(IntakeMessage.message_key == key)
    ).one_or_none()
    if seen is not None:
        return IntakeResult(case_id=seen.case_id, created=False, client_known=True)

    client = services.find_client_by_bsn(document.bsn)
    known = client is not None
    if known:
        same_detention = next(
            (
                c
                for c in client.cases
                if not c.is_closed and c.detention_start == document.detention_start
            ),
            None,
        )
        if same_detention is not None:
            _remember(key, source, same_detention.id)
            _note_intake(same_detention)
            return IntakeResult(case_id=same_detention.id, created=False, client_known=True)
        _update_known_client(client, document)
    else:
        client = Client(
            given_name=document.given_name,
            family_name=document.family_name,
            date_of_birth=document.date_of_birth,
            bsn=document.bsn,
        )
        _update_known_client(client, document)
        db.session.add(client)

    case = services.open_case(
        client,
        actor,
        facility=document.facility,
        detention_start=document.detention_start,
        expected_release=document.expected_release,
        prolific_offender=document.prolific_offender,
        benefit_recipient=document.benefit_recipient,
        **{name: getattr(document, name) for name in CASEWORKER_FIELDS},
    )
    for domain in case.life_domains:
        given = document.domain_inputs().get(domain.domain)
        if given is not None:
            domain.status = given.status
            domain.need = given.need
            domain.notes = given.situation
    timeline.record(
        case.id, EventKind.INTAKE, actor, source=source.value, message_id=document.message_id
    )
    if document.detention_start and document.detention_start <= today:
        phases.change_phase(case, CasePhase.IN_DETENTION, actor)
    db.session.flush()
    plan.generate_plan(case, actor, today)
    services.take_snapshot(case, MonitorMoment.INTAKE, actor)
    _remember(key, source, case.id)
    _note_intake(case)
    return IntakeResult(case_id=case.id, created=True, client_known=known)


def _note_intake(case: Case) -> None:
    # An intake is logged like any change of a client's file; through the API the
    # actor is the sending system (its token, ``api.sending_system``). A background
    # upload has no request: its job writes the rows itself.
    if not has_request_context():
        return
    note_access(
        tenant_id=case.tenant_id, client_id=case.client_id, object_type="intake", object_id=case.id
    )


def _update_known_client(client: Client, document: IntakeDocument) -> None:
    for name in ("address", "postal_address", "responsible_municipality"):
        value = getattr(document, name)
        if value:
            setattr(client, name, value)


def _remember(key: str, source: Source, case_id: uuid.UUID) -> None:
    db.session.add(IntakeMessage(message_key=key, source=source.value, case_id=case_id))


def case_for(result: IntakeResult) -> Case:
    return db.session.scalars(select(Case).where(Case.id == result.case_id)).one()
