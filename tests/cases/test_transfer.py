"""Transfer between municipalities: the case moves with its history; the sender loses access."""

from __future__ import annotations

import logging
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from app.audit.models import AccessLogEntry
from app.cases import notes
from app.cases.consent import Recipient, may_share_with
from app.cases.errors import CaseError
from app.cases.handover import services as handover
from app.cases.models import Case, Client
from app.cases.plan.models import Task
from app.cases.timeline import entries_for
from app.extensions import db
from tests.factories import UserFactory


def offered_id(in_tenant, receiver, case_id):
    """The receiver's incoming row of the offer of ``case_id``."""
    from app.cases.transfer_offers import IncomingTransfer

    with in_tenant(receiver):
        return db.session.scalars(
            select(IncomingTransfer.id).where(IncomingTransfer.case_id == case_id)
        ).one()


def test_after_a_transfer_zutphen_gets_404_and_deventer_sees_the_full_history(
    tenants, in_tenant, make_case, worker_client, caplog
):
    case = make_case(
        tenants["zutphen"], plan=True, client={"given_name": "Ricardo", "family_name": "Wolters"}
    )
    with in_tenant(tenants["zutphen"]):
        zutphen_worker = UserFactory(display_name="Casemanager Zutphen")
        loaded = db.session.get(Case, (case.tenant_id, case.id))
        notes.add_note(loaded, zutphen_worker, "Woont sinds kort bij zijn zus in Deventer")
        handover.record_basis(
            loaded, zutphen_worker, domain="care", basis="statutory", effective_on=date.today()
        )
        db.session.commit()
        history_before = len(entries_for(case.id))
    with in_tenant(tenants["deventer"]):
        deventer_worker = UserFactory(display_name="Casemanager Deventer")
    zutphen = worker_client(zutphen_worker)
    deventer = worker_client(deventer_worker)
    assert zutphen.get(f"/cases/{case.id}").status_code == 200
    assert deventer.get(f"/cases/{case.id}").status_code == 404

    with caplog.at_level(logging.INFO, logger="nazorg.security"):
        offered = zutphen.post(
            f"/cases/{case.id}/transfer",
            data={"target": tenants["deventer"].id, "reason": "Verhuisd", "confirm": "1"},
        )
        assert offered.status_code == 302
        assert zutphen.get(f"/cases/{case.id}").status_code == 200  # until the answer
        assert deventer.get(f"/cases/{case.id}").status_code == 404
        response = deventer.post(
            f"/cases/transfers/incoming/{offered_id(in_tenant, tenants['deventer'], case.id)}"
            "/accept",
            data={"case_worker_id": str(deventer_worker.id)},
        )
    assert response.status_code == 302
    assert any(r.getMessage() == "case transferred" for r in caplog.records)

    assert zutphen.get(f"/cases/{case.id}").status_code == 404
    page = deventer.get(f"/cases/{case.id}?open=timeline")
    body = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Ricardo Wolters" in body and "Overgedragen door Zutphen" in body
    assert "Woont sinds kort bij zijn zus in Deventer" in body  # the notes came along
    assert "Overgedragen van Zutphen naar Deventer" in body  # the timeline shows it
    assert "Plan gemaakt met" in body  # and the history from before
    with in_tenant(tenants["deventer"]):
        moved = entries_for(case.id)
        # the history, the offer (from the sender), the arrival, the municipality of
        # responsibility following the case, and the acceptance here
        assert len(moved) == history_before + 4
        assert {"transfer_offered", "transfer_in", "responsible_set", "transfer_accepted"} <= {
            e.kind for e in moved
        }
        assert may_share_with(case.id, "care", Recipient.PARTNER)
    with in_tenant(tenants["zutphen"]):
        assert db.session.scalar(select(func.count()).select_from(Case)) == 0
        assert db.session.scalar(select(func.count()).select_from(Client)) == 0
        kinds = {e.kind: e for e in entries_for(case.id)}
        assert set(kinds) == {"transfer_out", "transfer_accepted"}  # the tombstones
        assert kinds["transfer_out"].detail["target"] == "Deventer"
    # The case list links to the transferred cases but no longer names them on every view;
    # their page does, and its opening is in the access log.
    listing = zutphen.get("/cases/").get_data(as_text=True)
    assert 'data-testid="outgoing-transfers-link"' in listing and "Ricardo" not in listing
    gone = zutphen.get("/cases/transfers/outgoing").get_data(as_text=True)
    assert "Ricardo Wolters" in gone and "Deventer" in gone and "Verhuisd" in gone
    with in_tenant(tenants["zutphen"]):
        assert db.session.scalars(
            select(AccessLogEntry.detail)
            .where(AccessLogEntry.object_type == "case_list")
            .order_by(AccessLogEntry.occurred_at)
        ).all()[-1:] == ["1 outgoing transfers"]


def test_a_known_client_in_the_receiving_municipality_is_not_duplicated(
    tenants, in_tenant, make_case
):
    moving = make_case(tenants["lochem"])
    earlier = make_case(
        tenants["raalte"],
        client={"bsn": moving.client.bsn},
        detention_start=date.today() - timedelta(days=900),
        expected_release=date.today() - timedelta(days=700),
    )
    from app.cases.transfer import transfer_case

    with in_tenant(tenants["lochem"]):
        transfer_case(
            db.session.get(Case, (moving.tenant_id, moving.id)), tenants["raalte"].id, "test"
        )
    with in_tenant(tenants["raalte"]):
        assert db.session.scalar(select(func.count()).select_from(Client)) == 1
        arrived = db.session.get(Case, (tenants["raalte"].id, moving.id))
        assert arrived.client_id == earlier.client_id
        assert arrived.previous_case_id == earlier.id
        assert arrived.transferred_from == "Lochem"


def test_a_transfer_that_would_open_the_same_detention_twice_in_the_receiver_is_refused(
    tenants, in_tenant, make_case
):
    moving = make_case(tenants["lochem"])
    make_case(
        tenants["raalte"],
        client={"bsn": moving.client.bsn},
        detention_start=moving.detention_start,
    )
    from app.cases.transfer import transfer_case

    with in_tenant(tenants["lochem"]):
        with pytest.raises(CaseError):
            transfer_case(
                db.session.get(Case, (moving.tenant_id, moving.id)), tenants["raalte"].id, "test"
            )
        assert db.session.get(Case, (moving.tenant_id, moving.id)) is not None
    with in_tenant(tenants["raalte"]):
        assert db.session.scalar(select(func.count()).select_from(Case)) == 1


def test_a_transfer_to_the_own_municipality_is_refused(
    tenants, in_tenant, make_case, worker_client
):
    case = make_case(tenants["lochem"])
    with in_tenant(tenants["lochem"]):
        worker = UserFactory()
    response = worker_client(worker).post(
        f"/cases/{case.id}/transfer",
        data={"target": tenants["lochem"].id, "reason": "Verhuisd", "confirm": "1"},
    )
    assert response.status_code == 422
    assert worker_client(worker).get(f"/cases/{case.id}").status_code == 200


def test_a_transfer_that_failed_half_way_finishes_when_run_again_without_duplicates(
    tenants, in_tenant, make_case, monkeypatch
):
    from app.cases import transfer

    case = make_case(tenants["zutphen"], plan=True)
    real_remove = transfer._remove_from_sender

    def fail_once(*args, **kwargs):
        monkeypatch.setattr(transfer, "_remove_from_sender", real_remove)
        raise RuntimeError("connection lost")

    monkeypatch.setattr(transfer, "_remove_from_sender", fail_once)
    with in_tenant(tenants["zutphen"]):
        loaded = db.session.get(Case, (case.tenant_id, case.id))
        with pytest.raises(RuntimeError):
            transfer.transfer_case(loaded, tenants["deventer"].id, "test")
    with in_tenant(tenants["deventer"]):
        copied = len(entries_for(case.id))
        tasks_copied = db.session.scalar(select(func.count()).select_from(Task))
    with in_tenant(tenants["zutphen"]):
        assert db.session.scalar(select(func.count()).select_from(Case)) == 1  # half done

        loaded = db.session.get(Case, (case.tenant_id, case.id))
        transfer.transfer_case(loaded, tenants["deventer"].id, "test")
        assert db.session.scalar(select(func.count()).select_from(Case)) == 0
    with in_tenant(tenants["deventer"]):
        assert db.session.scalar(select(func.count()).select_from(Case)) == 1
        assert db.session.scalar(select(func.count()).select_from(Client)) == 1
        assert db.session.scalar(select(func.count()).select_from(Task)) == tasks_copied > 0
        assert len(entries_for(case.id)) == copied
