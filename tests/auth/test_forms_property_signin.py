"""The forms that store no text of their own, through their pages (hypothesis): the two
sign-in steps of a local account, the new password (a reset link), the reset request, the
privacy officer's lookup by citizen number; and the tenant admin's choice of a role.

The property of a form that stores nothing: whatever is sent, the answer is the normal next
step (the code step, the start page, the "look in your e-mail" page, the client's report)
or a page with a message (4xx, or the lookup's "no client"), never a 5xx; and the account
is changed only by the step that is meant to change it (a password only by a reset that
succeeded, and then to exactly the text sent: the new password signs in, not a trimmed or
cut one). The role form stores the role: as sent, or refused with a message on the list
(422), never passed over with a redirect.
"""

from __future__ import annotations

import pytest
from hypothesis import example, given
from sqlalchemy import select

from app.auth import local, passwords
from app.auth.forms import (
    CodeStepForm,
    NewPasswordForm,
    PasswordStepForm,
    ResetRequestForm,
    RoleForm,
)
from app.auth.models import User
from app.core.context import tenant_app_context
from app.core.permissions import Role
from app.extensions import db
from tests import form_property
from tests.auth.local_helpers import STRONG, client_at, next_code
from tests.cases.test_forms_property import PROPERTY
from tests.csrf import csrf_token
from tests.factories import UserFactory
from tests.page_property import Answers, Outcome, goes_to, hold


def bound(form_class, app, field: str):
    with app.test_request_context(method="POST"):
        return form_class()[field]


def account(in_tenant, tenant, email: str):
    with in_tenant(tenant):
        user = db.session.scalars(select(User).where(User.subject == email)).one()
        return user.password_hash, user.active, user.totp_secret, user.role


@pytest.mark.parametrize("field", ["email", "password"])
def test_the_password_step_goes_on_or_says_why_not(app, tenants, in_tenant, volunteer, field):
    lochem = tenants["lochem"]
    base = {"email": volunteer["email"], "password": STRONG}
    answers = Answers([], [])
    addresses = iter(range(1, 250))

    @PROPERTY
    @example(sent=base[field])
    @given(sent=form_property.values_for(bound(PasswordStepForm, app, field)))
    def check(sent: str) -> None:
        # A client of its own address: the throttle of one address does not end the test.
        client = client_at(app, f"10.9.0.{next(addresses)}")
        token = csrf_token(client, "/auth/lochem/local")
        before = account(in_tenant, lochem, volunteer["email"])
        response = client.post(
            "/auth/lochem/local", data={**base, field: sent, "csrf_token": token}
        )
        after = account(in_tenant, lochem, volunteer["email"])
        answers.judge(sent, response, goes_to("/auth/lochem/local/code"), after != before)

    check()
    assert answers.next_steps and not answers.problems, answers.report(field)


def test_the_code_step_goes_on_or_says_why_not(app, tenants, in_tenant, volunteer):
    """The example "valid" stands for the authenticator's next code."""
    lochem = tenants["lochem"]
    answers = Answers([], [])
    addresses = iter(range(1, 250))

    @PROPERTY
    @example(sent="valid")
    @given(sent=form_property.values_for(bound(CodeStepForm, app, "code")))
    def check(sent: str) -> None:
        client = client_at(app, f"10.8.0.{next(addresses)}")
        token = csrf_token(client, "/auth/lochem/local")
        data = {"email": volunteer["email"], "password": STRONG, "csrf_token": token}
        assert client.post("/auth/lochem/local", data=data).status_code == 302
        token = csrf_token(client, "/auth/lochem/local/code")
        code = next_code(volunteer["secret"]) if sent == "valid" else sent
        before = account(in_tenant, lochem, volunteer["email"])
        response = client.post("/auth/lochem/local/code", data={"code": code, "csrf_token": token})
        after = account(in_tenant, lochem, volunteer["email"])
        answers.judge(sent, response, goes_to("/start"), after != before)

    check()
    assert answers.next_steps and not answers.problems, answers.report("code")


@pytest.mark.parametrize("field", ["password", "confirm", "code"])
def test_a_new_password_is_the_one_sent_or_the_page_says_why_not(
    app, tenants, in_tenant, volunteer, field
):
    """A reset link per example. A reset that succeeds stores exactly the text sent: that
    password verifies, byte for byte (no trimming, no cut). The example "valid" of the
    code stands for the authenticator's next code; a code is used once, so the later
    examples' resets are refused for their code (with its message) or for what they test."""
    lochem = tenants["lochem"]
    new = "nieuwe-zomer-aan-de-ijssel-42"
    answers = Answers([], [])

    @PROPERTY
    @example(sent="valid" if field == "code" else new)
    @given(sent=form_property.values_for(bound(NewPasswordForm, app, field)))
    def check(sent: str) -> None:
        with app.app_context(), tenant_app_context(lochem.id):
            token = local.request_reset(volunteer["email"])
            db.session.commit()
        link = f"/auth/lochem/reset/{token}"
        client = app.test_client()
        csrf = csrf_token(client, link)
        code = next_code(volunteer["secret"])
        data = {"password": new, "confirm": new, "code": code, field: sent}
        if field == "code" and sent == "valid":
            data["code"] = code
        if field == "password":
            data["confirm"] = sent
        before = account(in_tenant, lochem, volunteer["email"])
        response = client.post(link, data={**data, "csrf_token": csrf})
        after = account(in_tenant, lochem, volunteer["email"])
        went_on = goes_to("/auth/lochem/local")(response)
        answers.judge(sent, response, goes_to("/auth/lochem/local"), after != before)
        with app.app_context():
            kept = passwords.verify_password(after[0], data["password"])
        if went_on and not kept:
            answers.problems.append(f"{sent[:30]!r}: the stored password is not the one sent")

    check()
    assert answers.next_steps and not answers.problems, answers.report(field)


def test_a_reset_request_answers_the_same_or_says_why_not(
    app, tenants, in_tenant, volunteer, sent_mail
):
    """Known, unknown or malformed address: the "look in your e-mail" page, or the form
    with its message; the account is not changed by asking."""
    lochem = tenants["lochem"]
    answers = Answers([], [])

    @PROPERTY
    @example(sent=volunteer["email"])
    @given(sent=form_property.values_for(bound(ResetRequestForm, app, "email")))
    def check(sent: str) -> None:
        client = app.test_client()
        token = csrf_token(client, "/auth/lochem/reset")
        before = account(in_tenant, lochem, volunteer["email"])
        response = client.post("/auth/lochem/reset", data={"email": sent, "csrf_token": token})
        after = account(in_tenant, lochem, volunteer["email"])

        def normal(answer) -> bool:
            return answer.status_code == 200 and "Kijk in uw e-mail" in answer.get_data(
                as_text=True
            )

        answers.judge(sent, response, normal, after != before)

    check()
    assert answers.next_steps and not answers.problems, answers.report("email")


def test_a_role_is_the_one_sent_or_the_list_says_why_not(app, tenants, in_tenant, sign_in):
    raalte = tenants["raalte"]
    with in_tenant(raalte):
        admin = UserFactory(role=Role.TENANT_ADMIN.value)
        worker = UserFactory()
        worker_id = worker.id
    client = sign_in(admin)
    token = csrf_token(client, "/beheer/accounts")

    def stored():
        with in_tenant(raalte):
            return db.session.get(User, (raalte.id, worker_id)).role

    def submit(sent: str) -> Outcome:
        before = stored()
        response = client.post(
            f"/beheer/accounts/{worker_id}/role", data={"role": sent, "csrf_token": token}
        )
        after = stored()
        return Outcome(response, before, after, after)

    def want(sent: str):
        # Raalte is no centre: a regional or circle coordinator is refused there.
        if sent in (Role.REGIONAL_COORDINATOR.value, Role.CIRCLE_COORDINATOR.value):
            return form_property.REFUSE
        return sent if sent in {r.value for r in Role} else form_property.REFUSE

    held = hold(bound(RoleForm, app, "role"), Role.VOLUNTEER.value, submit, want=want, name="role")
    assert held.saved and not held.problems, held.report
