"""Canary strings in every sensitive field of one client's case never reach a role that may
not see that field (security/authorization-matrix.toml), on any endpoint.

The case lives in Deventer. Every role of Deventer, and every role of Lochem with
Deventer's ids in the URL, calls every endpoint and method (with and without
``HX-Request``); each answer is searched for the canary of every field the role may not
see there. POSTs carry an empty body, so that nothing changes and the refusal pages
(which show the case again) are searched too. PDFs are searched as the HTML they print.

Fields without a canary: the date of birth and the masked citizen number (too short to be
distinctive).
"""

from __future__ import annotations

import random
import sys
from datetime import date

import pytest

from app.cases.bsn import generate_bsn
from app.cases.documents import CaseDocument
from app.cases.handover import services as handover
from app.cases.handover.models import DomainConsent, Referral
from app.cases.models import Case
from app.cases.notes import Note
from app.cases.people import CasePerson
from app.cases.plan.models import Task
from app.core.context import tenant_app_context
from app.extensions import db
from tests.security import matrix, registry, walker

CANARY_BSN = generate_bsn(random.Random(7_531))
CANARIES = {
    "client_name": ["CNRYNAAMQ7X"],
    "bsn_full": [CANARY_BSN],
    "address": ["CNRYADRESQ7X", "CNRYPOSTQ7X", "CNRYGEMEENTEQ7X", "CNRYBUITENQ7X"],
    "detention": ["CNRYINRICHTINGQ7X"],
    "life_domain_notes": ["CNRYWONENNODIGQ7X", "CNRYWONENNOTAQ7X", "CNRYINKOMENQ7X"],
    "health_notes": ["CNRYZORGNODIGQ7X", "CNRYZORGNOTAQ7X"],
    "debts": ["CNRYSCHULDNODIGQ7X", "CNRYSCHULDNOTAQ7X"],
    "case_notes": ["CNRYNOTITIEQ7X"],
    "referral_details": ["CNRYVERWIJZINGQ7X", "CNRYUITKOMSTQ7X"],
    "consent_notes": ["CNRYTOESTEMMINGQ7X"],
    "plan": ["CNRYTAAKQ7X"],
    "people_involved": ["CNRYBETROKKENEQ7X", "CNRYORGANISATIEQ7X", "CNRYCONTACTQ7X"],
    "documents": ["CNRYDOCUMENTQ7X"],
}
# Not a field of the matrix: what belongs to another municipality is never shown.
OTHER_MUNICIPALITY = "other_municipality"
CANARIES[OTHER_MUNICIPALITY] = ["CNRYLOCHEMQ7X", "CNRYLOCHEMCLIENTQ7X"]
DOMAIN_CANARIES = {
    "housing": ("CNRYWONENNODIGQ7X", "CNRYWONENNOTAQ7X"),
    "income": ("CNRYINKOMENQ7X", None),
    "care": ("CNRYZORGNODIGQ7X", "CNRYZORGNOTAQ7X"),
    "debts": ("CNRYSCHULDNODIGQ7X", "CNRYSCHULDNOTAQ7X"),
}


def fill_canaries(bundle: registry.Bundle, case_worker=None) -> None:
    """Every sensitive field of the bundle's case, its note, referral, consent and task."""
    made = bundle.case()
    bundle.note(), bundle.referral(), bundle.task(), bundle.person(), bundle.document()
    with bundle.app.app_context(), tenant_app_context(bundle.tenant.id):
        case = db.session.get(Case, (made.tenant_id, made.id))
        client = case.client
        client.given_name, client.family_name = "Kees", "CNRYNAAMQ7X"
        client.bsn = CANARY_BSN
        client.address, client.postal_address = "CNRYADRESQ7X 1", "CNRYPOSTQ7X 2"
        client.intended_address = "CNRYGEMEENTEQ7X 3"
        client.responsible_tenant, client.responsible_outside_name = "outside", "CNRYBUITENQ7X"
        case.facility = "CNRYINRICHTINGQ7X"
        for domain in case.life_domains:
            need, notes = DOMAIN_CANARIES.get(domain.domain, (None, None))
            domain.need, domain.notes = need, notes
        for note in db.session.scalars(db.select(Note).where(Note.case_id == case.id)):
            note.body = "CNRYNOTITIEQ7X"
        for referral in db.session.scalars(db.select(Referral).where(Referral.case_id == case.id)):
            referral.request, referral.outcome = "CNRYVERWIJZINGQ7X", "CNRYUITKOMSTQ7X"
        for task in db.session.scalars(db.select(Task).where(Task.case_id == case.id)):
            task.title, task.due_date = "CNRYTAAKQ7X", date.today()
        for person in db.session.scalars(
            db.select(CasePerson).where(CasePerson.case_id == case.id)
        ):
            person.name, person.organisation = "CNRYBETROKKENEQ7X", "CNRYORGANISATIEQ7X"
            person.contact = "CNRYCONTACTQ7X"
        for document in db.session.scalars(
            db.select(CaseDocument).where(CaseDocument.case_id == case.id)
        ):
            document.title = "CNRYDOCUMENTQ7X"
            document.content = b"%PDF-1.4\n% CNRYINHOUDQ7X\n%%EOF\n"
        if case_worker is not None:
            case.case_worker_id = case_worker.id
        # A second recording for the domain, so that the page shows the history with notes.
        handover.record_basis(
            case, "test", domain="housing", basis="statutory", effective_on=date.today()
        )
        db.session.flush()
        for consent in db.session.scalars(
            db.select(DomainConsent).where(DomainConsent.case_id == case.id)
        ):
            consent.note = "CNRYTOESTEMMINGQ7X"
        db.session.commit()


@pytest.fixture
def pdf_as_html(monkeypatch):
    """A PDF's text is compressed: let the exports answer with the HTML they would print."""
    from flask import render_template

    def as_html(template: str, **context) -> bytes:
        return render_template(template, **context).encode()

    for name, module in list(sys.modules.items()):
        if name.startswith("app.") and getattr(module, "render_pdf", None) is not None:
            monkeypatch.setattr(module, "render_pdf", as_html)


def leaked(body: str, hidden: frozenset[str]) -> list[str]:
    return [
        f"{field} ({canary})"
        for field in sorted(hidden)
        for canary in CANARIES.get(field, ())
        if canary in body
    ]


@pytest.mark.parametrize("actor", matrix.ACTORS)
def test_no_answer_shows_a_field_the_role_may_not_see(
    app, tenants, sign_in, monkeypatch, pdf_as_html, actor
):
    monkeypatch.setitem(app.config, "REDIS_URL", None)
    home, away = tenants["deventer"], tenants["lochem"]
    callers = {"deventer": walker.Caller(app, None, sign_in)}
    if actor != matrix.ANONYMOUS:
        callers = {
            "deventer": walker.Caller(app, walker.make_user(app, home, actor), sign_in),
            "lochem": walker.Caller(app, walker.make_user(app, away, actor), sign_in),
        }
    owner = callers["deventer"].user
    if owner is None or owner.role != "case_worker":
        owner = walker.make_user(app, home, "case_worker")
    bundle = registry.Bundle(app, home, owner)
    fill_canaries(bundle, case_worker=owner)
    # Lochem's own people and clients: never in an answer to anyone of Deventer.
    walker.make_user(app, away, "case_worker", display_name="Collega CNRYLOCHEMQ7X")
    registry.Bundle(app, away, client_fields={"given_name": "CNRYLOCHEMCLIENTQ7X"}).case()
    if actor == "case_worker":
        # The case is theirs: their notices (the task digest) are searched too.
        callers["deventer"].call("notifications.send_digest_now", "POST", "/notifications/digest")
    api_headers = {"Authorization": f"Bearer {registry.api_token_for(app, home)}"}
    all_fields = frozenset(CANARIES) - {OTHER_MUNICIPALITY}
    leaks: list[str] = []
    calls = 0
    for (endpoint, method), rule in sorted(matrix.routes(app).items()):
        if (endpoint, method) not in matrix.entries():
            continue  # test_matrix_file.py reports it
        url = walker.url_for_rule(app, rule, walker.fill(rule, bundle, bundle))
        answer = matrix.answer(endpoint, method, actor)
        for home_name, caller in callers.items():
            may_see = answer.fields if (answer.allowed and home_name == "deventer") else set()
            hidden = all_fields - may_see
            if home_name == "deventer":
                hidden = hidden | {OTHER_MUNICIPALITY}
            headers = api_headers if endpoint.startswith("intake_api.") else None
            for htmx in (False, True):
                body = {"form": {}} if method != "GET" else {}
                response = caller.call(endpoint, method, url, headers=headers, htmx=htmx, **body)
                calls += 1
                text = response.get_data().decode("utf-8", "replace")
                if response.status_code >= 500:
                    leaks.append(f"{actor} of {home_name} {method} {endpoint}: server error")
                for leak in leaked(text, hidden):
                    leaks.append(
                        f"{actor} of {home_name} {method} {endpoint} (htmx={htmx}, "
                        f"{response.status_code}): {leak}"
                    )
    # The walk calls the panel URL with one panel (registry.py): every other panel of the
    # case page (app/cases/panels.py) is searched the same way.
    endpoint, method = "cases.case_panel", "GET"
    answer = matrix.answer(endpoint, method, actor)
    for home_name, caller in callers.items():
        may_see = answer.fields if (answer.allowed and home_name == "deventer") else set()
        hidden = all_fields - may_see
        if home_name == "deventer":
            hidden = hidden | {OTHER_MUNICIPALITY}
        for name in panel_names(app):
            url = f"/cases/{bundle.case().id}/panels/{name}"
            for htmx in (False, True):
                response = caller.call(endpoint, method, url, htmx=htmx)
                calls += 1
                text = response.get_data().decode("utf-8", "replace")
                if response.status_code >= 500:
                    leaks.append(f"{actor} of {home_name} panel {name}: server error")
                for leak in leaked(text, hidden):
                    leaks.append(
                        f"{actor} of {home_name} panel {name} (htmx={htmx}, "
                        f"{response.status_code}): {leak}"
                    )
    assert calls > 100
    assert not leaks, f"{len(leaks)} leak(s):\n" + "\n".join(leaks)


def panel_names(app) -> list[str]:
    """The case page's panels (shown on demand: their content is not on the first view)."""
    from app.cases.panels import REGISTRY
    from app.core.registry import entries

    return [panel.name for panel in entries(REGISTRY, app)]


def test_the_canaries_are_there_for_a_role_that_may_see_them(app, tenants, sign_in, pdf_as_html):
    """Without this the test above could pass on an empty case page."""
    home = tenants["deventer"]
    worker = walker.make_user(app, home, "case_worker")
    bundle = registry.Bundle(app, home, worker)
    fill_canaries(bundle)
    caller = walker.Caller(app, worker, sign_in)
    # Every panel open: the panels come on demand (app/cases/panels.py).
    page = caller.call(
        "cases.case_detail",
        "GET",
        f"/cases/{bundle.case().id}",
        query={"open": ",".join(panel_names(app))},
    )
    text = page.get_data(as_text=True)
    visible = matrix.answer("cases.case_detail", "GET", "case_worker").fields
    for field in visible:
        for canary in CANARIES.get(field, ()):
            assert canary in text, (field, canary)
    assert CANARY_BSN not in text
    revealed = caller.call("cases.reveal_bsn", "GET", f"/cases/{bundle.case().id}/bsn")
    assert CANARY_BSN in revealed.get_data(as_text=True)
