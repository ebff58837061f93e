"""``receive_intake``: the one service behind the intake form, the file upload and the API."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from flask import has_request_context
from flask_babel import lazy_gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from app.audit.tracking import note_access
from app.cases import municipality, phases, release, services, timeline
from app.cases.errors import CaseError
from app.cases.intake import checklist
from app.cases.intake.document import CASEWORKER_FIELDS, IntakeDocument
from app.cases.intake.models import IntakeMessage, MessageKind
from app.cases.jobs import release_date_moved
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
    case_id: uuid.UUID | None
    created: bool
    client_known: bool = False
    # A new version of the document for an existing case (not a repeat of a message).
    updated: bool = False
    # The document waits in the check list (``checklist``): no case, ``case_id`` None.
    check_id: uuid.UUID | None = None

    @property
    def waiting(self) -> bool:
        return self.check_id is not None

    @property
    def status(self) -> str:
        if self.waiting:
            return "waiting"
        return "created" if self.created else "updated" if self.updated else "duplicate"


class IntakeRefused(CaseError):
    """The message cannot be taken in (e.g. an end of detention without an open case);
    ``field`` names the document's field, ``message`` says why in Dutch."""


# The kinds that speak of a detention the portal must already know.
FOLLOW_UP_KINDS = (MessageKind.TRANSFER, MessageKind.LEAVE, MessageKind.END_OF_DETENTION)
# The case's fields a version of the document may change (the release through ``release``).
VERSION_CASE_FIELDS = (
    "facility",
    "prolific_offender",
    "benefit_recipient",
    *CASEWORKER_FIELDS,
)
VERSION_CLIENT_FIELDS = ("address", "postal_address", "intended_address")


# A lost race is retried: the retry reads what the winner committed. Three tries cover
# the client, the case and the message key each being won by another request.
RACE_TRIES = 3


def receive_intake_once(
    document: IntakeDocument,
    actor,
    source: Source,
    *,
    today: date | None = None,
    confirmed_client_id: uuid.UUID | None = None,
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
                return receive_intake(
                    document, actor, source, today=today, confirmed_client_id=confirmed_client_id
                )
        except (IntegrityError, StaleDataError):
            if attempt == RACE_TRIES:
                raise
    raise AssertionError("unreachable")


def receive_intake(
    document: IntakeDocument,
    actor,
    source: Source,
    *,
    today: date | None = None,
    confirmed_client_id: uuid.UUID | None = None,
) -> IntakeResult:
    """Open a case for ``document``, once.

    The same message (sender's id, or the content hash) received again returns the
    case it made. A known client (same BSN in this municipality) is not duplicated:
    their open case of the same detention is the answer, and a new detention opens
    a new case linked to the earlier one.

    A known citizen number with another date of birth or name is never merged: the
    document waits in the check list (``checklist.hold``) and nothing else is written,
    unless a case worker confirmed it as that client (``confirmed_client_id``).
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
    kind = MessageKind(document.kind)
    if known and not same_person(client, document) and confirmed_client_id != client.id:
        # Never merged: another date of birth or name behind a known citizen number changes
        # nothing of that person; the document waits for a case worker.
        try:
            check = checklist.hold(client, document, key, source.value)
        except checklist.CheckRefused as refused:  # decided: another person, or refused
            raise IntakeRefused(refused.message, field="bsn") from None
        return IntakeResult(case_id=None, created=False, client_known=True, check_id=check.id)
    if known:
        case = _case_of_detention(client, document, kind)
        if case is not None:
            _apply_version(case, document, kind, actor, source, today)
            _remember(key, source, case.id, document)
            _note_intake(case)
            return IntakeResult(case_id=case.id, created=False, client_known=True, updated=True)
    if kind in FOLLOW_UP_KINDS:
        raise IntakeRefused(
            _("no open case of this client for this detention: send the basic document first"),
            field="kind",
        )
    if known:
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
        case.id,
        EventKind.INTAKE,
        actor,
        source=source.value,
        message_id=document.message_id,
        message_kind=kind.value,
    )
    if document.detention_start and document.detention_start <= today:
        phases.change_phase(case, CasePhase.IN_DETENTION, actor)
    db.session.flush()
    plan.generate_plan(case, actor, today)
    services.take_snapshot(case, MonitorMoment.INTAKE, actor)
    release_date_moved(case)  # a release within six weeks is announced at intake
    _remember(key, source, case.id, document)
    _note_intake(case)
    return IntakeResult(case_id=case.id, created=True, client_known=known)


def _name_key(name: str | None) -> str:
    return " ".join((name or "").split()).casefold()


def same_person(client: Client, document: IntakeDocument) -> bool:
    """A known client is the document's person only on citizen number, date of birth and
    name together (case and spaces aside)."""
    return (
        client.date_of_birth == document.date_of_birth
        and _name_key(client.given_name) == _name_key(document.given_name)
        and _name_key(client.family_name) == _name_key(document.family_name)
    )


def _case_of_detention(client: Client, document: IntakeDocument, kind: MessageKind) -> Case | None:
    """The client's open case this message is about: the one of the same detention; a
    follow-up message (transfer, leave, end) without a start of detention: the latest."""
    open_cases = [c for c in client.cases if not c.is_closed]
    same = next((c for c in open_cases if c.detention_start == document.detention_start), None)
    if same is None and kind in FOLLOW_UP_KINDS and document.detention_start is None:
        return open_cases[-1] if open_cases else None
    return same


def _given(document: IntakeDocument, name: str):
    """The value the document gives for ``name``; None when it does not speak of it."""
    if name not in document.model_fields_set:
        return None
    return getattr(document, name)


def _apply_version(
    case: Case, document: IntakeDocument, kind: MessageKind, actor, source: Source, today: date
) -> None:
    """A new version of the document: the fields it gives change the case, the difference
    goes into the timeline, the plan follows (``plan.reconcile_plan``; a new expected
    release through ``release.move_expected_release``); an end of detention records the
    release through ``release.record_release``."""
    changes: dict[str, list] = {}
    for name in VERSION_CASE_FIELDS:
        value = _given(document, name)
        if value is not None and getattr(case, name) != value:
            changes[name] = [getattr(case, name), value]
            setattr(case, name, value)
    client = case.client
    for name in VERSION_CLIENT_FIELDS:
        value = _given(document, name)
        if value is not None and getattr(client, name) != value:
            changes[name] = [getattr(client, name), value]
            setattr(client, name, value)
    before = (client.responsible_tenant, client.responsible_outside_name)
    propose_responsible(client, document)
    after = (client.responsible_tenant, client.responsible_outside_name)
    if after != before:
        changes["responsible_tenant"] = [before[0], after[0]]
    domains: dict[str, dict] = {}
    for domain in case.life_domains:
        given = document.domain_inputs().get(domain.domain)
        if given is None:
            continue
        diff = {}
        # Only what this version speaks of: a domain given with a need only keeps its status.
        for field, source_field in (("status", "status"), ("need", "need"), ("notes", "situation")):
            value = getattr(given, source_field)
            if source_field in given.model_fields_set and getattr(domain, field) != value:
                diff[field] = [getattr(domain, field), value]
                setattr(domain, field, value)
        if diff:
            domains[domain.domain] = diff
    timeline.record(
        case.id,
        EventKind.INTAKE_VERSION,
        actor,
        source=source.value,
        message_id=document.message_id,
        message_kind=kind.value,
        version=_version_count(case.id) + 1,
        changes=changes,
        domains=domains,
        event_date=document.event_date,
        leave_end=document.leave_end,
    )
    db.session.flush()
    new_release = _given(document, "expected_release")
    if new_release is not None and new_release != case.expected_release:
        try:
            release.move_expected_release(case, new_release, actor)
        except CaseError as error:
            raise IntakeRefused(error.message, field="expected_release") from error
    if kind == MessageKind.END_OF_DETENTION:
        try:
            release.record_release(case, document.event_date, actor, today=today)
        except CaseError as error:
            raise IntakeRefused(error.message, field="event_date") from error
    elif changes or domains:
        plan.reconcile_plan(case, actor, today)


def _version_count(case_id: uuid.UUID) -> int:
    return len(
        db.session.scalars(select(IntakeMessage.id).where(IntakeMessage.case_id == case_id)).all()
    )


def message_versions(case_id: uuid.UUID) -> list[IntakeMessage]:
    """The messages received for a case, oldest first: version 1, 2, ..."""
    return list(
        db.session.scalars(
            select(IntakeMessage)
            .where(IntakeMessage.case_id == case_id)
            .order_by(IntakeMessage.received_at)
        )
    )


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
    for name in VERSION_CLIENT_FIELDS:
        value = getattr(document, name)
        if value:
            setattr(client, name, value)
    propose_responsible(client, document)


def propose_responsible(client: Client, document: IntakeDocument) -> None:
    """The municipality of responsibility an intake proposes (``app.cases.municipality``):
    the one the document names, else the one of the postcodes; never over a case worker's
    confirmed choice, and never cleared (an unknown postcode proposes nothing)."""
    if client.responsible_confirmed_at is not None:
        return
    slug, outside = municipality.resolve(document.responsible_municipality)
    if slug is None:
        slug = municipality.propose(client.address, client.intended_address)
    if slug is not None:
        client.responsible_tenant, client.responsible_outside_name = slug, outside


def _remember(key: str, source: Source, case_id: uuid.UUID, document: IntakeDocument) -> None:
    domains = {k: v.model_dump() for k, v in document.domain_inputs().items()}
    db.session.add(
        IntakeMessage(
            message_key=key,
            source=source.value,
            case_id=case_id,
            kind=document.kind,
            domains=domains or None,
        )
    )


def case_for(result: IntakeResult) -> Case:
    return db.session.scalars(select(Case).where(Case.id == result.case_id)).one()
