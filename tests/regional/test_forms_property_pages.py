"""The regional forms that decide or change something, through their pages, field by field
(hypothesis; ``tests.form_pages.hold``): after the POST the stored row holds what the
field's ASCII text denotes, or the answer is a 4xx with a Dutch message on the page and
nothing changed. The oracle is the field-level one (tests/form_property.py).

- the budget's planning figures, an approval beyond the budget and an invoice
  (``/begroting``, a municipality's tenant admin);
- the reason for opening another municipality's cases (``/regio/lijst``; the reason is
  kept in the signed session and written with every opening to that municipality's
  access log: the log is read back);
- the grant's distribution (a field per municipality), its approval and the
  accountability report's year (``/regio/verdeling``, ``/regio/verantwoording``; the
  centre's regional coordinator).

The reason form's hidden ``gemeente``, ``cijfer`` and ``periode`` say which list to show
and store nothing: a municipality or figure outside the region is a 404 like any missing
page (tests/regional/test_regional_crossing.py); they are held at field level.
"""

from __future__ import annotations

import itertools
import uuid
from datetime import date

import pytest
from flask_babel import force_locale
from sqlalchemy import delete, select

from app.audit.models import AccessAction, AccessLogEntry
from app.cases.models import CasePhase
from app.core.actions import saved_submission
from app.core.forms import column_length
from app.core.permissions import Role
from app.extensions import db
from app.regional import crossing
from app.regional.budget_forms import ApprovalForm, InvoiceForm, PlanningForm
from app.regional.budget_models import BudgetApproval, BudgetYear, Commitment
from app.regional.grant_forms import ApprovalForm as GrantApprovalForm
from app.regional.grant_forms import ReportForm, distribution_form, weight_field
from app.regional.grant_models import (
    AccountabilityReport,
    GrantApproval,
    GrantDistribution,
    GrantShare,
)
from tests import form_property
from tests.factories import (
    CaseFactory,
    CommitmentFactory,
    GrantApprovalFactory,
    GrantDistributionFactory,
    UserFactory,
)
from tests.form_pages import REFUSE, bound_field, field_oracle, hold, htmx_headers

YEAR = date.today().year
NO_ROW = "<no row>"


@pytest.fixture
def admin_client(tenants, in_tenant, sign_in):
    with in_tenant(tenants["raalte"]):
        admin = UserFactory(role=Role.TENANT_ADMIN.value)
    client = sign_in(admin)
    return tenants["raalte"], client, htmx_headers(client, "/begroting")


@pytest.fixture
def coordinator_client(tenants, in_tenant, sign_in):
    with in_tenant(tenants["deventer"]):
        coordinator = UserFactory(role=Role.REGIONAL_COORDINATOR.value)
    client = sign_in(coordinator)
    return tenants["deventer"], client, htmx_headers(client, "/regio/verdeling")


# --- the budget ------------------------------------------------------------------------------

PLANNING = {"year": str(YEAR), "trajectory_cost": "1.500,00", "expected_trajectories": "50"}
PLANNING_COLUMNS = ("year", "trajectory_cost", "expected_trajectories")


@pytest.mark.parametrize("field", PLANNING_COLUMNS)
def test_the_planning_keeps_what_was_sent_or_says_why_not(
    app, in_tenant, admin_client, field
) -> None:
    """The year's planning figures: one row per year, written over by each save (so each
    submission starts from a municipality without any)."""
    tenant, client, headers = admin_client
    bound = bound_field(app, PlanningForm, field)

    def fresh():
        with in_tenant(tenant):
            db.session.execute(delete(BudgetYear))
            db.session.commit()

    def rows(_world):
        with in_tenant(tenant):
            return sorted(
                (r.year, r.trajectory_cost_cents, r.expected_trajectories)
                for r in db.session.scalars(select(BudgetYear))
            )

    def saved(world):
        found = rows(world)
        return dict(zip(PLANNING_COLUMNS, found[0], strict=True))[field] if found else NO_ROW

    hold(
        field,
        form_property.values_for(bound),
        PLANNING[field],
        fresh=fresh,
        post=lambda _w, sent, htmx: client.post(
            "/begroting/planning", data={**PLANNING, field: sent}, headers=headers(htmx)
        ),
        state=rows,
        saved=saved,
        want=field_oracle(bound),
    )


def _by_key(in_tenant, tenant, model, column):
    def state(key):
        with in_tenant(tenant):
            row = saved_submission(model, key)
            return NO_ROW if row is None else getattr(row, column)

    return state


APPROVAL = {"year": str(YEAR), "reason": "Extra trajecten door hoge instroom"}


@pytest.mark.parametrize("field", sorted(APPROVAL))
def test_a_budget_approval_keeps_what_was_sent_or_says_why_not(
    app, in_tenant, admin_client, field
) -> None:
    tenant, client, headers = admin_client
    bound = bound_field(app, ApprovalForm, field)
    read = _by_key(in_tenant, tenant, BudgetApproval, field)
    hold(
        field,
        form_property.values_for(bound),
        APPROVAL[field],
        fresh=uuid.uuid4,
        post=lambda key, sent, htmx: client.post(
            "/begroting/goedkeuringen",
            data={**APPROVAL, field: sent, "submission_key": str(key)},
            headers=headers(htmx),
        ),
        state=read,
        saved=read,
        want=field_oracle(bound),
    )


INVOICE = {"amount": "1.234,56", "invoice_date": date(YEAR, 3, 1).isoformat(), "reference": "F-1"}
INVOICE_COLUMNS = {
    "amount": "invoice_amount_cents",
    "invoice_date": "invoice_date",
    "reference": "invoice_reference",
}


@pytest.mark.parametrize("field", sorted(INVOICE))
def test_an_invoice_keeps_what_was_sent_or_says_why_not(
    app, in_tenant, admin_client, field
) -> None:
    """An invoice is recorded once on a commitment: each submission gets a new one."""
    tenant, client, headers = admin_client
    bound = bound_field(app, InvoiceForm, field)

    def fresh():
        with in_tenant(tenant):
            commitment = CommitmentFactory()
            db.session.commit()
            return commitment.id

    def row(commitment_id):
        with in_tenant(tenant):
            found = db.session.get(Commitment, (tenant.id, commitment_id))
            return (
                found.status,
                found.version,
                found.invoice_amount_cents,
                found.invoice_date,
                found.invoice_reference,
            )

    def saved(commitment_id):
        with in_tenant(tenant):
            found = db.session.get(Commitment, (tenant.id, commitment_id))
            return getattr(found, INVOICE_COLUMNS[field])

    hold(
        field,
        form_property.values_for(bound),
        INVOICE[field],
        fresh=fresh,
        post=lambda commitment_id, sent, htmx: client.post(
            f"/begroting/verplichtingen/{commitment_id}/factuur",
            data={**INVOICE, field: sent, "version": "1"},
            headers=headers(htmx),
        ),
        state=row,
        saved=saved,
        want=field_oracle(bound),
    )


# --- the reason for another municipality's cases -------------------------------------------

FIGURE = "phase:in_detention"
LIST = f"/regio/lijst?gemeente=raalte&cijfer={FIGURE}"
REASON = {
    "gemeente": "raalte",
    "cijfer": FIGURE,
    "periode": "",
    "reason": "signal",
    "explanation": "Melding van de reclassering over terugval",
}


@pytest.mark.parametrize("field", ["reason", "explanation"])
def test_a_reason_keeps_what_was_sent_or_says_why_not(
    app, tenants, in_tenant, coordinator_client, field
) -> None:
    """The reason holds for the session (the signed cookie); the opening of the list
    writes it to Raalte's access log, which is read back: the code chosen and the
    explanation, whole."""
    _centre, client, _headers_of = coordinator_client
    raalte = tenants["raalte"]
    with in_tenant(raalte):
        CaseFactory(phase=CasePhase.IN_DETENTION.value)
        db.session.commit()
    headers = htmx_headers(client, LIST)
    bound = bound_field(app, crossing.ReasonForm, field)

    def fresh():
        with client.session_transaction() as cookie:
            cookie.pop("regional_reasons", None)

    def given(_world):
        with client.session_transaction() as cookie:
            kept = (cookie.get("regional_reasons") or {}).get(str(raalte.id), {})
        return kept.get("code"), kept.get("text")

    def logged(_world):
        code, _text = given(None)
        if code is None:
            return NO_ROW
        assert client.get(LIST).status_code == 200
        with in_tenant(raalte):
            detail = db.session.scalars(
                select(AccessLogEntry.detail)
                .where(AccessLogEntry.action == AccessAction.SEARCH.value)
                .order_by(AccessLogEntry.occurred_at.desc())
                .limit(1)
            ).one()
        if field == "reason":
            return code
        # "regionale inzage, reden: <the choice>: <the explanation>"
        start = detail.index(": ", len("regionale inzage, reden: ")) + 2
        return detail[start:]

    hold(
        field,
        form_property.values_for(bound),
        REASON[field],
        fresh=fresh,
        post=lambda _w, sent, htmx: client.post(
            "/regio/lijst", data={**REASON, field: sent}, headers=headers(htmx)
        ),
        state=given,
        saved=logged,
        want=field_oracle(bound),
    )


@pytest.mark.parametrize("locale", ["nl", "en"])
def test_the_longest_reason_fits_the_access_log_whole(app, locale) -> None:
    limit = column_length(AccessLogEntry, "detail")
    explanation = "x" * crossing.EXPLANATION_MAX
    with app.test_request_context(), force_locale(locale):
        for code in crossing.REASONS:
            logged = crossing.Reason(code, explanation).logged
            assert len(logged) <= limit, (code, len(logged))
            assert logged.endswith(f": {explanation}")


# --- the grant -------------------------------------------------------------------------------


def test_a_grant_approval_keeps_its_reason_or_says_why_not(
    app, in_tenant, coordinator_client
) -> None:
    """Each submission approves a second distribution of a year whose first is approved:
    the page asks the reason for replacing it then (and refuses none with a message)."""
    centre, client, headers = coordinator_client
    bound = bound_field(app, GrantApprovalForm, "reason")
    years = itertools.count(2001)

    def fresh():
        with in_tenant(centre):
            year = next(years)
            GrantApprovalFactory(distribution=GrantDistributionFactory(year=year))
            distribution = GrantDistributionFactory(year=year)
            db.session.commit()
            return distribution.id, uuid.uuid4()

    read = _by_key(in_tenant, centre, GrantApproval, "reason")
    hold(
        "reason",
        form_property.values_for(bound),
        "Nieuwe cijfers van de DJI",
        fresh=fresh,
        post=lambda world, sent, htmx: client.post(
            f"/regio/verdeling/{world[0]}/goedkeuren",
            data={"reason": sent, "submission_key": str(world[1])},
            headers=headers(htmx),
        ),
        state=lambda world: read(world[1]),
        saved=lambda world: read(world[1]),
        want=field_oracle(bound),
    )


DISTRIBUTION = {
    "year": str(YEAR),
    "total": "100.000,00",
    "key_kind": "ex_detainees",
    "reference_year": str(YEAR - 2),
}
DISTRIBUTION_COLUMNS = {
    "year": "year",
    "total": "total_cents",
    "key_kind": "key_kind",
    "reference_year": "reference_year",
}


@pytest.mark.parametrize("field", [*sorted(DISTRIBUTION), "weight"])
def test_a_distribution_keeps_what_was_sent_or_says_why_not(
    app, tenants, in_tenant, coordinator_client, field
) -> None:
    """The grant, its key and one whole number per municipality (the form is built for the
    region: ``RegionDistributionForm``; ``weight`` is Deventer's number). The key is the
    number of ex-detainees, whose reference year is kept; with a fixed share the reference
    year is not kept (the page always carries it, labelled "for ex-detainees")."""
    centre, client, headers = coordinator_client
    region = sorted(tenants.values(), key=lambda t: t.id)
    weights = {weight_field(t): "10" for t in region}
    name = weight_field(centre) if field == "weight" else field
    with app.test_request_context(method="POST"):
        bound = distribution_form(region)[name]
    base = {**DISTRIBUTION, **weights}

    def read(key):
        with in_tenant(centre):
            row = saved_submission(GrantDistribution, key)
            if row is None:
                return NO_ROW
            if field != "weight":
                return getattr(row, DISTRIBUTION_COLUMNS[field])
            return db.session.scalars(
                select(GrantShare.weight).where(
                    GrantShare.distribution_id == row.id, GrantShare.municipality_id == centre.id
                )
            ).one()

    hold(
        field,
        form_property.values_for(bound),
        base[name],
        fresh=uuid.uuid4,
        post=lambda key, sent, htmx: client.post(
            "/regio/verdeling",
            data={**base, name: sent, "submission_key": str(key)},
            headers=headers(htmx),
        ),
        state=read,
        saved=read,
        want=field_oracle(bound),
    )


def test_a_report_is_started_for_the_year_sent_or_the_page_says_why_not(
    app, in_tenant, coordinator_client
) -> None:
    """A report is made for the year sent (a report of that year still being made is the
    answer instead of a second one: each submission starts from none)."""
    centre, client, headers = coordinator_client
    bound = bound_field(app, ReportForm, "year")

    def fresh():
        with in_tenant(centre):
            db.session.execute(delete(AccountabilityReport))
            db.session.commit()

    def years(_world):
        with in_tenant(centre):
            return sorted(db.session.scalars(select(AccountabilityReport.year)))

    def saved(world):
        found = years(world)
        return found[0] if len(found) == 1 else (found or NO_ROW)

    def want(world, sent):
        value = form_property.expected(bound, sent)
        return REFUSE if value is None else value

    hold(
        "year",
        form_property.values_for(bound),
        str(YEAR),
        fresh=fresh,
        post=lambda _w, sent, htmx: client.post(
            "/regio/verantwoording", data={"year": sent}, headers=headers(htmx)
        ),
        state=years,
        saved=saved,
        want=want,
    )
