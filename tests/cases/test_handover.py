"""Hand-over as a trajectory, referrals with outcome, and the sharing basis they check."""

from __future__ import annotations

import re
import uuid
from datetime import date, timedelta

import pytest
from flask_babel import force_locale

from app.cases.consent import Recipient, may_share_with
from app.cases.errors import CaseError
from app.cases.handover import services as handover
from app.cases.handover.models import Trajectory
from app.cases.models import DEFAULT_CARE_DIRECTOR, Case
from app.cases.timeline import entries_for
from app.core import actions
from app.extensions import db
from tests.cases.conftest import submission_key
from tests.factories import UserFactory, with_sharing_basis

TODAY = date.today()


# The panels that hold a create form (the case page shows them on demand).
# The panels with forms, and the folded task form (app.cases.panels.FORMS).
ALL_PANELS = "sharing,referrals,trajectories,people,documents,add-task"


def load(case):
    return db.session.get(Case, (case.tenant_id, case.id))


def test_a_referral_needs_consent_or_a_statutory_basis(tenants, in_tenant, make_case):
    case = make_case(tenants["lochem"])
    with in_tenant(tenants["lochem"]):
        case = load(case)
        with pytest.raises(CaseError):
            handover.refer(case, "t", domain="care", partner="addiction_care", request="Intake")
        handover.record_basis(
            case,
            "Anouk",
            domain="care",
            basis="consent_given",
            effective_on=TODAY - timedelta(days=3),
        )
        db.session.flush()
        assert may_share_with(case.id, "care", Recipient.PARTNER)
        assert not may_share_with(case.id, "debts", Recipient.PARTNER)
        referral = handover.refer(
            case, "t", domain="care", partner="addiction_care", request="Intake tijdens verlof"
        )
        handover.record_basis(
            case, "Anouk", domain="care", basis="consent_withdrawn", effective_on=TODAY
        )
        db.session.flush()
        with pytest.raises(CaseError):
            handover.refer(case, "t", domain="care", partner="addiction_care", request=None)
        handover.record_basis(case, "Bas", domain="debts", basis="statutory", effective_on=TODAY)
        db.session.flush()
        handover.refer(case, "t", domain="debts", partner="debt_help", request=None)
        handover.record_outcome(
            referral,
            "t",
            status="accepted",
            reason=None,
            outcome=None,
            expected_version=referral.version,
        )
        with pytest.raises(CaseError):
            handover.record_outcome(
                referral, "t", status="rejected", reason="", outcome=None, expected_version=None
            )
        handover.record_outcome(
            referral,
            "t",
            status="done",
            reason=None,
            outcome="In behandeling bij Tactus",
            expected_version=None,
        )
        db.session.commit()
        history = handover.consent_history(case)
    assert [(r.domain, r.basis, r.recorded_by) for r in history][-1] == (
        "care",
        "consent_given",
        "Anouk",
    )
    assert referral.status == "done" and referral.outcome == "In behandeling bij Tactus"


def test_referral_refused_on_the_page_with_a_dutch_reason(
    tenants, in_tenant, make_case, worker_client
):
    case = make_case(tenants["zutphen"])
    with in_tenant(tenants["zutphen"]):
        worker = UserFactory()
    client = worker_client(worker)
    refused = client.post(
        f"/cases/{case.id}/referrals", data={"partner": "supported_housing", "domain": "housing"}
    )
    assert refused.status_code == 422
    assert "Geen toestemming of wettelijke grondslag" in refused.get_data(as_text=True)
    client.post(
        f"/cases/{case.id}/consents",
        data={"domain": "housing", "basis": "consent_given", "effective_on": TODAY.isoformat()},
    )
    done = client.post(
        f"/cases/{case.id}/referrals",
        data={"partner": "supported_housing", "domain": "housing", "request": "Begeleid wonen"},
    )
    assert done.status_code == 302
    page = client.get(f"/cases/{case.id}?open=referrals,sharing").get_data(as_text=True)
    assert "Begeleid wonen" in page and "Toestemming gegeven" in page


def test_hand_over_to_the_care_director_as_a_trajectory(
    tenants, in_tenant, make_case, worker_client
):
    case = make_case(tenants["deventer"])
    with in_tenant(tenants["deventer"]):
        worker = UserFactory()
    client = worker_client(worker)
    refused = client.post(
        f"/cases/{case.id}/trajectories", data={"start_date": TODAY.isoformat(), "cost_euros": ""}
    )
    assert refused.status_code == 422
    assert "Geen enkel leefgebied mag met de zorgregisseur" in refused.get_data(as_text=True)
    client.post(
        f"/cases/{case.id}/consents",
        data={"domain": "income", "basis": "statutory", "effective_on": TODAY.isoformat()},
    )
    response = client.post(
        f"/cases/{case.id}/trajectories", data={"start_date": TODAY.isoformat(), "cost_euros": ""}
    )
    assert response.status_code == 302
    second = client.post(
        f"/cases/{case.id}/trajectories", data={"start_date": TODAY.isoformat(), "cost_euros": ""}
    )
    assert second.status_code == 422
    assert "al een actief traject" in second.get_data(as_text=True)
    with in_tenant(tenants["deventer"]):
        (trajectory,) = handover.trajectories_of(load(case))
        assert trajectory.cost_cents == 150_000 and trajectory.provider == "Regizorg BV"
        assert trajectory.status == "active"
    end = (TODAY + timedelta(days=180)).isoformat()
    client.post(
        f"/cases/{case.id}/trajectories/{trajectory.id}",
        data={"status": "completed", "end_date": end, "version": trajectory.version},
    )
    stale = client.post(
        f"/cases/{case.id}/trajectories/{trajectory.id}",
        data={"status": "cancelled", "end_date": "", "version": trajectory.version},
    )
    assert stale.status_code == 409
    with in_tenant(tenants["deventer"]):
        (trajectory,) = handover.trajectories_of(load(case))
        assert trajectory.status == "completed" and trajectory.end_date.isoformat() == end


def test_each_municipality_names_its_own_care_director(
    tenants, in_tenant, make_case, worker_client, sign_in
):
    from tests.form_values import form_values

    with in_tenant(tenants["zutphen"]):
        admin = UserFactory(role="tenant_admin")
        worker = UserFactory()
    admin_client = sign_in(admin)
    form = {
        **form_values(admin_client, "/cases/admin/settings"),
        "trajectory_default_cost_euros": "1600",
    }
    refused = admin_client.post("/cases/admin/settings", data={**form, "care_director_name": " "})
    assert refused.status_code == 422
    assert "Noem de zorgregisseur" in refused.get_data(as_text=True)
    saved = admin_client.post(
        "/cases/admin/settings", data={**form, "care_director_name": "Stichting Nazorg IJssel"}
    )
    assert saved.status_code == 302

    zutphen_case = make_case(tenants["zutphen"])
    deventer_case = make_case(tenants["deventer"])
    worker_client(worker).post(
        f"/cases/{zutphen_case.id}/consents",
        data={"domain": "income", "basis": "statutory", "effective_on": TODAY.isoformat()},
    )
    worker_client(worker).post(
        f"/cases/{zutphen_case.id}/trajectories", data={"start_date": TODAY.isoformat()}
    )
    with in_tenant(tenants["zutphen"]):
        (trajectory,) = handover.trajectories_of(load(zutphen_case))
        assert (trajectory.provider, trajectory.cost_cents) == ("Stichting Nazorg IJssel", 160_000)
    with in_tenant(tenants["deventer"]):
        loaded = with_sharing_basis(load(deventer_case))
        assert handover.hand_over(loaded, "t", start_date=TODAY).provider == DEFAULT_CARE_DIRECTOR


def test_a_double_submit_makes_one_trajectory_and_one_referral(
    tenants, in_tenant, make_case, worker_client
):
    case = make_case(tenants["olst-wijhe"])
    with in_tenant(tenants["olst-wijhe"]):
        worker = UserFactory()
    client = worker_client(worker)
    client.post(
        f"/cases/{case.id}/consents",
        data={"domain": "housing", "basis": "statutory", "effective_on": TODAY.isoformat()},
    )
    page = client.get(f"/cases/{case.id}?open={ALL_PANELS}").get_data(as_text=True)
    trajectory_url, referral_url = f"/cases/{case.id}/trajectories", f"/cases/{case.id}/referrals"
    forms = {
        trajectory_url: {
            "submission_key": submission_key(page, trajectory_url),
            "start_date": TODAY.isoformat(),
            "cost_euros": "1500",
        },
        referral_url: {
            "submission_key": submission_key(page, referral_url),
            "partner": "supported_housing",
            "domain": "housing",
            "request": "Begeleid wonen",
        },
    }
    for url, data in forms.items():
        first, second = client.post(url, data=data), client.post(url, data=data)
        assert first.status_code == second.status_code == 302, url
        assert first.headers["Location"] == second.headers["Location"]
    with in_tenant(tenants["olst-wijhe"]):
        loaded = load(case)
        assert [t.cost_cents for t in handover.trajectories_of(loaded)] == [150_000]
        assert [r.request for r in handover.referrals_of(loaded)] == ["Begeleid wonen"]
        kinds = [e.kind for e in entries_for(case.id)]
    assert kinds.count("trajectory") == 1 and kinds.count("referral") == 1
    # Every form on a page, and every page, gets a key of its own.
    again = client.get(f"/cases/{case.id}?open={ALL_PANELS}").get_data(as_text=True)
    keys = re.findall(r'name="submission_key" value="([^"]+)"', page + again)
    # one fresh key per create form (task, consent, referral, trajectory, note, person
    # involved, document) per page
    assert len(keys) == len(set(keys)) == 14


def test_two_posts_of_one_form_racing_each_other_make_one_trajectory(tenants, in_tenant, make_case):
    """The other request saves the same form between this one's check and its insert."""
    case = make_case(tenants["lochem"])
    key = uuid.uuid4()
    with in_tenant(tenants["lochem"]):
        mine = with_sharing_basis(load(case))
        db.session.commit()
        assert actions.saved_submission(Trajectory, key) is None
        with in_tenant(tenants["lochem"]):  # another request, its own session
            handover.hand_over(load(case), "Ander", start_date=TODAY, submission_key=key)
            db.session.commit()
        row, created = actions.create_once(
            Trajectory,
            key,
            lambda: Trajectory(
                case_id=mine.id,
                provider=DEFAULT_CARE_DIRECTOR,
                cost_cents=150_000,
                start_date=TODAY,
                status="active",
                handed_over_by="Ik",
                submission_key=key,
            ),
        )
        assert not created and row.handed_over_by == "Ander"
        db.session.commit()
    with in_tenant(tenants["lochem"]):
        assert len(handover.trajectories_of(load(case))) == 1


def test_a_second_trajectory_and_a_target_group_need_a_reason(
    tenants, in_tenant, make_case, worker_client
):
    case = make_case(tenants["lochem"], prolific_offender=True)
    with in_tenant(tenants["lochem"]):
        worker = UserFactory()
    client = worker_client(worker)
    client.post(
        f"/cases/{case.id}/consents",
        data={"domain": "housing", "basis": "consent_given", "effective_on": TODAY.isoformat()},
    )
    page = client.get(f"/cases/{case.id}?open=trajectories").get_data(as_text=True)
    assert 'data-testid="target-group-warning"' in page and "veelplegers" in page
    data = {"start_date": TODAY.isoformat(), "cost_euros": ""}
    refused = client.post(f"/cases/{case.id}/trajectories", data=data)
    assert refused.status_code == 422
    assert "buiten het budget van de zorgregisseur" in refused.get_data(as_text=True)
    reason = {**data, "reason": "Geen eigen aanpak beschikbaar in Lochem"}
    assert client.post(f"/cases/{case.id}/trajectories", data=reason).status_code == 302
    assert client.post(f"/cases/{case.id}/trajectories", data=data).status_code == 422
    again = {**data, "reason": "Eerste traject loopt af, tweede sluit aan"}
    assert client.post(f"/cases/{case.id}/trajectories", data=again).status_code == 302
    with in_tenant(tenants["lochem"]):
        assert len(handover.trajectories_of(load(case))) == 2
        events = [e for e in entries_for(case.id) if e.kind == "trajectory"]
        assert {e.detail["reason"] for e in events} == {reason["reason"], again["reason"]}


def _dutch(message) -> str:
    with force_locale("nl"):
        return str(message)


def test_the_service_itself_guards_every_hand_over(tenants, in_tenant, make_case):
    """Not only the form: ``hand_over`` refuses without a sharing basis, a second active
    trajectory without a reason, and a benefit recipient without a reason, in Dutch."""
    plain = make_case(tenants["raalte"])
    recipient = make_case(tenants["raalte"], benefit_recipient=True)
    with in_tenant(tenants["raalte"]):
        case = load(plain)
        with pytest.raises(CaseError) as refused:
            handover.hand_over(case, "t", start_date=TODAY)
        assert "Geen enkel leefgebied mag met de zorgregisseur" in _dutch(refused.value.message)
        handover.record_basis(case, "t", domain="care", basis="consent_given", effective_on=TODAY)
        first = handover.hand_over(case, "t", start_date=TODAY)
        with pytest.raises(CaseError) as refused:
            handover.hand_over(case, "t", start_date=TODAY, reason="  ")
        assert refused.value.field == "reason"
        assert "al een actief traject" in _dutch(refused.value.message)
        second = handover.hand_over(case, "t", start_date=TODAY, reason="Aansluitend traject")
        assert first.id != second.id
        events = [e for e in entries_for(case.id) if e.kind == "trajectory"]
        assert [e.detail["shared_domains"] for e in events] == [["care"], ["care"]]

        other = with_sharing_basis(load(recipient))
        with pytest.raises(CaseError) as refused:
            handover.hand_over(other, "t", start_date=TODAY)
        assert "buiten het budget van de zorgregisseur" in _dutch(refused.value.message)
        handover.hand_over(other, "t", start_date=TODAY, reason="Geen eigen aanpak")
        db.session.commit()
    with in_tenant(tenants["raalte"]):
        assert len(handover.trajectories_of(load(plain))) == 2
        assert len(handover.trajectories_of(load(recipient))) == 1
