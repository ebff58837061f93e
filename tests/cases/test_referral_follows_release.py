"""A referral whose help starts after the release follows the release (issue 11, point 8).

Moving the expected release, recording the release (early) and correcting it each move
the start of an open debt-help referral, and the file says why; an accepted or rejected
referral, and a referral to a partner whose help starts when sent, are left alone.
"""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.cases import release
from app.cases.handover import services as handover
from app.cases.handover.models import Referral
from app.cases.models import Case
from app.cases.timeline import entries_for
from app.extensions import db
from tests.factories import UserFactory

TODAY = date.today()
DAY = timedelta(days=1)


def load(case) -> Case:
    return db.session.get(Case, (case.tenant_id, case.id))


def refer(case, domain: str, kind: str, *, sent_on: date = TODAY) -> Referral:
    handover.record_basis(case, "t", domain=domain, basis="statutory", effective_on=TODAY)
    referral = handover.refer(case, "t", domain=domain, partner=kind, request=None, today=sent_on)
    db.session.flush()  # its id
    return referral


def moves(case) -> list[dict]:
    return list(move_entries(case).values())


def move_entries(case) -> dict:
    """The file's start-moved entries by their id (a step's own entries are the ids it
    added: the same move can happen twice in a sequence, and entries of one transaction
    share their time)."""
    return {e.id: e.detail for e in entries_for(case.id) if e.kind == "referral_start_moved"}


def test_moving_the_expected_release_moves_an_open_debt_referral_and_says_why(
    tenants, in_tenant, make_case, worker_client
):
    case = make_case(tenants["lochem"], expected_release=TODAY + timedelta(days=30))
    with in_tenant(tenants["lochem"]):
        worker = UserFactory()
        loaded = load(case)
        debt = refer(loaded, "debts", "debt_help")
        care = refer(loaded, "care", "addiction_care")
        assert debt.starts_on == TODAY + timedelta(days=31)
        later = TODAY + timedelta(days=75)
        release.move_expected_release(loaded, later, worker)
        db.session.commit()
        assert debt.starts_on == later + DAY
        assert care.starts_on is None
        (moved,) = moves(case)
        assert moved["cause"] == "release_moved"
        assert (moved["old"], moved["new"]) == (
            str(TODAY + timedelta(days=31)),
            str(later + DAY),
        )
        assert moved["partner_kind"] == "debt_help"
        # Cleared and set again: "after the release" while no date is known.
        release.move_expected_release(loaded, None, worker)
        assert debt.starts_on is None
        release.move_expected_release(loaded, TODAY + timedelta(days=40), worker)
        assert debt.starts_on == TODAY + timedelta(days=41)
        db.session.commit()
    page = (
        worker_client(worker)
        .get(f"/cases/{case.id}?open=referrals,timeline")
        .get_data(as_text=True)
    )
    assert "de hulp start pas na de vrijlating, en de verwachte vrijlating is verschoven" in page
    assert "Start van de hulp van" in page and "verschoven van" in page
    assert 'data-testid="referral-start"' in page
    assert "Hulp start op" in page
    assert "datum nog onbekend" in page


def test_an_early_release_brings_the_start_forward_and_a_correction_moves_it(
    tenants, in_tenant, make_case, worker_client
):
    case = make_case(
        tenants["deventer"],
        detention_start=TODAY - timedelta(days=60),
        expected_release=TODAY + timedelta(days=30),
    )
    with in_tenant(tenants["deventer"]):
        worker = UserFactory()
        loaded = load(case)
        sent = TODAY - timedelta(days=10)
        debt = refer(loaded, "debts", "debt_help", sent_on=sent)
        assert debt.starts_on == TODAY + timedelta(days=31)
        early = TODAY - timedelta(days=3)
        release.record_release(loaded, early, worker)
        db.session.commit()
        assert debt.starts_on == early + DAY
        # Corrected to a day before the referral was sent: the help starts when sent.
        release.correct_release(loaded, sent - timedelta(days=5), "Datum verkeerd", worker)
        db.session.commit()
        assert debt.starts_on == sent
        release.correct_release(loaded, TODAY - timedelta(days=1), "Toch later", worker)
        db.session.commit()
        assert debt.starts_on == TODAY
        causes = [m["cause"] for m in moves(case)]
        assert sorted(causes) == ["release_corrected", "release_corrected", "released"]
        # After the release the expected date is history: moving it moves nothing.
        release.move_expected_release(loaded, TODAY + timedelta(days=90), worker)
        assert debt.starts_on == TODAY and len(moves(case)) == 3
        db.session.commit()
    page = (
        worker_client(worker)
        .get(f"/cases/{case.id}?open=referrals,timeline")
        .get_data(as_text=True)
    )
    assert "de hulp start pas na de vrijlating, en die is geregistreerd op" in page
    assert "de datum daarvan is gecorrigeerd naar" in page


def test_an_accepted_or_rejected_referral_and_other_partners_are_left_alone(
    tenants, in_tenant, make_case
):
    case = make_case(tenants["raalte"], expected_release=TODAY + timedelta(days=20))
    with in_tenant(tenants["raalte"]):
        worker = UserFactory()
        loaded = load(case)
        accepted = refer(loaded, "debts", "debt_help")
        rejected = refer(loaded, "debts", "debt_help")
        waiting = refer(loaded, "debts", "debt_help")
        housing = refer(loaded, "housing", "supported_housing")
        db.session.flush()
        for referral, status in ((accepted, "accepted"), (rejected, "rejected")):
            handover.record_outcome(
                referral,
                worker,
                status=status,
                reason="Geen plek" if status == "rejected" else None,
                outcome=None,
                expected_version=None,
            )
        db.session.flush()
        agreed = accepted.starts_on
        release.move_expected_release(loaded, TODAY + timedelta(days=50), worker)
        release.record_release(loaded, TODAY, worker)
        db.session.commit()
        assert accepted.starts_on == agreed and rejected.starts_on == agreed
        assert housing.starts_on is None
        assert waiting.starts_on == TODAY + DAY
        assert len(moves(case)) == 2  # the waiting referral, twice


def test_a_closed_case_is_left_alone(tenants, in_tenant, make_case):
    case = make_case(tenants["zutphen"], expected_release=TODAY + timedelta(days=20))
    with in_tenant(tenants["zutphen"]):
        loaded = load(case)
        debt = refer(loaded, "debts", "debt_help")
        before = debt.starts_on
        loaded.phase = "closed"
        assert handover.follow_release(loaded, cause="release_moved") == 0
        assert debt.starts_on == before
        db.session.rollback()


# A step: ("move", days from today or None), ("release", days ago), ("correct", days ago),
# ("refer", days ago it was sent), ("accept", which referral).
steps = st.lists(
    st.one_of(
        st.tuples(st.just("move"), st.one_of(st.none(), st.integers(-20, 200))),
        st.tuples(st.just("release"), st.integers(0, 30)),
        st.tuples(st.just("correct"), st.integers(0, 30)),
        st.tuples(st.just("refer"), st.integers(0, 30)),
        st.tuples(st.just("accept"), st.integers(0, 5)),
    ),
    max_size=8,
)
CAUSES = {"move": "release_moved", "release": "released", "correct": "release_corrected"}


def apply(case, step, referrals: list, user) -> bool:
    """Apply one step when it makes sense for the case now; whether it did."""
    kind, value = step
    start = case.detention_start
    if kind == "move" and case.actual_release is None:
        new = None if value is None else max(start, TODAY + timedelta(days=value))
        if new == case.expected_release:
            return False
        release.move_expected_release(case, new, user)
    elif kind == "release" and case.actual_release is None:
        release.record_release(case, TODAY - timedelta(days=value), user)
    elif kind == "correct" and case.actual_release not in (None, TODAY - timedelta(days=value)):
        release.correct_release(case, TODAY - timedelta(days=value), "Correctie", user)
    elif kind == "refer":
        referrals.append(refer(case, "debts", "debt_help", sent_on=TODAY - timedelta(days=value)))
    elif kind == "accept" and value < len(referrals) and referrals[value].status == "sent":
        handover.record_outcome(
            referrals[value],
            user,
            status="accepted",
            reason=None,
            outcome=None,
            expected_version=None,
        )
    else:
        return False
    return True


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(release_in=st.integers(1, 200), steps=steps)
def test_an_open_debt_referral_always_starts_after_the_release(
    tenants, in_tenant, make_case, release_in, steps
):
    """Whatever the sequence of moves, an early release and corrections: every open
    debt-help referral starts the day after the release (recorded, else expected) or
    when it was sent if later; an accepted one keeps the start it had when accepted;
    every change of a start is one entry in the file, with its cause."""
    case = make_case(
        tenants["olst-wijhe"],
        detention_start=TODAY - timedelta(days=60),
        expected_release=TODAY + timedelta(days=release_in),
    )
    with in_tenant(tenants["olst-wijhe"]):
        user = UserFactory()
        case = load(case)
        referrals = [refer(case, "debts", "debt_help", sent_on=TODAY - timedelta(days=20))]
        kept: dict = {}
        for step in steps:
            before = {r.id: r.starts_on for r in referrals}
            logged = move_entries(case)
            if not apply(case, step, referrals, user):
                continue
            db.session.flush()
            if step[0] == "accept":
                kept[referrals[step[1]].id] = referrals[step[1]].starts_on
            released = case.actual_release or case.expected_release
            for referral in referrals:
                if referral.id in kept:
                    assert referral.starts_on == kept[referral.id]
                elif released is None:
                    assert referral.starts_on is None
                else:
                    assert referral.starts_on == max(released + DAY, referral.sent_on)
            changed = {
                (
                    str(r.id),
                    None if before[r.id] is None else str(before[r.id]),
                    None if r.starts_on is None else str(r.starts_on),
                )
                for r in referrals
                if r.id in before and before[r.id] != r.starts_on
            }
            fresh = [d for i, d in move_entries(case).items() if i not in logged]
            assert {(d["referral"], d["old"], d["new"]) for d in fresh} == changed
            assert len(fresh) == len(changed)
            if changed:
                assert {d["cause"] for d in fresh} == {CAUSES[step[0]]}
        db.session.rollback()
