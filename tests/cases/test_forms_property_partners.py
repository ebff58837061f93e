"""The partner forms of the tenant admin and the care director's own forms through their
pages, field by field (hypothesis), as the case file's forms
(tests/cases/test_forms_property.py): after the POST the stored row holds what the field's
text denotes (a text without its surrounding white space, an amount in cents, a date, a
checkbox on only for what a ticked box sends), or the answer is a 4xx with a Dutch message
on the page and nothing was stored or changed; never a 5xx. The oracle is the field-level
one (tests/form_property.py), the harness tests/page_property.py.

Partners (``/cases/admin/partners``, the tenant admin): add, edit (the fields of
``PartnerFields``, which both share), and binding a provider worker. The care director's
pages (``/trajecten``, a provider worker bound to the partner): progress, the proposed
end, the invoice; and the municipality's decision on the invoice (``/trajecten/facturen``,
the tenant admin).
"""

from __future__ import annotations

import re
import uuid
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from app.cases.handover import services as handover
from app.cases.handover.models import Trajectory, TrajectoryInvoice, TrajectoryReport
from app.cases.models import Case
from app.cases.partners.forms import PartnerAddForm, PartnerEditForm, StaffForm
from app.cases.partners.models import Partner, PartnerStaff
from app.cases.provider import forms as provider_forms
from app.cases.provider import services as provider
from app.core.actions import saved_submission
from app.core.permissions import Role
from app.extensions import db
from tests import form_property
from tests.cases.conftest import csrf_headers
from tests.factories import PartnerFactory, PartnerStaffFactory, UserFactory
from tests.page_property import Outcome, hold

TODAY = date.today()

PARTNER = {
    "name": "Stichting Onderdak",
    "kind": "supported_housing",
    "contact_name": "Team wonen",
    "email": "wonen@onderdak.example",
    "phone": "0570 123 456",
    "address": "Brink 1, Deventer",
    "takes_referrals": "1",
    "takes_trajectories": "",
    "active": "1",
}
TEXTS = ("name", "contact_name", "email", "phone", "address")
FLAGS = ("takes_referrals", "takes_trajectories", "active")


def bound(form_class, app, field: str):
    with app.test_request_context(method="POST"):
        return form_class()[field]


@pytest.fixture
def admin_client(tenants, in_tenant, sign_in):
    with in_tenant(tenants["deventer"]):
        admin = UserFactory(role=Role.TENANT_ADMIN.value)
    client = sign_in(admin)
    headers = csrf_headers(client, "/cases/admin/partners")
    original = client.post
    client.post = lambda *a, **k: original(*a, **{**k, "headers": headers})
    return client


def test_adding_a_partner_keeps_what_was_sent_or_says_why_not(
    app, tenants, in_tenant, admin_client
):
    for field in [*TEXTS, "kind", *FLAGS]:
        _adding_a_partner_keeps_what_was_sent_or_says_why_not(
            app, tenants, in_tenant, admin_client, field
        )


def _adding_a_partner_keeps_what_was_sent_or_says_why_not(
    app, tenants, in_tenant, admin_client, field
):
    home = tenants["deventer"]

    def submit(sent: str) -> Outcome:
        key = uuid.uuid4()
        data = {**PARTNER, field: sent, "submission_key": str(key)}
        response = admin_client.post("/cases/admin/partners", data=data)
        with in_tenant(home):
            row = saved_submission(Partner, key)
            saved = None if row is None else getattr(row, field)
        return Outcome(response, None, None if row is None else (saved,), saved)

    held = hold(bound(PartnerAddForm, app, field), PARTNER[field], submit, name=field)
    assert held.saved and not held.problems, held.report


def test_editing_a_partner_keeps_what_was_sent_or_says_why_not(
    app, tenants, in_tenant, admin_client
):
    for field in [*TEXTS, "kind", *FLAGS]:
        _editing_a_partner_keeps_what_was_sent_or_says_why_not(
            app, tenants, in_tenant, admin_client, field
        )


def _editing_a_partner_keeps_what_was_sent_or_says_why_not(
    app, tenants, in_tenant, admin_client, field
):
    home = tenants["deventer"]
    with in_tenant(home):
        partner = PartnerFactory(name="Stichting Onderdak", kind="supported_housing")
        db.session.commit()
        partner_id = partner.id

    def stored():
        with in_tenant(home):
            row = db.session.get(Partner, (home.id, partner_id))
            return row.version, getattr(row, field)

    def submit(sent: str) -> Outcome:
        before = stored()
        data = {**PARTNER, field: sent, "version": str(before[0])}
        response = admin_client.post(f"/cases/admin/partners/{partner_id}", data=data)
        after = stored()
        return Outcome(response, before, after, after[1])

    held = hold(bound(PartnerEditForm, app, field), PARTNER[field], submit, name=field)
    assert held.saved and not held.problems, held.report


@pytest.fixture
def staff_page(tenants, in_tenant):
    """A care director of Deventer, ``bound_ids()`` of its provider workers, and
    ``new_worker()``: the id of a fresh provider worker, not bound yet."""
    home = tenants["deventer"]
    with in_tenant(home):
        partner = PartnerFactory()
        db.session.commit()
        partner_id = partner.id

    def bound_ids() -> frozenset:
        with in_tenant(home):
            return frozenset(
                db.session.scalars(
                    select(PartnerStaff.user_id).where(PartnerStaff.partner_id == partner_id)
                )
            )

    def new_worker() -> uuid.UUID:
        with in_tenant(home):
            worker = UserFactory(role=Role.PROVIDER_WORKER.value)
            db.session.commit()
            return worker.id

    return f"/cases/admin/partners/{partner_id}/staff", bound_ids, new_worker


def test_binding_a_provider_worker_binds_the_account_sent_or_says_why_not(
    app, admin_client, staff_page
):
    """The account field: the id of a fresh provider worker is bound ("fresh" in the
    examples stands for it); a generated id belongs to no account and is refused."""
    url, bound_ids, new_worker = staff_page
    field = bound(StaffForm, app, "user_id")
    fresh: list[uuid.UUID] = []

    def submit(sent: str) -> Outcome:
        if sent == "fresh":
            fresh.append(new_worker())
            sent = str(fresh[-1])
        before = bound_ids()
        response = admin_client.post(url, data={"user_id": sent, "action": "bind"})
        after = bound_ids()
        added = after - before
        return Outcome(response, before, after, next(iter(added)) if len(added) == 1 else None)

    def want(sent: str):
        return fresh[-1] if sent == "fresh" else form_property.expected(field, sent)

    held = hold(field, "fresh", submit, want=want, name="user_id")
    assert held.saved and not held.problems, held.report


def test_binding_a_provider_worker_does_the_action_sent_or_says_why_not(
    app, admin_client, staff_page
):
    url, bound_ids, new_worker = staff_page

    def submit(sent: str) -> Outcome:
        worker_id = new_worker()
        before = bound_ids()
        response = admin_client.post(url, data={"user_id": str(worker_id), "action": sent})
        after = bound_ids()
        return Outcome(response, before, after, "bind" if worker_id in after else "unbind")

    held = hold(bound(StaffForm, app, "action"), "bind", submit, name="action")
    assert held.saved and not held.problems, held.report


# --- the care director's pages -------------------------------------------------------------


@pytest.fixture
def care_director(tenants, in_tenant, sign_in, make_case):
    """A provider worker of the care director, and ``trajectory()``: a fresh hand-over of
    a fresh case to it (housing shared by consent) -> (trajectory id, case id)."""
    home = tenants["deventer"]
    with in_tenant(home):
        worker = UserFactory(role=Role.PROVIDER_WORKER.value)
        PartnerStaffFactory(partner=PartnerFactory(name="Regizorg BV"), user=worker)
        db.session.commit()
        db.session.expunge(worker)
    client = sign_in(worker)

    def trajectory() -> tuple[uuid.UUID, uuid.UUID]:
        case = make_case(home)
        with in_tenant(home):
            loaded = db.session.get(Case, (home.id, case.id))
            handover.record_basis(
                loaded, "t", domain="housing", basis="consent_given", effective_on=TODAY
            )
            row = handover.hand_over(loaded, "t", start_date=TODAY)
            db.session.commit()
            return row.id, case.id

    first, _case = trajectory()
    headers = csrf_headers(client, f"/trajecten/{first}")
    return home, worker, client, headers, trajectory, first


PROGRESS = {"domain": "housing", "body": "Kamer bezichtigd."}
END = {"proposed_end": (TODAY + timedelta(days=60)).isoformat(), "body": "Doelen bereikt."}
INVOICE = {"amount": "1.450,50", "invoice_date": TODAY.isoformat(), "reference": "RZ-2026-17"}


CARE_DIRECTOR_FIELDS = [
    (provider_forms.ProgressForm, "voortgang", PROGRESS, TrajectoryReport, "domain", "domain"),
    (provider_forms.ProgressForm, "voortgang", PROGRESS, TrajectoryReport, "body", "body"),
    (provider_forms.EndForm, "einde", END, TrajectoryReport, "proposed_end", "proposed_end"),
    (provider_forms.EndForm, "einde", END, TrajectoryReport, "body", "body"),
    (provider_forms.InvoiceForm, "factuur", INVOICE, TrajectoryInvoice, "amount", "amount_cents"),
    (provider_forms.InvoiceForm, "factuur", INVOICE, TrajectoryInvoice, "invoice_date", None),
    (provider_forms.InvoiceForm, "factuur", INVOICE, TrajectoryInvoice, "reference", None),
]


def test_the_care_directors_forms_keep_what_was_sent_or_say_why_not(app, in_tenant, care_director):
    for form_class, path, base, model, field, column in CARE_DIRECTOR_FIELDS:
        _care_director_field(
            app, in_tenant, care_director, form_class, path, base, model, field, column
        )


def _care_director_field(
    app, in_tenant, care_director, form_class, path, base, model, field, column
):
    home, _worker, client, headers, trajectory, first = care_director
    column = column or field
    fresh = form_class is not provider_forms.ProgressForm  # one end, one invoice per hand-over
    field_bound = bound(form_class, app, field)
    if field == "domain":
        field_bound.values = ["housing", "income", "care", "debts", "identity"]

    def submit(sent: str) -> Outcome:
        trajectory_id = trajectory()[0] if fresh else first
        key = uuid.uuid4()
        data = {**base, field: sent, "submission_key": str(key)}
        response = client.post(f"/trajecten/{trajectory_id}/{path}", data=data, headers=headers)
        with in_tenant(home):
            row = saved_submission(model, key)
            saved = None if row is None else getattr(row, column)
        return Outcome(response, None, None if row is None else (saved,), saved)

    held = hold(field_bound, base[field], submit, name=field)
    assert held.saved and not held.problems, held.report


def test_the_decision_on_an_invoice_keeps_what_was_sent_or_says_why_not(
    app, tenants, in_tenant, sign_in, care_director
):
    for field in ["decision", "reason"]:
        _the_decision_on_an_invoice_keeps_what_was_sent_or_says_why_not(
            app, tenants, in_tenant, sign_in, care_director, field
        )


def _the_decision_on_an_invoice_keeps_what_was_sent_or_says_why_not(
    app, tenants, in_tenant, sign_in, care_director, field
):
    home, worker, _client, _headers, trajectory, _first = care_director
    with in_tenant(home):
        admin = UserFactory(role=Role.TENANT_ADMIN.value)
        db.session.commit()
        db.session.expunge(admin)
    client = sign_in(admin)
    headers = csrf_headers(client, "/trajecten/facturen")
    base = {"decision": "reject", "reason": "Dubbel gefactureerd"}

    def submit(sent: str) -> Outcome:
        trajectory_id, case_id = trajectory()
        with in_tenant(home):
            row = db.session.get(Trajectory, (home.id, trajectory_id))
            case = db.session.get(Case, (home.id, case_id))
            invoice = provider.submit_invoice(
                row,
                case,
                worker,
                amount_cents=100_00,
                invoice_date=TODAY,
                reference="RZ-1",
                submission_key=None,
            )
            db.session.commit()
            invoice_id, version = invoice.id, invoice.version

        def stored():
            with in_tenant(home):
                found = db.session.get(TrajectoryInvoice, (home.id, invoice_id))
                return found.status, found.rejection_reason

        before = stored()
        data = {**base, field: sent, "version": str(version)}
        response = client.post(f"/trajecten/facturen/{invoice_id}", data=data, headers=headers)
        after = stored()
        if field == "decision":
            saved = {"approved": "approve", "rejected": "reject"}.get(after[0])
        else:
            saved = after[1]
        return Outcome(response, before, after, saved)

    held = hold(bound(provider_forms.DecisionForm, app, field), base[field], submit, name=field)
    assert held.saved and not held.problems, held.report


def test_a_box_ticked_on_a_partner_not_in_use_puts_it_in_use(tenants, in_tenant, admin_client):
    """The checkbox sends what the page rendered as its value: for a row that is off, the
    box once carried value="False", so ticking it saved "off" again."""
    home = tenants["deventer"]
    with in_tenant(home):
        partner = PartnerFactory(active=False, takes_referrals=False)
        db.session.commit()
        partner_id, version = partner.id, partner.version
    page = admin_client.get(f"/cases/admin/partners/{partner_id}").get_data(as_text=True)
    boxes = {
        name: re.search(rf'<input[^>]*name="{name}"[^>]*>', page).group(0)
        for name in ("active", "takes_referrals", "takes_trajectories")
    }
    values = {name: re.search(r'value="([^"]*)"', box).group(1) for name, box in boxes.items()}
    assert values == {"active": "1", "takes_referrals": "1", "takes_trajectories": "1"}
    assert "checked" not in boxes["active"] and "checked" in boxes["takes_trajectories"]
    data = {**PARTNER, "version": str(version), "active": values["active"]}
    assert admin_client.post(f"/cases/admin/partners/{partner_id}", data=data).status_code == 302
    with in_tenant(home):
        assert db.session.get(Partner, (home.id, partner_id)).active is True
