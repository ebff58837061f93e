"""The intake form and the check of a waiting document through their pages, field by
field (hypothesis), as tests/cases/test_forms_property.py: after the POST the new case holds
what the field's text denotes (a text without its surrounding white space, a checkbox on
only for what a ticked box sends), or the answer is a 4xx with a Dutch message on the page
and nothing was stored; never a 5xx, nothing cut. The oracle is the field-level one
(tests/form_property.py), the harness tests/page_property.py.

Each intake example is a new document with a fresh citizen number (so a new client and
case, not a new version of one). The check of a waiting document: a document whose citizen
number is a known client's with another date of birth waits; the case worker decides.
"""

from __future__ import annotations

import re
import uuid

import pytest
from sqlalchemy import select

from app.cases.intake.checklist import IntakeCheck
from app.cases.intake.checklist_views import DecisionForm
from app.cases.intake.forms import FLAGS, TEXT_LIMITS, IntakeForm
from app.cases.models import Case, Client
from app.extensions import db
from tests.cases.conftest import new_bsn
from tests.cases.test_intake_caseworker_fields import document
from tests.factories import UserFactory
from tests.page_property import Outcome, hold

CLIENT_FIELDS = {"given_name", "family_name", "address", "postal_address", "intended_address"}
DOMAIN_FIELDS = {"housing_situation": "notes", "housing_need": "need"}
VALID = {
    **{name: value for name, value in document().items() if name in TEXT_LIMITS},
    "address": "Brink 1, 7411 BR Deventer",
    "postal_address": "Postbus 1, 7400 AA Deventer",
    "intended_address": "Kerkstraat 2, 7411 AB Deventer",
    "responsible_municipality": "Gemeente Emmen",
    "prolific_offender": "1",
    "benefit_recipient": "1",
    "probation_involved": "1",
    "housing_situation": "Dakloos",
    "housing_need": "Een kamer",
}


def form_document(**overrides) -> dict:
    """A document as the form posts it (a ticked box sends "1")."""
    return {**document(), "probation_involved": "1", **overrides}


def stored_value(case: Case, field: str):
    if field in CLIENT_FIELDS:
        return getattr(case.client, field)
    if field == "responsible_municipality":
        person = case.client
        if person.responsible_tenant == "outside":
            return person.responsible_outside_name
        return person.responsible_tenant
    if field in DOMAIN_FIELDS:
        return getattr(case.domain("housing"), DOMAIN_FIELDS[field])
    return getattr(case, field)


@pytest.fixture
def intake_worker(tenants, in_tenant, worker_client):
    tenant = tenants["deventer"]
    with in_tenant(tenant):
        worker = UserFactory()
    return tenant, worker_client(worker)


def test_an_intake_keeps_what_was_sent_or_says_why_not(app, in_tenant, intake_worker):
    for field in sorted([*TEXT_LIMITS, *FLAGS, *DOMAIN_FIELDS]):
        _an_intake_keeps_what_was_sent_or_says_why_not(app, in_tenant, intake_worker, field)


def _an_intake_keeps_what_was_sent_or_says_why_not(app, in_tenant, intake_worker, field):
    tenant, client = intake_worker
    with app.test_request_context(method="POST"):
        field_bound = IntakeForm()[field]

    def submit(sent: str) -> Outcome:
        data = form_document(housing_status="not_arranged", **{field: sent})
        if field in DOMAIN_FIELDS:
            data["housing_situation" if field == "housing_need" else "housing_need"] = "x"
        response = client.post("/cases/intake", data=data)
        with in_tenant(tenant):
            case = db.session.scalars(
                select(Case)
                .join(Client, Client.id == Case.client_id)
                .where(Client.bsn == data["bsn"])
            ).one_or_none()
            saved = None if case is None else stored_value(case, field)
        return Outcome(response, None, None if case is None else (saved,), saved)

    held = hold(field_bound, VALID[field], submit, name=field)
    assert held.saved and not held.problems, held.report


# --- the check of a waiting document -----------------------------------------------------------


def test_a_decision_on_a_waiting_document_keeps_what_was_sent_or_says_why_not(
    app, in_tenant, make_case, intake_worker
):
    for field in ["decision", "reason"]:
        _a_decision_on_a_waiting_document_keeps_what_was_sent_or_says_why_not(
            app, in_tenant, make_case, intake_worker, field
        )


def _a_decision_on_a_waiting_document_keeps_what_was_sent_or_says_why_not(
    app, in_tenant, make_case, intake_worker, field
):
    tenant, client = intake_worker
    base = {"decision": "other_person", "reason": "Geboortedatum wijkt af"}

    def waiting() -> uuid.UUID:
        bsn = new_bsn()
        make_case(tenant, client={"bsn": bsn})
        response = client.post(
            "/cases/intake", data=form_document(bsn=bsn, date_of_birth="1970-01-01")
        )
        found = re.search(r"/intake/checks/([0-9a-f-]{36})", response.headers["Location"])
        return uuid.UUID(found.group(1))

    def stored(check_id):
        with in_tenant(tenant):
            row = db.session.get(IntakeCheck, (tenant.id, check_id))
            return row.status, row.reason

    def submit(sent: str) -> Outcome:
        check_id = waiting()
        before = stored(check_id)
        data = {**base, field: sent}
        response = client.post(f"/cases/intake/checks/{check_id}", data=data)
        after = stored(check_id)
        return Outcome(response, before, after, after[0] if field == "decision" else after[1])

    with app.test_request_context(method="POST"):
        field_bound = DecisionForm()[field]
    held = hold(field_bound, base[field], submit, name=field)
    assert held.saved and not held.problems, held.report
