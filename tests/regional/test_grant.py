"""The grant's distribution: computed and kept with its inputs (immutable), approved as a
separate recorded step, and turned into one budget line per municipality and year, written
in each municipality's own session; approving twice or the job run twice adds nothing."""

from __future__ import annotations

import pytest
from flask_babel import force_locale
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError
from werkzeug.exceptions import Forbidden

from app.core.actions import Refused
from app.extensions import db
from app.regional import budget, grant
from app.regional.budget_models import BudgetLine, BudgetSource
from app.regional.grant_models import GrantApproval, GrantDistribution, GrantShare, ImmutableRow
from tests.cases.conftest import worker_client  # noqa: F401 - a fixture
from tests.conftest import USING_POSTGRES
from tests.factories import UserFactory

YEAR = 2027
EX_DETAINEES = {"deventer": 143, "lochem": 21, "olst-wijhe": 12, "raalte": 25, "zutphen": 39}


@pytest.fixture
def embedded(app, monkeypatch):
    """No Redis: the approval's job runs inline after the commit (the demo's way)."""
    monkeypatch.setitem(app.config, "REDIS_URL", None)


@pytest.fixture
def coordinator(tenants, in_tenant):
    with in_tenant(tenants["deventer"]):
        user = UserFactory(role="regional_coordinator", display_name="Rita Regio")
        db.session.commit()
    return user


def weights(tenants, numbers=EX_DETAINEES) -> dict[int, int]:
    return {tenants[slug].id: n for slug, n in numbers.items()}


def grant_lines(tenants, in_tenant) -> dict[str, list[tuple[int, str]]]:
    found = {}
    for slug, tenant in tenants.items():
        with in_tenant(tenant):
            found[slug] = [
                (line.amount_cents, line.source)
                for line in db.session.scalars(select(BudgetLine).where(BudgetLine.year == YEAR))
            ]
    return found


def compute(user, tenants, total=25_000_000, numbers=EX_DETAINEES, **extra):
    return grant.compute(
        user,
        year=YEAR,
        total_cents=total,
        key_kind="ex_detainees",
        reference_year=YEAR - 2,
        weights=weights(tenants, numbers),
        **extra,
    )


def test_the_distribution_is_kept_with_its_inputs_and_adds_up(tenants, in_tenant, coordinator):
    with in_tenant(tenants["deventer"]):
        distribution = compute(coordinator, tenants)
        db.session.commit()
        shares = grant.shares_of(distribution.id)
        assert sum(s.share_cents for s in shares) == 25_000_000
        assert {s.municipality_name: s.weight for s in shares} == {
            "Deventer": 143,
            "Lochem": 21,
            "Olst-Wijhe": 12,
            "Raalte": 25,
            "Zutphen": 39,
        }
        # 25,000,000 x 143 / 240 = 14,895,833.33: the floor, the remainder elsewhere.
        by_name = {s.municipality_name: s.share_cents for s in shares}
        assert by_name["Deventer"] == 14_895_833
        assert (distribution.computed_by, distribution.reference_year) == ("Rita Regio", YEAR - 2)
        # Immutable: the ORM refuses a change before it reaches SQL.
        distribution.total_cents = 1
        with pytest.raises(ImmutableRow):
            db.session.flush()
        db.session.rollback()
        db.session.delete(db.session.get(GrantShare, (shares[0].tenant_id, shares[0].id)))
        with pytest.raises(ImmutableRow):
            db.session.flush()
        db.session.rollback()


@pytest.mark.postgres
@pytest.mark.skipif(not USING_POSTGRES, reason="the grant is PostgreSQL's")
def test_the_database_refuses_to_change_a_computed_distribution(tenants, in_tenant, coordinator):
    with in_tenant(tenants["deventer"]):
        compute(coordinator, tenants)
        db.session.commit()
        for statement in (
            "UPDATE grant_distributions SET total_cents = 1",
            "DELETE FROM grant_distribution_shares",
        ):
            with pytest.raises(DBAPIError, match="permission denied"):
                db.session.execute(text(statement))
            db.session.rollback()


def test_bad_keys_are_refused_in_dutch(tenants, in_tenant, coordinator):
    with in_tenant(tenants["deventer"]), force_locale("nl"):
        with pytest.raises(Refused) as zero:
            compute(coordinator, tenants, numbers=dict.fromkeys(EX_DETAINEES, 0))
        assert "telt op tot nul" in str(zero.value.message)
        with pytest.raises(Refused) as no_year:
            grant.compute(
                coordinator,
                year=YEAR,
                total_cents=100,
                key_kind="ex_detainees",
                reference_year=None,
                weights=weights(tenants),
            )
        assert no_year.value.field == "reference_year"
        fixed = grant.compute(
            coordinator,
            year=YEAR,
            total_cents=100,
            key_kind="fixed_share",
            reference_year=2020,
            weights=weights(tenants, dict.fromkeys(EX_DETAINEES, 1)),
        )
        assert fixed.reference_year is None  # a fixed share has no reference year
        assert [s.share_cents for s in grant.shares_of(fixed.id)] == [20, 20, 20, 20, 20]


def test_only_the_centres_coordinator_computes_and_approves(tenants, in_tenant):
    with in_tenant(tenants["deventer"]):
        admin = UserFactory(role="tenant_admin")
        with pytest.raises(Forbidden):
            compute(admin, tenants)
    with in_tenant(tenants["raalte"]):
        elsewhere = UserFactory(role="regional_coordinator")  # made past the account rules
        with pytest.raises(Forbidden):
            compute(elsewhere, tenants)


def test_approval_turns_the_shares_into_one_budget_line_each_idempotently(
    tenants, in_tenant, coordinator, embedded
):
    with in_tenant(tenants["deventer"]):
        distribution = compute(coordinator, tenants)
        db.session.commit()
        shares = {s.municipality_id: s.share_cents for s in grant.shares_of(distribution.id)}
        approval = grant.approve(coordinator, distribution)
        db.session.commit()  # the job runs inline after the commit
        assert grant.approve(coordinator, distribution).id == approval.id  # twice: the same
        db.session.commit()
        approval = db.session.get(GrantApproval, (approval.tenant_id, approval.id))
        assert approval.applied_at is not None
        assert (approval.approved_by, approval.reason) == ("Rita Regio", None)
        # The job delivered again (a worker killed after its commit): nothing twice.
        grant.apply_grant_shares(tenants["deventer"].id, str(approval.id))
        db.session.commit()

    lines = grant_lines(tenants, in_tenant)
    for slug, tenant in tenants.items():
        assert lines[slug] == [(shares[tenant.id], BudgetSource.GRANT.value)]
    with in_tenant(tenants["lochem"]):
        (line,) = budget.lines_of(YEAR)
        assert line.recorded_by == "Rita Regio"
        assert "Aandeel in de rijksbijdrage 2027" in line.description
        assert budget.budget_total(YEAR) == shares[tenants["lochem"].id]


def test_a_second_approval_supersedes_with_a_reason_and_rewrites_the_lines(
    tenants, in_tenant, coordinator, embedded
):
    with in_tenant(tenants["deventer"]):
        first = compute(coordinator, tenants)
        db.session.commit()
        first_approval = grant.approve(coordinator, first)
        db.session.commit()
        second = compute(coordinator, tenants, total=30_000_000)
        db.session.commit()
        with pytest.raises(Refused) as refused:
            grant.approve(coordinator, second)
        assert refused.value.field == "reason"
        with force_locale("nl"):
            assert "Geef de reden" in str(refused.value.message)
        db.session.rollback()
        grant.approve(coordinator, second, reason="Hogere rijksbijdrage na de septembercirculaire")
        db.session.commit()
        history = grant.approvals_of(YEAR)
        assert [a.distribution_id for a in history] == [first.id, second.id]
        assert history[0].superseded_at is not None and history[1].superseded_at is None
        assert history[1].supersedes_id == history[0].id
        new_shares = {s.municipality_id: s.share_cents for s in grant.shares_of(second.id)}
        # The superseded approval's job, delivered late, writes nothing.
        grant.apply_grant_shares(tenants["deventer"].id, str(first_approval.id))
        db.session.commit()
        # The computed distributions themselves are untouched.
        assert db.session.scalars(select(GrantDistribution.total_cents)).all().count(25_000_000)

    lines = grant_lines(tenants, in_tenant)
    for slug, tenant in tenants.items():
        assert lines[slug] == [(new_shares[tenant.id], BudgetSource.GRANT.value)]
    assert sum(line[0][0] for line in lines.values()) == 30_000_000


def test_lines_by_hand_stay_beside_the_distributions_line(
    tenants, in_tenant, coordinator, embedded
):
    with in_tenant(tenants["zutphen"]):
        budget.add_line(YEAR, BudgetSource.MUNICIPAL.value, 500_000, "Beheerder")
        db.session.commit()
    with in_tenant(tenants["deventer"]):
        grant.approve(coordinator, compute(coordinator, tenants))
        db.session.commit()
    with in_tenant(tenants["zutphen"]):
        sources = sorted(line.source for line in budget.lines_of(YEAR))
        assert sources == ["grant", "municipal"]


def test_the_coordinator_computes_and_approves_on_the_page(
    tenants,
    in_tenant,
    coordinator,
    embedded,
    sign_in,
    worker_client,  # noqa: F811 - the fixture imported above
):
    client = worker_client(coordinator)
    form = {
        "year": YEAR,
        "total": "250.000,00",
        "key_kind": "ex_detainees",
        "reference_year": YEAR - 2,
        "submission_key": "6f1c1a52-7f0c-4a55-9d43-1d2a4b8e9f10",
        **{f"weight_{tenants[slug].id}": n for slug, n in EX_DETAINEES.items()},
    }
    wrong = client.post("/regio/verdeling", data={**form, "total": "veel"})
    assert wrong.status_code == 422
    assert "Vul een bedrag in euro" in wrong.get_data(as_text=True)
    assert client.post("/regio/verdeling", data=form).status_code == 302
    assert client.post("/regio/verdeling", data=form).status_code == 302  # a double click
    page = client.get(f"/regio/verdeling?jaar={YEAR}").get_data(as_text=True)
    assert page.count('data-testid="distribution"') == 1
    assert "€ 250.000,00" in page and "€ 148.958,33" in page  # Deventer: 143/240, exact
    with in_tenant(tenants["deventer"]):
        (distribution,) = grant.distributions_of(YEAR)
    approved = client.post(
        f"/regio/verdeling/{distribution.id}/goedkeuren",
        data={"submission_key": "0c5b3a1e-2d4f-4e6a-8b7c-9d0e1f2a3b4c"},
    )
    assert approved.status_code == 302
    page = client.get(f"/regio/verdeling?jaar={YEAR}").get_data(as_text=True)
    assert "Goedgekeurd door Rita Regio" in page
    assert "De aandelen staan in de begrotingen van de gemeenten." in page
    with in_tenant(tenants["lochem"]):
        admin = UserFactory(role="tenant_admin")
    own = sign_in(admin).get(f"/begroting?jaar={YEAR}").get_data(as_text=True)
    assert "Aandeel in de rijksbijdrage" in own and "€ 21.875,00" in own  # 21/240
    # Another municipality's coordinator row, or an admin, cannot open the page.
    assert sign_in(admin).get("/regio/verdeling").status_code == 403
