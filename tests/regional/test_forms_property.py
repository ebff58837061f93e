"""The regional money forms through the pages, field by field (hypothesis), as the case
file's (tests/cases/test_forms_property.py): after the POST the stored row holds exactly
what the field's ASCII text denotes (an amount in cents, a year, a date, a description
without its surrounding white space), or the answer is a 4xx with a Dutch message on the
page and nothing was stored. The oracle is the field-level one (tests/form_property.py).

The budget line (``/begroting/regels``, a municipality's tenant admin) and the regional
expense (``/regio/uitgaven``, the centre's regional coordinator).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from app.core.actions import saved_submission
from app.regional.budget_forms import BudgetLineForm
from app.regional.budget_models import BudgetLine
from app.regional.grant_forms import ExpenseForm
from app.regional.grant_models import RegionalExpense
from tests import form_property
from tests.cases.test_forms_property import MESSAGE, PROPERTY
from tests.csrf import csrf_token
from tests.factories import UserFactory

YEAR = date.today().year


@dataclass(frozen=True)
class Target:
    url: str
    page: str
    form: type
    model: type
    tenant: str
    role: str
    base: dict
    stored: dict  # field -> column

    def cases(self):
        return [(self, field) for field in sorted(self.stored)]


BUDGET_LINE = Target(
    "/begroting/regels",
    "/begroting",
    BudgetLineForm,
    BudgetLine,
    "raalte",
    "tenant_admin",
    {"year": str(YEAR), "source": "grant", "amount": "1.500,00", "description": "Rijks"},
    {"year": "year", "amount": "amount_cents", "description": "description"},
)
EXPENSE = Target(
    "/regio/uitgaven",
    "/regio/verdeling",
    ExpenseForm,
    RegionalExpense,
    "deventer",
    "regional_coordinator",
    {
        "year": str(YEAR),
        "amount": "250,00",
        "spent_on": date(YEAR, 1, 15).isoformat(),
        "description": "Training",
    },
    {
        "year": "year",
        "amount": "amount_cents",
        "spent_on": "spent_on",
        "description": "description",
    },
)


@pytest.mark.parametrize(
    ("target", "field"),
    [*BUDGET_LINE.cases(), *EXPENSE.cases()],
    ids=lambda v: v if isinstance(v, str) else v.form.__name__,
)
def test_a_stored_value_is_the_value_sent_or_the_page_says_why_not(
    app, tenants, in_tenant, sign_in, target, field
) -> None:
    tenant = tenants[target.tenant]
    with in_tenant(tenant):
        user = UserFactory(role=target.role)
    client = sign_in(user)
    headers = {"X-CSRFToken": csrf_token(client, target.page)}
    with app.test_request_context(method="POST"):
        bound = target.form()[field]
    verdicts = form_property.Verdicts()

    @PROPERTY
    @example(sent=target.base[field], htmx=False)  # the test can tell a save from a refusal
    @given(sent=form_property.values_for(bound), htmx=st.booleans())
    def check(sent: str, htmx: bool) -> None:
        key = uuid.uuid4()
        data = {**target.base, field: sent, "submission_key": str(key)}
        response = client.post(
            target.url, data=data, headers={**headers, **({"HX-Request": "true"} if htmx else {})}
        )
        with in_tenant(tenant):
            row = saved_submission(target.model, key)
            saved = None if row is None else getattr(row, target.stored[field])
        want = form_property.expected(bound, sent)
        verdicts.record(sent, want, response, row, saved, MESSAGE)

    check()
    verdicts.assert_held(field)
