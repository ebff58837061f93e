"""Transfers that are accepted: offered with a reason and a confirmation, answered by the
receiving municipality (accept with a case worker there, or decline with a reason).

Each test walks the exchange through the portal's routes, as the two municipalities'
users do; the must-hold lines of issue 16 point 4 are the test names.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func, select

from app.auth.models import SecurityEvent
from app.cases import notes
from app.cases.handover import services as handover
from app.cases.handover.models import Trajectory
from app.cases.models import Case, Client
from app.cases.timeline import entries_for
from app.cases.transfer import CaseTransfer
from app.cases.transfer_offers import IncomingTransfer
from app.core.permissions import Role
from app.extensions import db
from app.notifications.models import Notification
from app.regional import budget
from tests.factories import UserFactory, with_sharing_basis


def offer(client, case_id, target, **data):
    body = {"target": target.id, "reason": "Gaat bij zijn zus in Deventer wonen", "confirm": "1"}
    return client.post(f"/cases/{case_id}/transfer", data=body | data)


def incoming_of(in_tenant, receiver, case_id) -> IncomingTransfer:
    with in_tenant(receiver):
        row = db.session.scalars(
            select(IncomingTransfer).where(IncomingTransfer.case_id == case_id)
        ).one()
        db.session.expunge(row)
        return row


def events(in_tenant, tenant, prefix="case_transfer") -> list[str]:
    with in_tenant(tenant):
        return sorted(
            db.session.scalars(
                select(SecurityEvent.event).where(SecurityEvent.event.startswith(prefix))
            )
        )


def test_a_transfer_needs_a_reason_and_a_confirmation(tenants, in_tenant, make_case, worker_client):
    zutphen, deventer = tenants["zutphen"], tenants["deventer"]
    case = make_case(zutphen)
    with in_tenant(zutphen):
        sender = worker_client(UserFactory())

    no_reason = offer(sender, case.id, deventer, reason="")
    no_confirmation = offer(sender, case.id, deventer, confirm="")

    assert no_reason.status_code == 422
    assert "Geef de reden van de overdracht." in no_reason.get_data(as_text=True)
    assert no_confirmation.status_code == 422
    assert "Bevestig dat de zaak aan Deventer wordt aangeboden." in no_confirmation.get_data(
        as_text=True
    )
    with in_tenant(zutphen):
        assert db.session.scalar(select(func.count()).select_from(CaseTransfer)) == 0
    with in_tenant(deventer):
        assert db.session.scalar(select(func.count()).select_from(IncomingTransfer)) == 0


def test_the_receivers_notice_arrives_and_it_sees_only_what_the_transfer_offers(
    tenants, in_tenant, make_case, worker_client, sign_in
):
    zutphen, deventer = tenants["zutphen"], tenants["deventer"]
    case = make_case(zutphen, client={"given_name": "Ricardo", "family_name": "Wolters"})
    with in_tenant(zutphen):
        zutphen_worker = UserFactory()
        notes.add_note(
            db.session.get(Case, (zutphen.id, case.id)), zutphen_worker, "Geheime notitie"
        )
        db.session.commit()
    with in_tenant(deventer):
        admin = UserFactory(role=Role.TENANT_ADMIN.value)
        receiver = UserFactory()
        UserFactory(role=Role.PRIVACY_OFFICER.value)  # not the team: no notice

    assert offer(worker_client(zutphen_worker), case.id, deventer).status_code == 302

    with in_tenant(deventer):
        notices = db.session.scalars(select(Notification)).all()
        assert {(n.user_id, n.kind) for n in notices} == {
            (admin.id, "transfer_offered"),
            (receiver.id, "transfer_offered"),
        }
        assert all("Ricardo" not in n.body_text for n in notices)  # no names in a notice
    incoming = incoming_of(in_tenant, deventer, case.id)
    receiving = worker_client(receiver)
    assert receiving.get(f"/cases/{case.id}").status_code == 404  # not the file
    listing = receiving.get("/cases/transfers/incoming").get_data(as_text=True)
    assert "Ricardo Wolters" in listing and "Zutphen" in listing
    page = receiving.get(f"/cases/transfers/incoming/{incoming.id}")
    body = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Ricardo Wolters" in body and "Gaat bij zijn zus in Deventer wonen" in body
    assert "Geheime notitie" not in body and case.client.bsn not in body
    assert sign_in(admin).get(f"/cases/transfers/incoming/{incoming.id}").status_code == 200
    # the sender keeps the case, readable, with the offer on it
    sender_page = worker_client(zutphen_worker).get(f"/cases/{case.id}?open=transfer")
    assert sender_page.status_code == 200
    assert "wacht op antwoord" in sender_page.get_data(as_text=True)
    # another municipality's offer is 404
    with in_tenant(tenants["lochem"]):
        stranger = UserFactory()
    assert (
        worker_client(stranger).get(f"/cases/transfers/incoming/{incoming.id}").status_code == 404
    )


def test_declining_returns_the_case_unchanged_with_the_reason(
    tenants, in_tenant, make_case, worker_client
):
    zutphen, deventer = tenants["zutphen"], tenants["deventer"]
    case = make_case(zutphen, plan=True)
    with in_tenant(zutphen):
        sender_user = UserFactory()
        loaded = db.session.get(Case, (zutphen.id, case.id))
        loaded.case_worker_id = sender_user.id
        db.session.commit()
        before = (loaded.version, loaded.phase, loaded.client.version)
    with in_tenant(deventer):
        receiver = UserFactory(display_name="Daan Deventer")
    sender = worker_client(sender_user)
    assert offer(sender, case.id, deventer).status_code == 302
    incoming = incoming_of(in_tenant, deventer, case.id)
    receiving = worker_client(receiver)

    without_reason = receiving.post(
        f"/cases/transfers/incoming/{incoming.id}/decline", data={"reason": ""}
    )
    assert without_reason.status_code == 422
    declined = receiving.post(
        f"/cases/transfers/incoming/{incoming.id}/decline",
        data={"reason": "Hij staat hier niet ingeschreven"},
    )
    assert declined.status_code == 302

    with in_tenant(zutphen):
        kept = db.session.get(Case, (zutphen.id, case.id))
        assert (kept.version, kept.phase, kept.client.version) == before
        (row,) = db.session.scalars(select(CaseTransfer)).all()
        assert (row.state, row.decline_reason) == ("declined", "Hij staat hier niet ingeschreven")
        kinds = [e.kind for e in entries_for(case.id)]
        assert "transfer_offered" in kinds and "transfer_declined" in kinds
        (notice,) = db.session.scalars(select(Notification)).all()
        assert (notice.user_id, notice.kind) == (sender_user.id, "transfer_declined")
    with in_tenant(deventer):
        assert db.session.scalar(select(func.count()).select_from(Case)) == 0
        assert db.session.scalar(select(func.count()).select_from(Client)) == 0
        kept_here = db.session.get(IncomingTransfer, (deventer.id, incoming.id))
        assert kept_here.state == "declined" and kept_here.offer_summary is None  # no names kept
        assert [e.kind for e in entries_for(case.id)] == ["transfer_declined"]
    page = sender.get(f"/cases/{case.id}?open=transfer").get_data(as_text=True)
    assert "is geweigerd: Hij staat hier niet ingeschreven" in page
    # the case may be offered again (to another municipality, too)
    assert offer(sender, case.id, tenants["lochem"]).status_code == 302
    assert events(in_tenant, zutphen) == [
        "case_transfer_declined",
        "case_transfer_offered",
        "case_transfer_offered",
    ]
    assert events(in_tenant, deventer) == ["case_transfer_declined", "case_transfer_received"]


def test_accepting_assigns_a_case_worker_and_the_responsible_municipality_follows(
    tenants, in_tenant, make_case, worker_client
):
    zutphen, deventer = tenants["zutphen"], tenants["deventer"]
    case = make_case(zutphen, plan=True)
    with in_tenant(zutphen):
        sender = worker_client(UserFactory())
    with in_tenant(deventer):
        receiver = UserFactory()
        chosen = UserFactory(display_name="Eva Casemanager")
        admin = UserFactory(role=Role.TENANT_ADMIN.value)
    assert offer(sender, case.id, deventer).status_code == 302
    incoming = incoming_of(in_tenant, deventer, case.id)

    # a tenant admin cannot be the case worker; nor can a user of another municipality
    refused = worker_client(receiver).post(
        f"/cases/transfers/incoming/{incoming.id}/accept", data={"case_worker_id": str(admin.id)}
    )
    assert refused.status_code == 422
    accepted = worker_client(receiver).post(
        f"/cases/transfers/incoming/{incoming.id}/accept", data={"case_worker_id": str(chosen.id)}
    )

    assert accepted.status_code == 302
    assert accepted.headers["Location"].endswith(f"/cases/{case.id}")
    with in_tenant(deventer):
        arrived = db.session.get(Case, (deventer.id, case.id))
        assert arrived.case_worker_id == chosen.id
        assert arrived.client.responsible_tenant == "deventer"
        assert arrived.client.responsible_confirmed_by == receiver.display_name
        assert db.session.get(IncomingTransfer, (deventer.id, incoming.id)).state == "accepted"
        kinds = [e.kind for e in entries_for(case.id)]
        assert {"transfer_offered", "transfer_in", "transfer_accepted"} <= set(kinds)
    with in_tenant(zutphen):
        assert db.session.get(Case, (zutphen.id, case.id)) is None
        assert {e.kind for e in entries_for(case.id)} == {"transfer_out", "transfer_accepted"}
        (row,) = db.session.scalars(select(CaseTransfer)).all()
        assert row.state == "done" and row.decided_by.endswith("(Deventer)")
    # the whole exchange in both security logs
    assert events(in_tenant, zutphen) == [
        "case_transfer_accepted",
        "case_transfer_offered",
        "case_transferred",  # the move itself, as before
    ]
    assert events(in_tenant, deventer) == ["case_transfer_accepted", "case_transfer_received"]


def test_trajectories_stay_with_the_sender_and_the_receiver_sees_that_they_exist(
    tenants, in_tenant, make_case, worker_client
):
    zutphen, deventer = tenants["zutphen"], tenants["deventer"]
    case = make_case(zutphen, plan=True)
    with in_tenant(zutphen):
        sender_user = UserFactory()
        trajectory = handover.hand_over(
            with_sharing_basis(db.session.get(Case, (zutphen.id, case.id))),
            sender_user,
            start_date=date.today(),
            provider="Regizorg BV",
        )
        db.session.commit()
        trajectory_id = trajectory.id
        assert budget.commitment_of(trajectory_id) is not None
    with in_tenant(deventer):
        receiver = UserFactory()
    assert offer(worker_client(sender_user), case.id, deventer).status_code == 302
    incoming = incoming_of(in_tenant, deventer, case.id)
    offered = worker_client(receiver).get(f"/cases/transfers/incoming/{incoming.id}")
    assert "Trajecten die bij Zutphen blijven" in offered.get_data(as_text=True)

    worker_client(receiver).post(
        f"/cases/transfers/incoming/{incoming.id}/accept",
        data={"case_worker_id": str(receiver.id)},
    )

    with in_tenant(zutphen):
        stayed = db.session.get(Trajectory, (zutphen.id, trajectory_id))
        assert stayed is not None and stayed.case_id == case.id
        assert budget.commitment_of(trajectory_id) is not None  # its money stays too
    with in_tenant(deventer):
        assert db.session.get(Case, (deventer.id, case.id)) is not None
        assert db.session.scalar(select(func.count()).select_from(Trajectory)) == 0
    page = worker_client(receiver).get(f"/cases/{case.id}?open=trajectories").get_data(as_text=True)
    assert "Trajecten die bij Zutphen blijven" in page and "Regizorg BV" in page


def test_an_accept_the_move_refuses_leaves_the_offer_waiting(
    tenants, in_tenant, make_case, worker_client
):
    zutphen, deventer = tenants["zutphen"], tenants["deventer"]
    case = make_case(zutphen)
    with in_tenant(zutphen):
        sender = worker_client(UserFactory())
    with in_tenant(deventer):
        receiver = UserFactory()
    assert offer(sender, case.id, deventer).status_code == 302
    incoming = incoming_of(in_tenant, deventer, case.id)
    # meanwhile the receiver opened a case of its own for the same detention
    make_case(deventer, client={"bsn": case.client.bsn}, detention_start=case.detention_start)

    refused = worker_client(receiver).post(
        f"/cases/transfers/incoming/{incoming.id}/accept",
        data={"case_worker_id": str(receiver.id)},
    )

    assert refused.status_code == 422
    assert "heeft al een open dossier" in refused.get_data(as_text=True)
    with in_tenant(deventer):
        again = db.session.get(IncomingTransfer, (deventer.id, incoming.id))
        assert (again.state, again.case_worker_id) == ("offered", None)
    with in_tenant(zutphen):
        assert db.session.get(Case, (zutphen.id, case.id)) is not None


def test_the_accepting_case_worker_is_warned_at_once_of_a_near_release(
    app, tenants, in_tenant, make_case, worker_client, monkeypatch
):
    """Issue 11 point 5: a transfer accepted inside the six-week window warns the chosen
    case worker when it is accepted, not the next morning."""
    monkeypatch.setitem(app.config, "REDIS_URL", None)  # jobs inline after their commit
    monkeypatch.setattr("app.notifications.services.enqueue", lambda *_a, **_k: None)
    zutphen, deventer = tenants["zutphen"], tenants["deventer"]
    release = date.today() + timedelta(days=20)
    case = make_case(zutphen, plan=True, expected_release=release)
    with in_tenant(zutphen):
        sender = worker_client(UserFactory())
    with in_tenant(deventer):
        receiver = UserFactory()
        chosen = UserFactory(display_name="Eva Casemanager")
    assert offer(sender, case.id, deventer).status_code == 302
    incoming = incoming_of(in_tenant, deventer, case.id)
    accepted = worker_client(receiver).post(
        f"/cases/transfers/incoming/{incoming.id}/accept", data={"case_worker_id": str(chosen.id)}
    )
    assert accepted.status_code == 302
    with in_tenant(deventer):
        keys = db.session.scalars(
            select(Notification.dedupe_key).where(
                Notification.user_id == chosen.id, Notification.kind == "release_six_weeks"
            )
        ).all()
        assert keys == [f"release:{case.id}:six_weeks:{release.isoformat()}:{chosen.id}"]
