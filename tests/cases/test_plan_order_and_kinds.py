"""The order of steps (issue 11, point 8) and a default plan that names functions (point 9)."""

from __future__ import annotations

from datetime import date, timedelta

from flask_babel import force_locale

from app.cases import release
from app.cases.handover import services as handover
from app.cases.labels import RESPONSIBLE_LABELS
from app.cases.models import Case
from app.cases.plan import services as plan
from app.cases.plan.models import Responsible
from app.cases.timeline import entries_for
from app.extensions import db
from tests.factories import UserFactory

TODAY = date.today()
PARTNER_KINDS = {
    "care_director",
    "debt_help",
    "addiction_care",
    "supported_housing",
    "probation",
    "income",
    "health_insurer",
    "mental_health_care",
    "housing_corporation",
}
DEBT_COUNSELLING = "Schuldhulpverlening starten na het ontslag"
BENEFIT = "Uitkeringsaanvraag tijdens de detentie voorbereiden, ingaand op de dag van ontslag"
REINTEGRATION = "Re-integratietraject al tijdens de detentie starten"


def load(case) -> Case:
    return db.session.get(Case, (case.tenant_id, case.id))


def test_the_default_plan_names_functions_not_a_municipalitys_units(app):
    rows = plan.default_template_rows()
    responsible = {r["responsible"] for r in rows}
    assert responsible <= PARTNER_KINDS | {"aftercare_coordinator", "prison_caseworker"}
    assert {"income", "debt_help", "addiction_care", "supported_housing"} <= responsible
    text = " ".join(f"{r['title']} {r.get('description', '')}" for r in rows).lower()
    for unit in ("stadthuis", "budget adviesbureau", "bad ", "tactus", "humanitas", "deventer"):
        assert unit not in text, unit
    assert {r.value for r in Responsible} >= PARTNER_KINDS
    with app.test_request_context(), force_locale("nl"):
        names = {kind: str(RESPONSIBLE_LABELS[Responsible(kind)]) for kind in PARTNER_KINDS}
    assert names["income"] == "Werk en inkomen" and names["debt_help"] == "Schuldhulp"
    # The rules of DOMAIN.md, as conditions and order.
    by_title = {r["title"]: r for r in rows}
    assert by_title[DEBT_COUNSELLING]["conditions"]["order"] == "not_before_release"
    assert by_title[BENEFIT]["conditions"]["order"] == "during_detention"
    assert by_title[REINTEGRATION]["conditions"]["order"] == "during_detention"
    rent = next(r for r in rows if "huur uit de bijzondere bijstand" in r["title"])
    assert (
        rent["conditions"]["min_detention_months"],
        rent["conditions"]["max_detention_months"],
    ) == (1, 6)
    occupied = next(r for r in rows if "Bewoning van de woning" in r["title"])
    assert occupied["conditions"]["min_detention_months"] == 3


def test_the_editor_says_the_order_in_words(app):
    with app.test_request_context(), force_locale("nl"):
        templates = {t.title: t for t in plan.default_template_preview()}
        debt = plan.describe_conditions(templates[DEBT_COUNSELLING])
        benefit = plan.describe_conditions(templates[BENEFIT])
    assert "niet vóór de vrijlating" in debt
    assert "alleen tijdens de detentie" in benefit


def test_debt_counselling_is_never_due_before_the_release(tenants, in_tenant, make_case):
    """Made before the release, moved earlier and later with it; a benefit application
    stays due by the release; an early release pulls it along."""
    case = make_case(
        tenants["zutphen"],
        detention_start=TODAY - timedelta(days=40),
        expected_release=TODAY + timedelta(days=50),
        plan=True,
    )
    with in_tenant(tenants["zutphen"]):
        user = UserFactory()
        case = load(case)

        def due(title):
            return next(t.due_date for t in plan.tasks_of(case) if t.title == title)

        assert due(DEBT_COUNSELLING) >= case.expected_release
        assert due(BENEFIT) <= case.expected_release
        for days in (5, 120, 30):
            release.move_expected_release(case, TODAY + timedelta(days=days), user)
            assert due(DEBT_COUNSELLING) >= case.expected_release
            assert due(BENEFIT) <= case.expected_release
        release.record_release(case, TODAY, user)
        assert due(DEBT_COUNSELLING) >= TODAY
        assert due(BENEFIT) <= TODAY
        db.session.commit()


def test_a_referral_to_debt_help_starts_after_the_release_and_the_file_says_why(
    tenants, in_tenant, make_case, worker_client
):
    case = make_case(tenants["olst-wijhe"], expected_release=TODAY + timedelta(days=30))
    with in_tenant(tenants["olst-wijhe"]):
        worker = UserFactory()
        loaded = load(case)
        handover.record_basis(loaded, "t", domain="debts", basis="statutory", effective_on=TODAY)
        debt = handover.refer(loaded, "t", domain="debts", partner="debt_help", request=None)
        handover.record_basis(loaded, "t", domain="care", basis="statutory", effective_on=TODAY)
        care = handover.refer(loaded, "t", domain="care", partner="addiction_care", request=None)
        db.session.commit()
        assert debt.starts_on == loaded.expected_release + timedelta(days=1)
        assert care.starts_on is None
        events = {e.detail["partner_kind"]: e for e in entries_for(case.id) if e.kind == "referral"}
        assert events["debt_help"].detail["starts_after_release"] is True
        assert events["addiction_care"].detail["starts_after_release"] is False
    page = (
        worker_client(worker)
        .get(f"/cases/{case.id}?open=referrals,timeline")
        .get_data(as_text=True)
    )
    assert "de hulp start pas na de vrijlating" in page
