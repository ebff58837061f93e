"""The case page's folded forms on demand (``app.cases.panels.FORMS``, issue 14): editing
the case's details and adding a task wait behind their ``<details>``; htmx fetches the form
when the user unfolds it, ``?open=`` and a refused submission show it unfolded, and the
team's case workers are read only for the details form."""

from __future__ import annotations

import re
import uuid

from sqlalchemy import func, select

from app.audit.models import AccessLogEntry
from app.core.permissions import Role
from app.extensions import db
from tests.factories import UserFactory

HTMX = {"HX-Request": "true"}
# Each folded form, and what only the form itself shows.
FORMS = {
    "edit-details": '/details" class="portal-form"',
    "add-task": '/tasks" class="portal-form"',
}


def folded(page: str, name: str) -> str:
    found = re.search(rf'<details class="portal-edit" id="{name}"[^>]*>.*?</details>', page, re.S)
    assert found, name
    return found.group(0)


def test_the_case_page_folds_both_forms_with_a_link_to_each(tenants, in_tenant, make_case, sign_in):
    deventer = tenants["deventer"]
    case = make_case(deventer)
    with in_tenant(deventer):
        worker = UserFactory()
        UserFactory(display_name="Wendy Werker")  # a colleague: a choice of the details form
    page = sign_in(worker).get(f"/cases/{case.id}").get_data(as_text=True)
    for name, form in FORMS.items():
        shown = folded(page, name)
        assert form not in page, name
        assert " open>" not in shown.split(">", 1)[0] + ">"
        assert f'hx-get="/cases/{case.id}/forms/{name}"' in shown
        assert 'hx-trigger="toggle once from:closest details"' in shown
        # Without JavaScript the link opens the page with the form unfolded.
        assert f'href="/cases/{case.id}?open={name}#{name}"' in shown
        assert "Toon het formulier" in shown
    # The team's case workers are the details form's alone: not on the page.
    assert "Wendy Werker" not in page


def test_a_folded_form_s_address_gives_the_form_to_htmx_and_the_page_without(
    tenants, in_tenant, make_case, sign_in
):
    deventer = tenants["deventer"]
    case = make_case(deventer)
    with in_tenant(deventer):
        worker = UserFactory()
        UserFactory(display_name="Wendy Werker")
    client = sign_in(worker)
    for name, form in FORMS.items():
        fragment = client.get(f"/cases/{case.id}/forms/{name}", headers=HTMX)
        body = fragment.get_data(as_text=True)
        assert fragment.status_code == 200, name
        assert "<html" not in body and form in body and "hx-trigger" not in body, name
        assert 'name="csrf_token"' in body
        page = client.get(f"/cases/{case.id}/forms/{name}")
        body = page.get_data(as_text=True)
        assert page.status_code == 200 and "<html" in body
        assert form in folded(body, name) and folded(body, name).startswith(
            f'<details class="portal-edit" id="{name}" open>'
        )
        other = next(other for other in FORMS if other != name)
        assert FORMS[other] not in body
    details = client.get(f"/cases/{case.id}/forms/edit-details", headers=HTMX)
    details = details.get_data(as_text=True)
    assert "Wendy Werker" in details  # the case worker's choice
    assert 'name="submission_key"' in client.get(
        f"/cases/{case.id}/forms/add-task", headers=HTMX
    ).get_data(as_text=True)
    assert client.get(f"/cases/{case.id}/forms/nothing", headers=HTMX).status_code == 404
    assert client.get(f"/cases/{case.id}/forms/nothing").status_code == 404


def test_open_and_a_refused_submission_show_the_form_unfolded(
    tenants, in_tenant, make_case, worker_client
):
    deventer = tenants["deventer"]
    case = make_case(deventer)
    with in_tenant(deventer):
        worker = UserFactory()
    client = worker_client(worker)
    page = client.get(f"/cases/{case.id}?open=add-task,sharing").get_data(as_text=True)
    assert FORMS["add-task"] in folded(page, "add-task") and FORMS["edit-details"] not in page

    refused = client.post(
        f"/cases/{case.id}/tasks",
        data={
            "submission_key": str(uuid.uuid4()),
            "title": "",
            "domain": "income",
            "responsible": "income",
            "due_date": "nee",
        },
    )
    body = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert FORMS["add-task"] in folded(body, "add-task") and FORMS["edit-details"] not in body
    assert 'data-testid="error-title"' in folded(body, "add-task")

    refused = client.post(f"/cases/{case.id}/details", data={"detention_start": "morgen"})
    body = refused.get_data(as_text=True)
    assert refused.status_code in (409, 422)
    assert FORMS["edit-details"] in folded(body, "edit-details")
    assert FORMS["add-task"] not in body


def test_who_may_not_edit_gets_no_folded_form_and_every_read_is_logged(
    tenants, in_tenant, make_case, sign_in
):
    deventer, zutphen = tenants["deventer"], tenants["zutphen"]
    case = make_case(deventer)
    closed = make_case(deventer, phase="closed")
    with in_tenant(deventer):
        worker = UserFactory()
        reader = UserFactory(role=Role.REGIONAL_COORDINATOR.value)
    with in_tenant(zutphen):
        stranger = UserFactory()
    client = sign_in(worker)
    with in_tenant(deventer):
        before = db.session.scalar(select(func.count()).select_from(AccessLogEntry))
    assert client.get(f"/cases/{case.id}/forms/add-task", headers=HTMX).status_code == 200
    with in_tenant(deventer):
        after = db.session.scalar(select(func.count()).select_from(AccessLogEntry))
    assert after == before + 1
    page = client.get(f"/cases/{closed.id}").get_data(as_text=True)
    assert "portal-edit" not in page
    assert client.get(f"/cases/{closed.id}/forms/add-task", headers=HTMX).status_code == 404
    for other in (sign_in(reader), sign_in(stranger)):
        assert other.get(f"/cases/{case.id}/forms/edit-details", headers=HTMX).status_code in (
            403,
            404,
        )
