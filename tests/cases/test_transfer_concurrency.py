"""Concurrent and repeated transfers of one case: it ends in exactly one municipality.

An offer locks its case (``SELECT ... FOR UPDATE`` on the sender's row) and is one
state machine (``case_transfers``: offered, started, copied, done): a second offer to
another municipality is refused with 409, one to the same municipality gets the first
one's result. Accepting claims the receiver's row with one conditional update: two
receivers at once, one wins. The threaded tests run real concurrent requests on PostgreSQL
(SQLite has no row locks and allows one writer).
"""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from sqlalchemy import func, select

from app.cases import transfer
from app.cases.models import Case
from app.cases.timeline import EventKind, TimelineEntry
from app.cases.transfer_offers import IncomingTransfer
from app.extensions import db
from app.notifications.models import Notification
from tests.factories import UserFactory


def at_once(calls: list[Callable]) -> list:
    """Run ``calls`` in threads released together; their results in order."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)
    failures: list[BaseException] = []

    def run(index: int, call: Callable) -> None:
        barrier.wait()
        try:
            results[index] = call()
        except BaseException as error:  # noqa: BLE001 - reported to the test below
            failures.append(error)

    threads = [threading.Thread(target=run, args=pair) for pair in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a transfer hung"
    assert failures == []
    return results


def cases_in(in_tenant, tenant) -> int:
    with in_tenant(tenant):
        return db.session.scalar(select(func.count()).select_from(Case))


def incoming_in(in_tenant, tenant) -> list:
    with in_tenant(tenant):
        return list(db.session.scalars(select(IncomingTransfer)))


def post_transfer(client, case_id, target) -> Callable:
    return lambda: client.post(
        f"/cases/{case_id}/transfer",
        data={"target": target.id, "reason": "Verhuisd", "confirm": "1"},
    )


def post_accept(client, incoming_id, worker) -> Callable:
    return lambda: client.post(
        f"/cases/transfers/incoming/{incoming_id}/accept",
        data={"case_worker_id": str(worker.id)},
    )


@pytest.mark.postgres
def test_two_offers_to_different_municipalities_at_once_make_exactly_one(
    tenants, in_tenant, make_case, worker_client
):
    deventer, lochem, zutphen = tenants["deventer"], tenants["lochem"], tenants["zutphen"]
    for _round in range(3):  # a few rounds: the order the two meet in differs
        case = make_case(deventer, plan=True)
        with in_tenant(deventer):
            anna, bert = UserFactory(display_name="Anna"), UserFactory(display_name="Bert")
        before = (len(incoming_in(in_tenant, lochem)), len(incoming_in(in_tenant, zutphen)))
        responses = at_once(
            [
                post_transfer(worker_client(anna), case.id, lochem),
                post_transfer(worker_client(bert), case.id, zutphen),
            ]
        )

        assert sorted(r.status_code for r in responses) == [302, 409]
        refused = next(r for r in responses if r.status_code == 409)
        assert "Deze zaak is aangeboden aan" in refused.get_data(as_text=True)
        after = (len(incoming_in(in_tenant, lochem)), len(incoming_in(in_tenant, zutphen)))
        assert sum(after) - sum(before) == 1
        with in_tenant(deventer):
            assert db.session.get(Case, (deventer.id, case.id)) is not None  # still here
            states = db.session.scalars(
                select(transfer.CaseTransfer.state).where(
                    transfer.CaseTransfer.transferred_case_id == case.id
                )
            ).all()
            assert states == ["offered"]


@pytest.mark.postgres
def test_ten_double_clicks_to_one_municipality_make_one_offer_and_no_error(
    tenants, in_tenant, make_case, worker_client
):
    raalte, lochem = tenants["raalte"], tenants["lochem"]
    case = make_case(raalte, plan=True)
    with in_tenant(raalte):
        worker = UserFactory()
    with in_tenant(lochem):
        receiver = UserFactory()
    clients = [worker_client(worker) for _ in range(10)]

    responses = at_once([post_transfer(client, case.id, lochem) for client in clients])

    assert [r.status_code for r in responses] == [302] * 10  # each gets the one result
    assert cases_in(in_tenant, raalte) == 1  # offered, not moved
    (incoming,) = incoming_in(in_tenant, lochem)
    with in_tenant(raalte):
        assert len(db.session.scalars(select(transfer.CaseTransfer)).all()) == 1
    with in_tenant(lochem):
        notices = db.session.scalars(
            select(Notification).where(Notification.user_id == receiver.id)
        ).all()
        assert [n.kind for n in notices] == ["transfer_offered"]


@pytest.mark.postgres
def test_two_receivers_accepting_at_once_one_wins(tenants, in_tenant, make_case, worker_client):
    zutphen, lochem = tenants["zutphen"], tenants["lochem"]
    for _round in range(3):
        case = make_case(zutphen, plan=True)
        with in_tenant(zutphen):
            sender = worker_client(UserFactory())
        with in_tenant(lochem):
            carla, dirk = UserFactory(display_name="Carla"), UserFactory(display_name="Dirk")
        assert post_transfer(sender, case.id, lochem)().status_code == 302
        with in_tenant(lochem):
            incoming_id = db.session.scalars(
                select(IncomingTransfer.id).where(IncomingTransfer.case_id == case.id)
            ).one()

        responses = at_once(
            [
                post_accept(worker_client(carla), incoming_id, carla),
                post_accept(worker_client(dirk), incoming_id, dirk),
            ]
        )

        assert sorted(r.status_code for r in responses) == [302, 409]
        winner = carla if responses[0].status_code == 302 else dirk
        refused = next(r for r in responses if r.status_code == 409)
        assert "heeft deze overdracht al aangenomen" in refused.get_data(as_text=True)
        with in_tenant(lochem):
            arrived = db.session.get(Case, (lochem.id, case.id))
            assert arrived.case_worker_id == winner.id
            arrivals = db.session.scalars(
                select(TimelineEntry).where(
                    TimelineEntry.case_id == case.id,
                    TimelineEntry.kind == EventKind.TRANSFER_IN.value,
                )
            ).all()
            assert len(arrivals) == 1
        with in_tenant(zutphen):
            assert db.session.get(Case, (zutphen.id, case.id)) is None


@pytest.mark.postgres
def test_a_double_click_on_accept_accepts_once(tenants, in_tenant, make_case, worker_client):
    olst, raalte = tenants["olst-wijhe"], tenants["raalte"]
    case = make_case(olst)
    with in_tenant(olst):
        sender = worker_client(UserFactory())
    with in_tenant(raalte):
        erik = UserFactory()
    assert post_transfer(sender, case.id, raalte)().status_code == 302
    (incoming,) = incoming_in(in_tenant, raalte)

    responses = at_once([post_accept(worker_client(erik), incoming.id, erik) for _ in range(4)])

    assert [r.status_code for r in responses] == [302] * 4
    assert (cases_in(in_tenant, olst), cases_in(in_tenant, raalte)) == (0, 1)
    with in_tenant(raalte):
        accepted = db.session.scalars(
            select(TimelineEntry).where(TimelineEntry.kind == EventKind.TRANSFER_ACCEPTED.value)
        ).all()
        assert len(accepted) == 1


def test_a_repeated_request_after_the_transfer_gets_its_result_or_the_refusal(
    tenants, in_tenant, make_case, worker_client
):
    case = make_case(tenants["zutphen"])
    with in_tenant(tenants["zutphen"]):
        worker = worker_client(UserFactory())
    with in_tenant(tenants["lochem"]):
        receiver = UserFactory()
    assert post_transfer(worker, case.id, tenants["lochem"])().status_code == 302
    assert post_transfer(worker, case.id, tenants["lochem"])().status_code == 302  # one offer
    (incoming,) = incoming_in(in_tenant, tenants["lochem"])
    assert post_accept(worker_client(receiver), incoming.id, receiver)().status_code == 302
    assert post_transfer(worker, case.id, tenants["lochem"])().status_code == 302
    other = post_transfer(worker, case.id, tenants["deventer"])()
    assert other.status_code == 409
    assert "Deze zaak is al overgedragen aan Lochem" in other.get_data(as_text=True)
    assert cases_in(in_tenant, tenants["lochem"]) == 1
    assert cases_in(in_tenant, tenants["deventer"]) == 0


def test_an_unfinished_transfer_refuses_another_target_and_is_finished_by_its_own(
    tenants, in_tenant, make_case, worker_client, monkeypatch
):
    olst, lochem, zutphen = tenants["olst-wijhe"], tenants["lochem"], tenants["zutphen"]
    case = make_case(olst, plan=True)
    with in_tenant(olst):
        worker = worker_client(UserFactory())

    def connection_lost(*args, **kwargs):
        raise RuntimeError("connection lost")

    monkeypatch.setattr(transfer, "_remove_from_sender", connection_lost)
    with in_tenant(olst), pytest.raises(RuntimeError):
        transfer.transfer_case(db.session.get(Case, (olst.id, case.id)), lochem.id, "test")
    monkeypatch.undo()
    assert cases_in(in_tenant, lochem) == 1  # copied, not yet removed

    refused = post_transfer(worker, case.id, zutphen)()
    assert refused.status_code == 409
    assert "Een overdracht van deze zaak aan Lochem is begonnen" in refused.get_data(as_text=True)
    assert cases_in(in_tenant, zutphen) == 0

    assert post_transfer(worker, case.id, lochem)().status_code == 302
    assert (cases_in(in_tenant, olst), cases_in(in_tenant, lochem)) == (0, 1)


def test_a_transfer_that_stopped_before_its_copy_may_go_elsewhere(
    tenants, in_tenant, make_case, monkeypatch
):
    deventer, lochem, raalte = tenants["deventer"], tenants["lochem"], tenants["raalte"]
    case = make_case(deventer)

    def receiver_down(*args, **kwargs):
        raise RuntimeError("receiver unreachable")

    monkeypatch.setattr(transfer, "_write_copy", receiver_down)
    with in_tenant(deventer), pytest.raises(RuntimeError):
        transfer.transfer_case(db.session.get(Case, (deventer.id, case.id)), lochem.id, "test")
    monkeypatch.undo()

    with in_tenant(deventer):
        transfer.transfer_case(db.session.get(Case, (deventer.id, case.id)), raalte.id, "test")
        (row,) = db.session.scalars(select(transfer.CaseTransfer)).all()
        assert (row.state, row.target_tenant_id) == ("done", raalte.id)
    assert (cases_in(in_tenant, lochem), cases_in(in_tenant, raalte)) == (0, 1)
