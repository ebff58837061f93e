from __future__ import annotations

import pytest
from sqlalchemy import select

from app.cases import phases
from app.cases.errors import InvalidTransition
from app.cases.models import Case, CasePhase, PhaseChange
from app.extensions import db


def test_the_machine_moves_forward_and_writes_a_history_row(tenants, in_tenant, make_case):
    case = make_case(tenants["lochem"])
    with in_tenant(tenants["lochem"]):
        case = db.session.get(Case, (case.tenant_id, case.id))
        phases.change_phase(case, CasePhase.IN_DETENTION, "tester")
        phases.change_phase(case, CasePhase.RELEASE_PREPARATION, "tester")
        db.session.commit()
        rows = db.session.scalars(
            select(PhaseChange)
            .where(PhaseChange.case_id == case.id)
            .order_by(PhaseChange.changed_at)
        ).all()
    assert [(r.from_phase, r.to_phase) for r in rows] == [
        (None, "registered"),
        ("registered", "in_detention"),
        ("in_detention", "release_preparation"),
    ]
    assert rows[-1].actor_name == "tester"


def test_closing_needs_a_reason_and_only_a_closed_case_reopens(tenants, in_tenant, make_case):
    case = make_case(tenants["raalte"])
    with in_tenant(tenants["raalte"]):
        case = db.session.get(Case, (case.tenant_id, case.id))
        with pytest.raises(InvalidTransition):
            phases.change_phase(case, CasePhase.REOPENED, "t")
        with pytest.raises(InvalidTransition):
            phases.change_phase(case, CasePhase.CLOSED, "t", reason="  ")
        phases.change_phase(case, CasePhase.CLOSED, "t", reason="Verhuisd naar het buitenland")
        assert case.closed_reason == "Verhuisd naar het buitenland"
        with pytest.raises(InvalidTransition):
            phases.change_phase(case, CasePhase.AFTER_RELEASE, "t")
        phases.change_phase(case, CasePhase.REOPENED, "t")
        assert case.closed_reason is None


@pytest.mark.parametrize("phase", list(CasePhase))
def test_every_phase_has_a_way_on(phase):
    assert phases.TRANSITIONS[phase], phase


def test_phase_change_through_the_page(tenants, in_tenant, make_case, worker_client):
    from tests.factories import UserFactory

    case = make_case(tenants["zutphen"])
    with in_tenant(tenants["zutphen"]):
        worker = UserFactory()
    client = worker_client(worker)
    refused = client.post(
        f"/cases/{case.id}/phase", data={"phase": "closed", "reason": "", "version": case.version}
    )
    assert refused.status_code == 422
    assert "Kies de uitkomst" in refused.get_data(as_text=True)
    other = client.post(
        f"/cases/{case.id}/phase",
        data={"phase": "closed", "outcome": "other", "reason": "", "version": case.version},
    )
    assert other.status_code == 422
    assert "Geef een reden" in other.get_data(as_text=True)
    done = client.post(
        f"/cases/{case.id}/phase",
        data={"phase": "closed", "outcome": "deceased", "reason": "", "version": case.version},
    )
    assert done.status_code == 302
    page = client.get(f"/cases/{case.id}?open=timeline").get_data(as_text=True)
    assert "Afgesloten" in page and "Overleden" in page
    with in_tenant(tenants["zutphen"]):
        assert db.session.get(Case, (case.tenant_id, case.id)).close_outcome == "deceased"


def _two_detentions_of_one_client(in_tenant, tenant, make_case):
    """An open case and a closed one of the same client, the closed one a later detention."""
    from datetime import timedelta

    from app.cases.services import open_case

    first = make_case(tenant)
    with in_tenant(tenant):
        client = db.session.get(Case, (first.tenant_id, first.id)).client
        second = open_case(
            client,
            actor="t",
            detention_start=first.detention_start + timedelta(days=5),
            expected_release=first.expected_release,
        )
        phases.change_phase(second, CasePhase.CLOSED, "t", "Dubbel ingevoerd")
        db.session.commit()
        return first, second.id


def test_reopening_a_case_whose_detention_is_open_in_another_is_refused_in_words(
    tenants, in_tenant, make_case, worker_client
):
    from tests.factories import UserFactory

    zutphen = tenants["zutphen"]
    first, closed_id = _two_detentions_of_one_client(in_tenant, zutphen, make_case)
    with in_tenant(zutphen):
        closed = db.session.get(Case, (zutphen.id, closed_id))
        # the open case moves onto the closed one's detention: reopening would make two
        first_row = db.session.get(Case, (zutphen.id, first.id))
        first_row.detention_start = closed.detention_start
        db.session.commit()
        version = closed.version
        worker = UserFactory()
    response = worker_client(worker).post(
        f"/cases/{closed_id}/phase", data={"phase": "reopened", "reason": "", "version": version}
    )
    assert response.status_code == 422
    assert "al een open dossier voor deze detentie" in response.get_data(as_text=True)
    with in_tenant(zutphen):
        assert db.session.get(Case, (zutphen.id, closed_id)).phase == CasePhase.CLOSED.value


def test_moving_the_start_of_detention_onto_another_open_case_is_refused_in_words(
    tenants, in_tenant, make_case, worker_client
):
    from tests.factories import UserFactory

    zutphen = tenants["zutphen"]
    first, other_id = _two_detentions_of_one_client(in_tenant, zutphen, make_case)
    with in_tenant(zutphen):
        other = db.session.get(Case, (zutphen.id, other_id))
        phases.change_phase(other, CasePhase.REOPENED, "t")
        db.session.commit()
        other_start, version = other.detention_start, first.version
        client_version = other.client.version
        worker = UserFactory()
    response = worker_client(worker).post(
        f"/cases/{first.id}/details",
        data={
            "version": version,
            "client_version": client_version,
            "facility": first.facility,
            "detention_start": other_start.isoformat(),
            "expected_release": first.expected_release.isoformat(),
        },
    )
    assert response.status_code == 422
    assert "al een open dossier voor deze detentie" in response.get_data(as_text=True)
    with in_tenant(zutphen):
        assert db.session.get(Case, (zutphen.id, first.id)).detention_start == first.detention_start
