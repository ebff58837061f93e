"""The public volunteer application and the coordinator's certificate form through the
pages, field by field (hypothesis), as the case file's forms
(tests/cases/test_forms_property.py): the stored volunteer holds what the field's text
denotes (a text without its surrounding white space, the postcode written "7411 AB", the
capacity as the number its ASCII digits say, a date as its ISO text), or the answer is a
4xx with a Dutch message on the page and nothing was stored or changed. The oracle is the
field-level one (tests/form_property.py).
"""

from __future__ import annotations

import uuid

import pytest
from hypothesis import example, given

from app.core.actions import saved_submission
from app.core.context import tenant_app_context
from app.core.permissions import Role
from app.extensions import db
from app.volunteers import ratelimit
from app.volunteers.forms import ApplicationForm, CertificateForm
from app.volunteers.models import Volunteer
from tests import form_property
from tests.cases.test_forms_property import MESSAGE, PROPERTY
from tests.csrf import csrf_token
from tests.factories import UserFactory, VolunteerFactory
from tests.volunteers.test_volunteers import APPLY, _application

# field -> what an empty optional field stores (the service keeps "" for no text).
FIELDS = {
    "first_name": None,
    "last_name": None,
    "email": None,
    "phone": None,
    "postcode": None,
    "capacity": None,
    "skills": "",
    "motivation": "",
}


@pytest.mark.parametrize("field", sorted(FIELDS))
def test_an_application_keeps_what_was_sent_or_says_why_not(
    app, tenants, monkeypatch, field
) -> None:
    monkeypatch.setitem(app.config, "VOLUNTEER_APPLICATIONS_PER_HOUR", 10_000)
    centre = tenants["deventer"]
    client = app.test_client()
    token = csrf_token(client, APPLY)
    with app.test_request_context(method="POST"):
        ratelimit.reset()
        bound = ApplicationForm()[field]
    valid = _application(app)[field]
    verdicts = form_property.Verdicts()

    @PROPERTY
    @example(sent=valid)  # the test can tell a save from a refusal
    @given(sent=form_property.values_for(bound))
    def check(sent: str) -> None:
        key = uuid.uuid4()
        data = {**_application(app), field: sent, "submission_key": str(key)}
        response = client.post(APPLY, data={**data, "csrf_token": token})
        with app.app_context(), tenant_app_context(centre.id):
            row = saved_submission(Volunteer, key)
            saved = None if row is None else getattr(row, field)
        want = form_property.expected(bound, sent)
        if want is None:
            want = FIELDS[field]
        verdicts.record(sent, want, response, row, saved, MESSAGE)

    check()
    verdicts.assert_held(field)


CERTIFICATE = {"issued_on": "vog_issued_on", "profile": "vog_profile"}


@pytest.mark.parametrize("field", sorted(CERTIFICATE))
def test_a_certificate_keeps_what_was_sent_or_says_why_not(
    app, tenants, in_tenant, sign_in, field
) -> None:
    centre = tenants["deventer"]
    with in_tenant(centre):
        volunteer = VolunteerFactory()
        coordinator = UserFactory(role=Role.CIRCLE_COORDINATOR.value)
    client = sign_in(coordinator)
    page = f"/mentor/coordinator/volunteers/{volunteer.id}"
    token = csrf_token(client, page)
    with app.test_request_context(method="POST"):
        bound = CertificateForm()[field]
    base = {"issued_on": "2024-03-01", "profile": "Functieprofiel 45"}
    problems: list[str] = []
    accepted: list[str] = []

    def stored():
        with in_tenant(centre):
            row = db.session.get(Volunteer, (centre.id, volunteer.id))
            return row.version, getattr(row, CERTIFICATE[field])

    @PROPERTY
    @example(sent=base[field])  # the test can tell a save from a refusal
    @given(sent=form_property.values_for(bound))
    def check(sent: str) -> None:
        version, before = stored()
        data = {**base, field: sent, "version": str(version), "csrf_token": token}
        response = client.post(f"{page}/certificate", data=data)
        after_version, saved = stored()
        want = form_property.expected(bound, sent)
        shown = repr(sent[:30])
        if response.status_code >= 500:
            problems.append(f"{shown}: {response.status_code}")
        elif response.status_code >= 400:
            if not MESSAGE.search(response.get_data(as_text=True)):
                problems.append(f"{shown}: {response.status_code} without a message")
            if (after_version, saved) != (version, before):
                problems.append(f"{shown}: refused but changed to {saved!r}")
        elif want is form_property.REFUSE:
            problems.append(f"{shown}: accepted ({response.status_code}), saved {saved!r}")
        elif saved != want:
            problems.append(f"{shown}: saved as {saved!r}, sent for {want!r}")
        else:
            accepted.append(sent)

    check()
    assert accepted, "no example was saved: the test proves nothing"
    assert not problems, f"{field}:\n" + "\n".join(problems[:10])
