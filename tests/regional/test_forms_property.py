"""The budget's forms through the pages, field by field (hypothesis), as the case file's
(tests/cases/test_forms_property.py): after a POST to ``/begroting/regels`` the stored
budget line holds exactly what the field's ASCII text denotes (the amount in cents, the
year, the description without its surrounding white space), or the answer is a 4xx with
a Dutch message on the page and nothing was stored. The oracle is the field-level one
(tests/form_property.py).
"""

from __future__ import annotations

import uuid

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from app.core.actions import saved_submission
from app.regional.budget_forms import BudgetLineForm
from app.regional.budget_models import BudgetLine
from tests import form_property
from tests.cases.test_forms_property import MESSAGE, PROPERTY
from tests.factories import UserFactory
from tests.regional.test_budget_views import YEAR, admin_client

BASE = {"year": str(YEAR), "source": "grant", "amount": "1.500,00", "description": "Rijks"}
STORED = {"year": "year", "amount": "amount_cents", "description": "description"}


@pytest.mark.parametrize("field", sorted(STORED))
def test_a_budget_line_keeps_what_was_sent_or_says_why_not(
    app, tenants, in_tenant, sign_in, field
) -> None:
    tenant = tenants["raalte"]
    with in_tenant(tenant):
        admin = UserFactory(role="tenant_admin")
    client = admin_client(sign_in, admin)
    with app.test_request_context(method="POST"):
        bound = BudgetLineForm()[field]
    problems: list[str] = []
    accepted: list[str] = []

    @PROPERTY
    @example(sent=BASE[field], htmx=False)  # the test can tell a save from a refusal
    @given(sent=form_property.values_for(bound), htmx=st.booleans())
    def check(sent: str, htmx: bool) -> None:
        key = uuid.uuid4()
        data = {**BASE, field: sent, "submission_key": str(key)}
        response = client.post(
            "/begroting/regels", data=data, headers={"HX-Request": "true"} if htmx else {}
        )
        with in_tenant(tenant):
            row = saved_submission(BudgetLine, key)
            saved = None if row is None else getattr(row, STORED[field])
        want = form_property.expected(bound, sent)
        shown = repr(sent[:30])
        if response.status_code >= 500:
            problems.append(f"{shown}: {response.status_code}")
        elif response.status_code >= 400:
            if not MESSAGE.search(response.get_data(as_text=True)):
                problems.append(f"{shown}: {response.status_code} without a message")
            if row is not None:
                problems.append(f"{shown}: refused but saved {saved!r}")
        elif want is form_property.REFUSE:
            problems.append(f"{shown}: accepted ({response.status_code}), saved {saved!r}")
        elif row is None or saved != want:
            problems.append(f"{shown}: saved as {saved!r}, sent for {want!r}")
        else:
            accepted.append(sent)

    check()
    assert accepted, "no example was saved: the test proves nothing"
    assert not problems, f"{field}:\n" + "\n".join(problems[:10])
