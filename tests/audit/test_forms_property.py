"""The privacy officer's lookup by citizen number through its page (hypothesis). It stores
nothing: whatever is sent, the answer is the client's report (for the number of a client
of this municipality, written with or without the spaces and dots the field drops) or the
page with a message, never a 5xx and never another client's report."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import example, given
from hypothesis import strategies as st

from app.audit.forms import ClientLookupForm
from app.cases.models import Client
from app.cases.services import open_case
from app.core.permissions import Role
from app.extensions import db
from tests import form_property
from tests.cases.conftest import new_bsn
from tests.cases.test_forms_property import PROPERTY
from tests.csrf import csrf_token
from tests.factories import UserFactory
from tests.page_property import Answers, goes_to


def test_the_privacy_lookup_finds_the_client_sent_or_says_why_not(app, tenants, in_tenant, sign_in):
    """The documented filter: spaces and dots in the number are dropped. A number that is
    no client's gives the page with its message; the number of the client opens its report."""
    raalte = tenants["raalte"]
    bsn = new_bsn()
    with in_tenant(raalte):
        person = Client(
            given_name="Jan", family_name="Testpersoon", date_of_birth=date(1985, 3, 1), bsn=bsn
        )
        open_case(
            person,
            actor="test",
            facility="PI Zwolle",
            detention_start=date.today() - timedelta(days=20),
            expected_release=date.today() + timedelta(days=60),
        )
        officer = UserFactory(role=Role.PRIVACY_OFFICER.value)
        db.session.commit()
        client_id = person.id
    client = sign_in(officer)
    token = csrf_token(client, "/privacy/")
    answers = Answers([], [])
    with app.test_request_context(method="POST"):
        field = ClientLookupForm()["bsn"]

    @PROPERTY
    @example(sent=bsn)
    @example(sent=f"{bsn[:4]}.{bsn[4:6]}.{bsn[6:]}")
    @given(sent=st.one_of(form_property.values_for(field), st.just(bsn)))
    def check(sent: str) -> None:
        response = client.post("/privacy/", data={"bsn": sent, "csrf_token": token})
        denotes = sent.replace(" ", "").replace(".", "").strip() == bsn

        def normal(answer) -> bool:
            return denotes and goes_to(f"/privacy/clients/{client_id}")(answer)

        answers.judge(sent, response, normal, False)
        if response.status_code in (302, 303) and not denotes:
            answers.problems.append(f"{sent[:30]!r}: opened a client for another number")

    check()
    assert answers.next_steps and not answers.problems, answers.report("bsn")
