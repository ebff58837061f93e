"""``receive_intake``: the one service behind the intake form, the file upload and the API."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any

from flask import has_request_context
from flask_babel import lazy_gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from app.audit.models import AccessAction
from app.audit.services import record_access
from app.audit.tracking import note_access, request_actor
from app.cases import municipality, phases, release, services, timeline
from app.cases.errors import CaseError
from app.cases.intake import checklist
from app.cases.intake.document import CASEWORKER_FIELDS, IntakeDocument, parse_document
from app.cases.intake.facilities import known_facilities
from app.cases.intake.models import IntakeMessage, MessageKind
from app.cases.jobs import release_date_moved
from app.cases.labels import intake_field_label
from app.cases.models import Case, CasePhase, Client, DomainSnapshot, MonitorMoment
from app.cases.plan import services as plan
from app.cases.plan.models import Task
from app.cases.timeline import EventKind
from app.core import bulk
from app.core.tenancy import current_tenant_id
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
    # The case's client, when the path that answered knew it without another query.
    client_id: uuid.UUID | None = None

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
    log_access: bool = True,
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
                    document,
                    actor,
                    source,
                    today=today,
                    confirmed_client_id=confirmed_client_id,
                    log_access=log_access,
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
    log_access: bool = True,
) -> IntakeResult:
    """Open a case for ``document``, once.

    The same message (sender's id, or the content hash) received again returns the
    case it made. A known client (same BSN in this municipality) is not duplicated:
    their open case of the same detention is the answer, and a new detention opens
    a new case linked to the earlier one.

    A known citizen number with another date of birth or name is never merged: the
    document waits in the check list (``checklist.hold``) and nothing else is written,
    unless a case worker confirmed it as that client (``confirmed_client_id``).

    ``log_access`` false: the caller writes the access log itself (the batch: a row per
    document).
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
            if log_access:
                _note_intake(case)
            return IntakeResult(
                case_id=case.id,
                created=False,
                client_known=True,
                updated=True,
                client_id=case.client_id,
            )
    if kind in FOLLOW_UP_KINDS:
        raise IntakeRefused(
            _("no open case of this client for this detention: send the basic document first"),
            field="kind",
        )
    if known:
        _update_known_client(client, document)
    else:
        client = _new_client(document)
    case = _new_case(client, document, kind, actor, source, today)
    db.session.flush()
    plan.generate_plan(case, actor, today)
    _after_new_case(case, key, source, document, actor)
    if log_access:
        _note_intake(case)
    return IntakeResult(case_id=case.id, created=True, client_known=known, client_id=client.id)


def _new_client(document: IntakeDocument, region=None) -> Client:
    client = Client(
        given_name=document.given_name,
        family_name=document.family_name,
        date_of_birth=document.date_of_birth,
        bsn=document.bsn,
    )
    _update_known_client(client, document, region)
    db.session.add(client)
    return client


def _new_case(
    client: Client,
    document: IntakeDocument,
    kind: MessageKind,
    actor,
    source: Source,
    today: date,
) -> Case:
    """The case a document opens, with its life domains, history and phase (no plan yet)."""
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
    # A new case has no measurements yet: said before the flush, so that taking the
    # intake measurement does not load the empty list from the database.
    case.snapshots = []
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
    return case


def _after_new_case(
    case: Case,
    key: str,
    source: Source,
    document: IntakeDocument,
    actor,
    snapshot_rows: list[dict] | None = None,
) -> None:
    """What follows the plan of a new case: the intake measurement (into
    ``snapshot_rows`` when given: ``take_snapshot``'s rows), the release notice (a release
    within six weeks is announced at intake) and the message key."""
    services.take_snapshot(case, MonitorMoment.INTAKE, actor, rows=snapshot_rows)
    release_date_moved(case)
    _remember(key, source, case.id, document)


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


def _update_known_client(client: Client, document: IntakeDocument, region=None) -> None:
    for name in VERSION_CLIENT_FIELDS:
        value = getattr(document, name)
        if value:
            setattr(client, name, value)
    propose_responsible(client, document, region)


def propose_responsible(client: Client, document: IntakeDocument, region=None) -> None:
    """The municipality of responsibility an intake proposes (``app.cases.municipality``):
    the one the document names, else the one of the postcodes; never over a case worker's
    confirmed choice, and never cleared (an unknown postcode proposes nothing)."""
    if client.responsible_confirmed_at is not None:
        return
    slug, outside = municipality.resolve(document.responsible_municipality, region)
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


# --- a batch of documents ------------------------------------------------------------------

# The most documents one batch may hold: 500 documents of a few kB stay well under the
# request body limit, and the batch's statements stay within PostgreSQL's parameter limit.
MAX_BATCH = 500


class Answer(StrEnum):
    """What became of one document of a batch."""

    CREATED = "created"
    UPDATED = "updated"
    # Received before (same message key): nothing changed; the case it made is answered.
    UNCHANGED = "unchanged"
    # A known citizen number with another name or date of birth: in the check list.
    WAITING = "waiting"
    REFUSED = "refused"


@dataclass
class DocumentAnswer:
    index: int
    message_id: str | None
    status: Answer
    case_id: uuid.UUID | None = None
    check_id: uuid.UUID | None = None
    # [{"field": ..., "message": "<Dutch label>: <Dutch reason>"}] for a refused document.
    errors: list[dict] | None = None
    client_id: uuid.UUID | None = None

    @classmethod
    def of(cls, index: int, message_id: str | None, result: IntakeResult) -> DocumentAnswer:
        status = {
            "created": Answer.CREATED,
            "updated": Answer.UPDATED,
            "duplicate": Answer.UNCHANGED,
            "waiting": Answer.WAITING,
        }[result.status]
        return cls(
            index,
            message_id,
            status,
            case_id=result.case_id,
            check_id=result.check_id,
            client_id=result.client_id,
        )


def _refused(index: int, data: Any, errors: list[tuple[str, str]]) -> DocumentAnswer:
    message_id = data.get("message_id") if isinstance(data, dict) else None
    return DocumentAnswer(
        index,
        message_id if isinstance(message_id, str) else None,
        Answer.REFUSED,
        errors=[
            {"field": name, "message": f"{intake_field_label(name)}: {message}"}
            for name, message in errors
        ],
    )


def receive_intake_batch(
    documents: Sequence[Any], source: Source, *, actor=None, today: date | None = None
) -> list[DocumentAnswer]:
    """Take in a batch of documents (raw JSON values), answering each in its order.

    Every document is validated with the one model (``parse_document``); one that fails
    is refused with its reasons and does not stop the others. The outcome is the same as
    receiving the documents one by one in their order (``receive_intake``), written with
    a number of statements that does not grow with the batch:

    - the message keys and the citizen numbers are looked up once for the whole batch;
      a key received before answers ``unchanged`` with the case it made (idempotent: the
      same batch again creates nothing);
    - a document of a new client whose number and key no earlier document of the batch
      has (the bulk of a prison's messages) opens its case in memory, the plans of all
      of them are made at once (``plan.plan_rows``) and the rows go out with one
      ``INSERT ... SELECT FROM unnest`` per table (``app.core.bulk``);
    - the rest (a known client: a new version or a new detention; a number or key met
      earlier in the batch; a follow-up message) is received one by one after that, in
      the batch's order, through ``receive_intake_once``: a few statements each. None of
      them can touch a document of the bulk part (they have another number and key), so
      the order of the one-by-one path is kept.

    The bulk part runs in a savepoint: a concurrent request that wins a unique key (the
    same client or message at once) rolls it back and the batch is read again, finding
    the winner's rows, as ``receive_intake_once`` does for one document.

    Every document gets an access-log row with the request's actor (through the API:
    the sending system), all of them written in one INSERT after the answer.
    """
    actor = actor or "API"
    today = today or date.today()
    facilities = known_facilities()
    answers: list[DocumentAnswer | None] = [None] * len(documents)
    parsed: list[tuple[int, IntakeDocument, str]] = []
    for index, data in enumerate(documents):
        document, errors = parse_document(data, today=today, facilities=facilities)
        if errors:
            answers[index] = _refused(index, data, errors)
        else:
            parsed.append((index, document, document.message_key()))
    for attempt in range(1, RACE_TRIES + 1):
        try:
            with db.session.begin_nested():
                bulk, later = _receive_bulk(parsed, actor, source, today)
            break
        except (IntegrityError, StaleDataError):
            if attempt == RACE_TRIES:
                raise
    for answer in bulk:
        answers[answer.index] = answer
    for index, document, _key in later:
        try:
            result = receive_intake_once(document, actor, source, today=today, log_access=False)
        except IntakeRefused as refusal:
            answers[index] = _refused(
                index,
                {"message_id": document.message_id},
                [(refusal.field or "document", refusal.message)],
            )
        else:
            answers[index] = DocumentAnswer.of(index, document.message_id, result)
    done = [answer for answer in answers if answer is not None]
    _log_documents(done)
    return done


def _receive_bulk(
    parsed: list[tuple[int, IntakeDocument, str]], actor, source: Source, today: date
) -> tuple[list[DocumentAnswer], list[tuple[int, IntakeDocument, str]]]:
    """The answers of the documents received before and of the new clients (written in
    one flush), and the documents left for the one-by-one path, in order."""
    if not parsed:
        return [], []
    keys = {key for _index, _document, key in parsed}
    seen = {
        key: (case_id, client_id)
        for key, case_id, client_id in db.session.execute(
            select(IntakeMessage.message_key, IntakeMessage.case_id, Case.client_id)
            .join(
                Case,
                (Case.id == IntakeMessage.case_id) & (Case.tenant_id == IntakeMessage.tenant_id),
            )
            .where(IntakeMessage.message_key.in_(keys))
        )
    }
    known = set(
        db.session.scalars(
            select(Client.bsn).where(Client.bsn.in_({d.bsn for _i, d, _k in parsed}))
        )
    )
    answers, new, later = [], [], []
    keys_met, numbers_met = set(), set()
    for index, document, key in parsed:
        if key in seen:
            case_id, client_id = seen[key]
            answers.append(
                DocumentAnswer(
                    index, document.message_id, Answer.UNCHANGED, case_id, client_id=client_id
                )
            )
            continue
        simple = (
            key not in keys_met
            and document.bsn not in numbers_met
            and document.bsn not in known
            and MessageKind(document.kind) not in FOLLOW_UP_KINDS
        )
        keys_met.add(key)
        numbers_met.add(document.bsn)
        (new if simple else later).append((index, document, key))
    if new:
        answers += _open_new_cases(new, actor, source, today)
    return answers, later


def _open_new_cases(
    new: list[tuple[int, IntakeDocument, str]], actor, source: Source, today: date
) -> list[DocumentAnswer]:
    """A case for each document of a new client, as ``receive_intake`` opens one, written
    with one INSERT per table whatever their number: the clients, cases, measurements,
    notices and message keys are built in memory with autoflush off and written by
    ``bulk.flush_new`` in foreign-key order; the plans' tasks (``plan.plan_rows``, the
    tasks ``generate_plans`` makes, as rows: some fifteen a case), the intake
    measurement (``take_snapshot``'s rows: one a life domain) and the timeline's events
    (``timeline.gathered_as_rows``: five a case) after them by ``bulk.insert_new_rows``.
    What the build reads (templates, the region's municipalities, the life domains'
    setting) is read before it."""
    plan.templates()  # the default template is installed (and flushed) before the build
    region = (
        municipality.region_tenants()
        if any(document.responsible_municipality for _i, document, _k in new)
        else None
    )
    services.life_domain_kinds()
    built = []
    with db.session.no_autoflush, timeline.gathered_as_rows() as events:
        for index, document, key in new:
            client = _new_client(document, region)
            case = _new_case(client, document, MessageKind(document.kind), actor, source, today)
            built.append((index, document, key, client, case))
        tasks = plan.plan_rows([case for *_rest, case in built], actor, today)
        snapshots: list[dict] = []
        for _index, document, key, _client, case in built:
            _after_new_case(case, key, source, document, actor, snapshots)
    bulk.flush_new(db.session)
    bulk.insert_new_rows(db.session, Task, tasks)
    bulk.insert_new_rows(db.session, DomainSnapshot, snapshots)
    bulk.insert_new_rows(db.session, timeline.TimelineEntry, events)
    return [
        DocumentAnswer(
            index, document.message_id, Answer.CREATED, case_id=case.id, client_id=client.id
        )
        for index, document, _key, client, case in built
    ]


def _log_documents(answers: list[DocumentAnswer]) -> None:
    """An access-log row per document, with the request's actor (the sending system),
    gathered for the request's one INSERT. Outside a request (a job, the shell) there is
    no actor to name: the caller logs."""
    if not has_request_context():
        return
    actor = request_actor()
    if actor is None:
        return
    tenant_id = current_tenant_id(db.session)
    missing = {a.case_id for a in answers if a.case_id is not None and a.client_id is None}
    if missing:
        clients = dict(
            db.session.execute(select(Case.id, Case.client_id).where(Case.id.in_(missing))).all()
        )
        for answer in answers:
            if answer.client_id is None and answer.case_id in clients:
                answer.client_id = clients[answer.case_id]
    for answer in answers:
        waiting = answer.status == Answer.WAITING
        record_access(
            actor,
            tenant_id=tenant_id,
            # A waiting document is not yet anyone's: the known client it may be is left
            # out until a case worker decides.
            client_id=None if waiting else answer.client_id,
            object_type="intake_check" if waiting else "intake",
            object_id=answer.check_id if waiting else answer.case_id,
            action=AccessAction.CHANGE,
            result="refused" if answer.status == Answer.REFUSED else "granted",
            detail=f"{answer.status.value} {answer.message_id or ''}".strip(),
        )
