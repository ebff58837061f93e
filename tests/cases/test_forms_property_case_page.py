"""The case page's other forms through the pages, field by field (hypothesis), as
tests/cases/test_forms_property.py: after the POST the database holds what the field's text
denotes (a text without its surrounding white space, a date, a number, a checkbox on only
for what a ticked box sends), or the answer is a 4xx with a Dutch message on the page and
nothing changed; never a 5xx, nothing cut. The oracle is the field-level one
(tests/form_property.py), the harness tests/page_property.py.

A case worker of Raalte: the correction of the release date, voiding a measurement, the
municipality of responsibility, the transfer offer, the people involved (add, change, end)
and a document. The tenant admin: a task template's edit and the merge of two clients.
A form whose service needs a fresh case (a release to correct, a measurement to void, a
case to offer) gets one per example.
"""

from __future__ import annotations

import io
import itertools
import uuid
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from app.cases import documents, people, release
from app.cases.forms import (
    ReleaseCorrectionForm,
    ResponsibleForm,
    TemplateEditForm,
    TransferAcceptForm,
    TransferDeclineForm,
    TransferForm,
    VoidSnapshotForm,
)
from app.cases.involved_views import DocumentForm, PersonAddForm, PersonEditForm, PersonEndForm
from app.cases.merge_views import MergeForm
from app.cases.models import Case, Client, DomainSnapshot
from app.cases.plan.models import TaskTemplate
from app.cases.timeline import EventKind, TimelineEntry
from app.cases.transfer import CaseTransfer
from app.cases.transfer_offers import IncomingTransfer
from app.core.actions import saved_submission
from app.core.permissions import Role
from app.extensions import db
from tests import form_property
from tests.cases.conftest import csrf_headers, new_bsn
from tests.factories import MINIMAL_PDF, UserFactory
from tests.page_property import Outcome, hold

TODAY = date.today()


def bound(form_class, app, field: str, **values):
    with app.test_request_context(method="POST"):
        found = form_class()[field]
    for name, value in values.items():
        setattr(found, name, value)
    return found


def load(tenant, case_id) -> Case:
    return db.session.get(Case, (tenant.id, case_id))


def by_turns_htmx(client, headers: dict | None = None):
    """Every other POST as htmx sends it: a refusal answered as a fragment must carry its
    message too."""
    turns = itertools.count()
    original = client.post

    def post(*args, **kwargs):
        sent = {**(headers or {}), **kwargs.pop("headers", {})}
        if next(turns) % 2:
            sent["HX-Request"] = "true"
        return original(*args, headers=sent, **kwargs)

    client.post = post
    return client


@pytest.fixture
def raalte(tenants, in_tenant, worker_client):
    tenant = tenants["raalte"]
    with in_tenant(tenant):
        worker = UserFactory()
    return tenant, worker, by_turns_htmx(worker_client(worker))


@pytest.fixture
def raalte_admin(tenants, in_tenant, sign_in):
    tenant = tenants["raalte"]
    with in_tenant(tenant):
        admin = UserFactory(role=Role.TENANT_ADMIN.value)
    client = sign_in(admin)
    return tenant, by_turns_htmx(client, csrf_headers(client, "/cases/admin/templates"))


def last_event(case_id, kind: EventKind):
    return db.session.scalars(
        select(TimelineEntry)
        .where(TimelineEntry.case_id == case_id, TimelineEntry.kind == kind.value)
        .order_by(TimelineEntry.at.desc())
    ).first()


# --- the release and the measurements --------------------------------------------------------


def released_case(make_case, in_tenant, tenant) -> tuple[uuid.UUID, int]:
    case = make_case(tenant)
    with in_tenant(tenant):
        loaded = load(tenant, case.id)
        release.record_release(loaded, TODAY - timedelta(days=5), "t", today=TODAY)
        db.session.commit()
        return case.id, loaded.version


def test_a_release_correction_keeps_what_was_sent_or_says_why_not(
    app, in_tenant, make_case, raalte
):
    for field in ["released_on", "reason"]:
        _a_release_correction_keeps_what_was_sent_or_says_why_not(
            app, in_tenant, make_case, raalte, field
        )


def _a_release_correction_keeps_what_was_sent_or_says_why_not(
    app, in_tenant, make_case, raalte, field
):
    tenant, _worker, client = raalte
    base = {"released_on": (TODAY - timedelta(days=2)).isoformat(), "reason": "Datum verkeerd"}

    def stored(case_id):
        with in_tenant(tenant):
            event = last_event(case_id, EventKind.RELEASE_CORRECTED)
            reason = None if event is None else event.detail.get("reason")
            return load(tenant, case_id).actual_release, reason

    def submit(sent: str) -> Outcome:
        case_id, version = released_case(make_case, in_tenant, tenant)
        before = stored(case_id)
        data = {**base, field: sent, "version": str(version)}
        response = client.post(f"/cases/{case_id}/release/correct", data=data)
        after = stored(case_id)
        return Outcome(response, before, after, after[0] if field == "released_on" else after[1])

    held = hold(bound(ReleaseCorrectionForm, app, field), base[field], submit, name=field)
    assert held.saved and not held.problems, held.report


def test_voiding_a_measurement_keeps_the_reason_sent_or_says_why_not(
    app, in_tenant, make_case, raalte
):
    tenant, _worker, client = raalte

    def stored(case_id):
        with in_tenant(tenant):
            return frozenset(
                db.session.scalars(
                    select(DomainSnapshot.void_reason).where(
                        DomainSnapshot.case_id == case_id, DomainSnapshot.moment == "release"
                    )
                )
            )

    def submit(sent: str) -> Outcome:
        case_id, _version = released_case(make_case, in_tenant, tenant)
        before = stored(case_id)
        response = client.post(f"/cases/{case_id}/snapshots/release/void", data={"reason": sent})
        after = stored(case_id)
        saved = next(iter(after)) if len(after) == 1 else after
        return Outcome(response, before, after, saved)

    held = hold(bound(VoidSnapshotForm, app, "reason"), "Verkeerde dag", submit, name="reason")
    assert held.saved and not held.problems, held.report


# --- the municipality of responsibility and the transfer -------------------------------------


def test_the_municipality_of_responsibility_is_what_was_sent_or_says_why_not(
    app, tenants, in_tenant, make_case, raalte
):
    for field in ["responsible_tenant", "responsible_outside_name"]:
        _the_municipality_of_responsibility_is_what_was_sent_or_says_why_not(
            app, tenants, in_tenant, make_case, raalte, field
        )


def _the_municipality_of_responsibility_is_what_was_sent_or_says_why_not(
    app, tenants, in_tenant, make_case, raalte, field
):
    """The outside name is stored for a municipality outside the region ("outside")."""
    tenant, _worker, client = raalte
    case = make_case(tenant)
    base = {"responsible_tenant": "outside", "responsible_outside_name": "Gemeente Emmen"}
    if field == "responsible_tenant":
        base["responsible_outside_name"] = ""
        base["responsible_tenant"] = "deventer"
    slugs = [t.slug for t in tenants.values()] + ["outside"]

    def stored():
        with in_tenant(tenant):
            person = load(tenant, case.id).client
            return (
                person.version,
                person.responsible_tenant,
                person.responsible_outside_name,
                person.responsible_confirmed_at,
            )

    def submit(sent: str) -> Outcome:
        before = stored()
        data = {**base, field: sent, "client_version": str(before[0])}
        response = client.post(f"/cases/{case.id}/responsible", data=data)
        after = stored()
        return Outcome(response, before, after, after[1 if field == "responsible_tenant" else 2])

    field_bound = bound(ResponsibleForm, app, field, values=slugs)
    held = hold(field_bound, base[field], submit, name=field)
    assert held.saved and not held.problems, held.report


def test_a_transfer_offer_keeps_what_was_sent_or_says_why_not(
    app, tenants, in_tenant, make_case, raalte
):
    for field in ["target", "reason", "confirm"]:
        _a_transfer_offer_keeps_what_was_sent_or_says_why_not(
            app, tenants, in_tenant, make_case, raalte, field
        )


def _a_transfer_offer_keeps_what_was_sent_or_says_why_not(
    app, tenants, in_tenant, make_case, raalte, field
):
    tenant, _worker, client = raalte
    base = {"target": str(tenants["deventer"].id), "reason": "Verhuisd", "confirm": "1"}
    column = {"target": "target_tenant_id", "reason": "reason", "confirm": "id"}[field]

    def submit(sent: str) -> Outcome:
        case = make_case(tenant)
        response = client.post(f"/cases/{case.id}/transfer", data={**base, field: sent})
        with in_tenant(tenant):
            row = db.session.scalars(
                select(CaseTransfer).where(CaseTransfer.transferred_case_id == case.id)
            ).one_or_none()
            saved = None if row is None else getattr(row, column)
        if field == "confirm":
            saved = row is not None
        return Outcome(response, None, None if row is None else (saved,), saved)

    held = hold(bound(TransferForm, app, field), base[field], submit, name=field)
    assert held.saved and not held.problems, held.report


# --- the people involved and the documents ---------------------------------------------------

PERSON = {
    "role": "probation_officer",
    "name": "R. de Vries",
    "organisation": "Reclassering Nederland",
    "contact": "06 1234 5678",
    "started_on": (TODAY - timedelta(days=10)).isoformat(),
}


@pytest.fixture
def raalte_case(make_case, raalte):
    tenant, worker, client = raalte
    return tenant, worker, client, make_case(tenant).id


def test_adding_a_person_keeps_what_was_sent_or_says_why_not(app, in_tenant, raalte_case):
    for field in people.EDITABLE:
        _adding_a_person_keeps_what_was_sent_or_says_why_not(app, in_tenant, raalte_case, field)


def _adding_a_person_keeps_what_was_sent_or_says_why_not(app, in_tenant, raalte_case, field):
    tenant, _worker, client, case_id = raalte_case

    def submit(sent: str) -> Outcome:
        key = uuid.uuid4()
        data = {**PERSON, field: sent, "submission_key": str(key)}
        response = client.post(f"/cases/{case_id}/people", data=data)
        with in_tenant(tenant):
            row = saved_submission(people.CasePerson, key)
            saved = None if row is None else getattr(row, field)
        return Outcome(response, None, None if row is None else (saved,), saved)

    held = hold(bound(PersonAddForm, app, field), PERSON[field], submit, name=field)
    assert held.saved and not held.problems, held.report


def a_person(in_tenant, tenant, case_id, worker) -> uuid.UUID:
    with in_tenant(tenant):
        row = people.add_person(load(tenant, case_id), worker, dict(PERSON))
        db.session.commit()
        return row.id


def test_changing_a_person_keeps_what_was_sent_or_says_why_not(app, in_tenant, raalte_case):
    for field in people.EDITABLE:
        _changing_a_person_keeps_what_was_sent_or_says_why_not(app, in_tenant, raalte_case, field)


def _changing_a_person_keeps_what_was_sent_or_says_why_not(app, in_tenant, raalte_case, field):
    tenant, worker, client, case_id = raalte_case
    person_id = a_person(in_tenant, tenant, case_id, worker)

    def stored():
        with in_tenant(tenant):
            row = people.access_person(load(tenant, case_id), person_id)
            return row.version, getattr(row, field)

    def submit(sent: str) -> Outcome:
        before = stored()
        data = {**PERSON, field: sent, "version": str(before[0])}
        response = client.post(f"/cases/{case_id}/people/{person_id}", data=data)
        after = stored()
        return Outcome(response, before, after, after[1])

    held = hold(bound(PersonEditForm, app, field), PERSON[field], submit, name=field)
    assert held.saved and not held.problems, held.report


def test_ending_a_person_keeps_what_was_sent_or_says_why_not(app, in_tenant, raalte_case):
    for field in ["ended_on", "end_reason"]:
        _ending_a_person_keeps_what_was_sent_or_says_why_not(app, in_tenant, raalte_case, field)


def _ending_a_person_keeps_what_was_sent_or_says_why_not(app, in_tenant, raalte_case, field):
    tenant, worker, client, case_id = raalte_case
    base = {"ended_on": TODAY.isoformat(), "end_reason": "Traject afgerond"}

    def stored(person_id):
        with in_tenant(tenant):
            row = people.access_person(load(tenant, case_id), person_id)
            return row.version, row.ended_on, row.end_reason

    def submit(sent: str) -> Outcome:
        person_id = a_person(in_tenant, tenant, case_id, worker)
        before = stored(person_id)
        data = {**base, field: sent, "version": str(before[0])}
        response = client.post(f"/cases/{case_id}/people/{person_id}/end", data=data)
        after = stored(person_id)
        return Outcome(response, before, after, after[1 if field == "ended_on" else 2])

    held = hold(bound(PersonEndForm, app, field), base[field], submit, name=field)
    assert held.saved and not held.problems, held.report


def test_a_document_keeps_what_was_sent_or_says_why_not(app, in_tenant, raalte_case):
    for field in ["kind", "title"]:
        _a_document_keeps_what_was_sent_or_says_why_not(app, in_tenant, raalte_case, field)


def _a_document_keeps_what_was_sent_or_says_why_not(app, in_tenant, raalte_case, field):
    """An empty description is the file's name (the document list's label)."""
    tenant, _worker, client, case_id = raalte_case
    base = {"kind": "letter", "title": "Brief van de woningcorporatie"}

    def submit(sent: str) -> Outcome:
        key = uuid.uuid4()
        data = {
            **base,
            field: sent,
            "submission_key": str(key),
            "file": (io.BytesIO(MINIMAL_PDF), "brief.pdf"),
        }
        response = client.post(
            f"/cases/{case_id}/documents", data=data, content_type="multipart/form-data"
        )
        with in_tenant(tenant):
            row = saved_submission(documents.CaseDocument, key)
            saved = None if row is None else getattr(row, field)
        return Outcome(response, None, None if row is None else (saved,), saved)

    field_bound = bound(DocumentForm, app, field)

    def want(sent: str):
        expected = form_property.expected(field_bound, sent)
        return "brief.pdf" if field == "title" and expected is None else expected

    held = hold(field_bound, base[field], submit, want=want, name=field)
    assert held.saved and not held.problems, held.report


# --- the tenant admin: a task template, the merge of two clients -----------------------------

TEMPLATE = {
    "domain": "housing",
    "phase": "in_detention",
    "title": "Huur doorbetalen",
    "description": "Bijzondere bijstand aanvragen",
    "responsible": "aftercare_coordinator",
    "anchor": "release",
    "offset_days": "-14",
    "short_stay_offset_days": "-7",
    "long_stay_only": "",
    "active": "1",
    "position": "3",
}


def test_editing_a_task_template_keeps_what_was_sent_or_says_why_not(app, in_tenant, raalte_admin):
    for field in sorted(TEMPLATE):
        _editing_a_task_template_keeps_what_was_sent_or_says_why_not(
            app, in_tenant, raalte_admin, field
        )


def _editing_a_task_template_keeps_what_was_sent_or_says_why_not(
    app, in_tenant, raalte_admin, field
):
    """An empty position is 0 (the end of the list's order)."""
    tenant, client = raalte_admin
    with in_tenant(tenant):
        row = TaskTemplate(
            id=uuid.uuid4(),
            domain="housing",
            phase="in_detention",
            title="Huur",
            responsible="aftercare_coordinator",
            anchor="release",
            offset_days=-10,
            version=1,
        )
        db.session.add(row)
        db.session.commit()
        template_id = row.id

    def stored():
        with in_tenant(tenant):
            found = db.session.get(TaskTemplate, (tenant.id, template_id))
            return found.version, getattr(found, field)

    def submit(sent: str) -> Outcome:
        before = stored()
        data = {**TEMPLATE, field: sent, "version": str(before[0])}
        response = client.post(f"/cases/admin/templates/{template_id}", data=data)
        after = stored()
        return Outcome(response, before, after, after[1])

    field_bound = bound(TemplateEditForm, app, field)

    def want(sent: str):
        expected = form_property.expected(field_bound, sent)
        return 0 if field == "position" and expected is None else expected

    held = hold(field_bound, TEMPLATE[field], submit, want=want, name=field)
    assert held.saved and not held.problems, held.report


def test_a_merge_is_of_the_clients_sent_or_says_why_not(app, in_tenant, make_case, raalte_admin):
    for field in ["survivor_bsn", "merged_bsn", "reason", "confirm"]:
        _a_merge_is_of_the_clients_sent_or_says_why_not(
            app, in_tenant, make_case, raalte_admin, field
        )


def _a_merge_is_of_the_clients_sent_or_says_why_not(app, in_tenant, make_case, raalte_admin, field):
    """A citizen number is the one of the client that stays (or goes): the examples
    "stays" and "goes" stand for the two fresh clients' numbers of that submission; the
    reason is the timeline's; a merge that happened is the confirmation's "on"."""
    tenant, client = raalte_admin
    made: dict[str, str] = {}
    field_bound = bound(MergeForm, app, field)

    def submit(sent: str) -> Outcome:
        made.update(stays=new_bsn(), goes=new_bsn())
        stays, goes = made["stays"], made["goes"]
        kept = make_case(tenant, client={"bsn": stays})
        make_case(tenant, client={"bsn": goes}, detention_start=TODAY - timedelta(days=400))
        base = {"survivor_bsn": stays, "merged_bsn": goes, "reason": "Dubbel", "confirm": "1"}
        response = client.post(
            "/cases/admin/clients/merge", data={**base, field: made.get(sent, sent)}
        )
        with in_tenant(tenant):
            left = frozenset(
                db.session.scalars(select(Client.bsn).where(Client.bsn.in_([stays, goes])))
            )
            event = last_event(kept.id, EventKind.CLIENT_MERGED)
        merged = len(left) == 1
        saved = {
            "survivor_bsn": next(iter(left)) if merged else None,
            "merged_bsn": ({stays, goes} - left).pop() if merged else None,
            "reason": None if event is None else event.detail.get("reason"),
            "confirm": merged,
        }[field]
        return Outcome(response, frozenset({stays, goes}), left, saved)

    def want(sent: str):
        if sent in made:
            return made[sent]
        return form_property.expected(field_bound, sent)

    valid = {"survivor_bsn": "stays", "merged_bsn": "goes", "reason": "Dubbel", "confirm": "1"}
    held = hold(field_bound, valid[field], submit, want=want, name=field)
    assert held.saved and not held.problems, held.report


# --- the receiver's answer to a transfer -----------------------------------------------------


@pytest.fixture
def offers_to_deventer(tenants, in_tenant, make_case, worker_client):
    """``offer()``: a fresh case of Zutphen offered to Deventer -> the incoming row's id;
    a case worker of Deventer (``chosen``) and a client of another (``receiving``)."""
    zutphen, deventer = tenants["zutphen"], tenants["deventer"]
    with in_tenant(zutphen):
        sender = worker_client(UserFactory())
    with in_tenant(deventer):
        chosen = UserFactory()
        receiving = worker_client(UserFactory())
        chosen_id = chosen.id

    def offer() -> uuid.UUID:
        case = make_case(zutphen)
        body = {"target": str(deventer.id), "reason": "Verhuisd", "confirm": "1"}
        assert sender.post(f"/cases/{case.id}/transfer", data=body).status_code == 302
        with in_tenant(deventer):
            return db.session.scalars(
                select(IncomingTransfer.id).where(IncomingTransfer.case_id == case.id)
            ).one()

    def stored(incoming_id):
        with in_tenant(deventer):
            row = db.session.get(IncomingTransfer, (deventer.id, incoming_id))
            return row.state, row.case_worker_id, row.decline_reason

    return offer, stored, receiving, chosen_id


def test_accepting_a_transfer_takes_the_case_worker_sent_or_says_why_not(app, offers_to_deventer):
    """The example "chosen" stands for the id of Deventer's case worker; a generated id is
    nobody of this municipality and is refused."""
    offer, stored, receiving, chosen_id = offers_to_deventer
    field_bound = bound(TransferAcceptForm, app, "case_worker_id")

    def submit(sent: str) -> Outcome:
        incoming_id = offer()
        before = stored(incoming_id)
        data = {"case_worker_id": str(chosen_id) if sent == "chosen" else sent}
        response = receiving.post(f"/cases/transfers/incoming/{incoming_id}/accept", data=data)
        after = stored(incoming_id)
        return Outcome(response, before, after, after[1])

    def want(sent: str):
        return chosen_id if sent == "chosen" else form_property.expected(field_bound, sent)

    held = hold(field_bound, "chosen", submit, want=want, name="case_worker_id")
    assert held.saved and not held.problems, held.report


def test_declining_a_transfer_keeps_the_reason_sent_or_says_why_not(app, offers_to_deventer):
    offer, stored, receiving, _chosen_id = offers_to_deventer

    def submit(sent: str) -> Outcome:
        incoming_id = offer()
        before = stored(incoming_id)
        response = receiving.post(
            f"/cases/transfers/incoming/{incoming_id}/decline", data={"reason": sent}
        )
        after = stored(incoming_id)
        return Outcome(response, before, after, after[2])

    field_bound = bound(TransferDeclineForm, app, "reason")
    held = hold(field_bound, "Hij staat hier niet ingeschreven", submit, name="reason")
    assert held.saved and not held.problems, held.report
