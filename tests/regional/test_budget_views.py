"""The budget pages: the admin's own budget, the approval beyond the budget as a user
meets it in the hand-over, and the coordinator's view of the region's money."""

from __future__ import annotations

from datetime import date

from app.cases.handover import services as handover
from app.cases.models import Case
from app.extensions import db
from app.regional import budget
from app.regional.budget_models import BudgetSource
from tests.cases.conftest import make_case, worker_client  # noqa: F401 - fixtures
from tests.csrf import csrf_token
from tests.factories import CaseFactory, UserFactory, shared_case

YEAR = date.today().year
RULE = "Bedragen zijn verantwoordingscijfers en staan er exact"


def admin_client(sign_in, user):
    client = sign_in(user)
    token = csrf_token(client, "/begroting")
    original = client.post

    def post(*args, **kwargs):
        kwargs["headers"] = {"X-CSRFToken": token, **kwargs.get("headers", {})}
        return original(*args, **kwargs)

    client.post = post
    return client


def test_the_admin_adds_a_line_in_euros_and_sees_it_exactly(tenants, in_tenant, sign_in):
    with in_tenant(tenants["raalte"]):
        admin = UserFactory(role="tenant_admin")
    client = admin_client(sign_in, admin)
    saved = client.post(
        "/begroting/regels",
        data={
            "year": YEAR,
            "source": "grant",
            "amount": "1.500,00",
            "description": "Rijksbijdrage",
        },
    )
    assert saved.status_code == 302
    wrong = client.post(
        "/begroting/regels", data={"year": YEAR, "source": "grant", "amount": "15 euro"}
    )
    assert wrong.status_code == 422
    page = wrong.get_data(as_text=True)
    assert "Vul een bedrag in euro" in page and 'value="15 euro"' in page
    page = client.get(f"/begroting?jaar={YEAR}").get_data(as_text=True)
    assert "€ 1.500,00" in page and "Aandeel in de rijksbijdrage" in page and RULE in page
    with in_tenant(tenants["raalte"]):
        assert budget.budget_total(YEAR) == 150_000


def test_a_hand_over_beyond_the_budget_is_refused_until_the_admin_approves(
    tenants,
    in_tenant,
    sign_in,
    make_case,  # noqa: F811 - the fixture imported above
    worker_client,  # noqa: F811
):
    with in_tenant(tenants["zutphen"]):
        admin = UserFactory(role="tenant_admin", display_name="Bea Beheer")
        worker = UserFactory()
        budget.add_line(YEAR, BudgetSource.MUNICIPAL.value, 100_000, "Beheerder")
        db.session.commit()
    case = make_case(tenants["zutphen"])
    with in_tenant(tenants["zutphen"]):
        # The hand-over needs a sharing basis for what it covers (the plan's guard).
        handover.record_basis(
            db.session.get(Case, (tenants["zutphen"].id, case.id)),
            "Casemanager",
            domain="income",
            basis="statutory",
            effective_on=date(YEAR, 1, 1),
        )
        db.session.commit()
    start = date(YEAR, 6, 1).isoformat()
    refused = worker_client(worker).post(
        f"/cases/{case.id}/trajectories", data={"start_date": start}
    )
    assert refused.status_code == 422
    assert "Deze overdracht gaat boven het budget voor" in refused.get_data(as_text=True)

    client = admin_client(sign_in, admin)
    approved = client.post(
        "/begroting/goedkeuringen", data={"year": YEAR, "reason": "Dringend, instroom"}
    )
    assert approved.status_code == 302
    handed = worker_client(worker).post(
        f"/cases/{case.id}/trajectories", data={"start_date": start}
    )
    assert handed.status_code == 302
    page = client.get(f"/begroting?jaar={YEAR}").get_data(as_text=True)
    assert "Bea Beheer: Dringend, instroom" in page and "€ 1.500,00" in page

    with in_tenant(tenants["zutphen"]):
        ((commitment, approval),) = budget.history(YEAR)
    invoiced = client.post(
        f"/begroting/verplichtingen/{commitment.id}/factuur",
        data={
            "version": commitment.version,
            "amount": "1450",
            "invoice_date": f"{YEAR}-07-01",
            "reference": "RZ-17",
        },
    )
    assert invoiced.status_code == 302
    with in_tenant(tenants["zutphen"]):
        assert budget.forecast(YEAR, date(YEAR + 1, 1, 1)).spent_cents == 145_000


def test_a_case_worker_may_not_approve_nor_open_the_budget(tenants, in_tenant, sign_in):
    with in_tenant(tenants["zutphen"]):
        worker = UserFactory()
    assert sign_in(worker).get("/begroting").status_code == 403
    assert sign_in(worker).get("/regio/geld").status_code == 403


def test_another_municipalitys_commitment_is_not_found(tenants, in_tenant, sign_in):
    with in_tenant(tenants["lochem"]):
        case = shared_case()
        db.session.flush()
        trajectory = handover.hand_over(
            db.session.get(Case, (case.tenant_id, case.id)), "t", start_date=date(YEAR, 1, 1)
        )
        foreign = budget.commitment_of(trajectory.id)
        db.session.commit()
    with in_tenant(tenants["raalte"]):
        admin = UserFactory(role="tenant_admin")
    answer = admin_client(sign_in, admin).post(
        f"/begroting/verplichtingen/{foreign.id}/factuur",
        data={"version": 1, "amount": "1", "invoice_date": f"{YEAR}-07-01", "reference": "x"},
    )
    assert answer.status_code == 404


def test_the_coordinator_sees_every_municipalitys_money_exactly(tenants, in_tenant, sign_in):
    amounts = {"deventer": 1_234_567, "raalte": 300, "lochem": 0}
    for slug, cents in amounts.items():
        with in_tenant(tenants[slug]):
            budget.add_line(YEAR, BudgetSource.GRANT.value, cents, "c")
            db.session.commit()
    with in_tenant(tenants["raalte"]):
        CaseFactory()
        db.session.commit()
    with in_tenant(tenants["deventer"]):
        coordinator = UserFactory(role="regional_coordinator")
    page = sign_in(coordinator).get(f"/regio/geld?jaar={YEAR}")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    # Small amounts are exact, never "< 5"; the region's budget is the exact sum.
    assert "€ 3,00" in text and "€ 12.345,67" in text and "€ 12.348,67" in text
    assert RULE in text
    with in_tenant(tenants["raalte"]):
        elsewhere = UserFactory(role="regional_coordinator")
    assert sign_in(elsewhere).get("/regio/geld").status_code == 403
