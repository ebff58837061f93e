"""The matching optimiser: hard constraints, optimality, and the reasons it gives.

Pure tests (no database): instances are generated with hypothesis and checked against an
exhaustive search and a greedy client-by-client assignment.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest
from flask import Flask
from flask_babel import Babel
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.volunteers.matching import (
    PARTS_OF_DAY,
    AcceptedCircle,
    Blocker,
    Candidate,
    MatchSettings,
    WaitingClient,
    circle_score,
    distance_km,
    match,
    pair_blocker,
)

SLOTS = [(1, "evening"), (3, "afternoon"), (5, "morning")]
LANGUAGES = ["nl", "ar", "tr"]
OFFENCES = ["violence", "property"]
AREAS = ["7411", "7412", "7413"]
GENDERS = ["m", "f"]
# A box of about 25 x 25 km around Deventer: with max_km 15 some pairs are too far.
points = st.tuples(st.floats(52.15, 52.37), st.floats(6.05, 6.40))


def subset(items, max_size=None):
    return st.frozensets(st.sampled_from(items), max_size=max_size)


@st.composite
def clients(draw, ident):
    return WaitingClient(
        id=ident,
        point=draw(points),
        availability=draw(subset(SLOTS).filter(bool)),
        languages=draw(subset(LANGUAGES).filter(bool)),
        offence_kinds=draw(subset(OFFENCES, 1)),
        gender=draw(st.sampled_from([*GENDERS, None])),
        places_to_avoid=draw(subset(AREAS, 1)),
        needs=draw(subset(["work", "housing", "sport"], 2)),
    )


@st.composite
def candidates(draw, ident):
    return Candidate(
        id=ident,
        point=draw(points),
        availability=draw(subset(SLOTS)),
        languages=draw(subset(LANGUAGES).filter(bool)),
        capacity_left=draw(st.integers(0, 2)),
        excluded_offence_kinds=draw(subset(OFFENCES, 1)),
        gender_preference=draw(st.sampled_from([*GENDERS, None])),
        postcode_area=draw(st.sampled_from([*AREAS, None])),
        experience_years=draw(st.integers(0, 4)),
        skills=draw(subset(["work", "housing", "sport"], 2)),
        valid_vog=draw(st.booleans() | st.just(True)),
        active=draw(st.booleans() | st.just(True)),
    )


@st.composite
def instances(draw, max_clients, max_volunteers):
    n_clients = draw(st.integers(1, max_clients))
    n_volunteers = draw(st.integers(0, max_volunteers))
    waiting = [draw(clients(f"c{i}")) for i in range(n_clients)]
    volunteers = [draw(candidates(f"v{i}")) for i in range(n_volunteers)]
    accepted = []
    if volunteers and draw(st.booleans()):
        members = draw(
            st.lists(st.sampled_from([v.id for v in volunteers]), unique=True, max_size=3)
        )
        owner = draw(st.sampled_from(["earlier", waiting[0].id]))
        accepted.append(AcceptedCircle(owner, tuple(members)))
    min_size = draw(st.integers(2, 3))
    config = MatchSettings(
        min_size=min_size,
        max_size=draw(st.integers(min_size, min_size + 1)),
        max_km=15.0,
        top_k=None,
    )
    return waiting, volunteers, accepted, config


def free_capacity(volunteers, accepted):
    used = {}
    for circle in accepted:
        for volunteer_id in circle.volunteer_ids:
            used[volunteer_id] = used.get(volunteer_id, 0) + 1
    return {v.id: v.capacity_left - used.get(v.id, 0) for v in volunteers}


def assert_hard_constraints(result, waiting, volunteers, accepted, config):
    by_id = {v.id: v for v in volunteers}
    clients_by_id = {c.id: c for c in waiting}
    capacity = free_capacity(volunteers, accepted)
    accepted_clients = {c.client_id for c in accepted}
    proposed = [p.client_id for p in result.proposals]
    assert len(proposed) == len(set(proposed)), "a client got two circles"
    assert not accepted_clients & set(proposed), "an accepted circle was matched again"
    assert set(proposed) | {u.client_id for u in result.unmatched} == {
        c.id for c in waiting if c.id not in accepted_clients
    }
    load = {}
    for proposal in result.proposals:
        client = clients_by_id[proposal.client_id]
        ids = proposal.volunteer_ids
        assert len(ids) == len(set(ids)), "a volunteer sits twice in one circle"
        assert config.min_size <= len(ids) <= config.max_size
        for volunteer_id in ids:
            volunteer = by_id[volunteer_id]
            assert volunteer.active and volunteer.valid_vog
            assert client.availability & volunteer.availability
            assert not client.offence_kinds & volunteer.excluded_offence_kinds
            assert volunteer.postcode_area not in client.places_to_avoid
            assert client.languages & volunteer.languages
            assert distance_km(client.point, volunteer.point) <= config.max_km
            load[volunteer_id] = load.get(volunteer_id, 0) + 1
    for volunteer_id, circles in load.items():
        assert circles <= capacity[volunteer_id], "capacity exceeded"


def exhaustive_optimum(waiting, volunteers, accepted, config):
    """(clients served, total score) of the best assignment, by trying them all."""
    capacity = free_capacity(volunteers, accepted)
    taken = {c.client_id for c in accepted}
    todo = [c for c in waiting if c.id not in taken]
    options = []
    for client in todo:
        fitting = [v for v in volunteers if pair_blocker(client, v, config, capacity[v.id]) is None]
        circles = [()]
        for size in range(config.min_size, config.max_size + 1):
            circles += list(itertools.combinations(fitting, size))
        options.append([(c, circle_score(client, c, config) if c else 0) for c in circles])

    best = (0, 0)

    def search(index, left, served, score):
        nonlocal best
        if index == len(todo):
            best = max(best, (served, score))
            return
        for circle, points_ in options[index]:
            if any(left[v.id] <= 0 for v in circle):
                continue
            for v in circle:
                left[v.id] -= 1
            search(index + 1, left, served + bool(circle), score + points_)
            for v in circle:
                left[v.id] += 1

    search(0, dict(capacity), 0, 0)
    return best


def greedy(waiting, volunteers, accepted, config):
    """Client by client, each given the best circle the others left (found optimally)."""
    capacity = free_capacity(volunteers, accepted)
    taken = {c.client_id for c in accepted}
    served = score = 0
    for client in waiting:
        if client.id in taken:
            continue
        pool = [_with_capacity(v, capacity[v.id]) for v in volunteers]
        one = match([client], pool, settings=config)
        for proposal in one.proposals:
            served += 1
            score += proposal.score
            for volunteer_id in proposal.volunteer_ids:
                capacity[volunteer_id] -= 1
    return served, score


def _with_capacity(volunteer, capacity):
    from dataclasses import replace

    return replace(volunteer, capacity_left=capacity)


FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(instances(max_clients=3, max_volunteers=6))
def test_small_instances_reach_the_exhaustive_optimum(instance):
    waiting, volunteers, accepted, config = instance
    result = match(waiting, volunteers, accepted, config)
    assert result.optimal and result.pruned == 0
    assert_hard_constraints(result, waiting, volunteers, accepted, config)
    assert (result.served, result.total_score) == exhaustive_optimum(*instance)


@FAST
@given(instances(max_clients=8, max_volunteers=20))
def test_every_hard_constraint_holds_and_greedy_never_scores_higher(instance):
    waiting, volunteers, accepted, config = instance
    result = match(waiting, volunteers, accepted, config)
    assert result.optimal
    assert_hard_constraints(result, waiting, volunteers, accepted, config)
    assert greedy(*instance) <= (result.served, result.total_score)


@FAST
@given(instances(max_clients=6, max_volunteers=20), st.integers(5, 8))
def test_pruning_to_the_best_candidates_keeps_every_hard_constraint(instance, top_k):
    waiting, volunteers, accepted, config = instance
    pruned = MatchSettings(config.min_size, config.max_size, config.max_km, top_k=top_k)
    result = match(waiting, volunteers, accepted, pruned)
    assert_hard_constraints(result, waiting, volunteers, accepted, pruned)
    full = match(waiting, volunteers, accepted, config)
    assert (result.served, result.total_score) <= (full.served, full.total_score)
    if result.pruned == 0:
        assert (result.served, result.total_score) == (full.served, full.total_score)


def test_greedy_loses_where_the_optimum_serves_both():
    """The first client's best circle takes a volunteer the second one cannot do without."""
    here = (52.25, 6.16)
    a = WaitingClient("a", here, frozenset({(1, "evening"), (3, "afternoon")}), frozenset({"nl"}))
    b = WaitingClient("b", here, frozenset({(3, "afternoon")}), frozenset({"nl"}))
    both = frozenset({(1, "evening"), (3, "afternoon")})
    evening = frozenset({(1, "evening")})
    volunteers = [
        Candidate("shared", here, both, frozenset({"nl"}), 1, experience_years=5),
        Candidate("b1", here, both, frozenset({"nl"}), 1),
        Candidate("b2", here, both, frozenset({"nl"}), 1),
        Candidate("a1", (52.30, 6.16), evening, frozenset({"nl"}), 1),
        Candidate("a2", (52.30, 6.16), evening, frozenset({"nl"}), 1),
        Candidate("a3", (52.30, 6.16), evening, frozenset({"nl"}), 1),
    ]
    config = MatchSettings(top_k=None)
    result = match([a, b], volunteers, settings=config)
    assert result.served == 2
    assert greedy([a, b], volunteers, [], config)[0] == 1
    circles = {p.client_id: set(p.volunteer_ids) for p in result.proposals}
    assert circles == {"a": {"a1", "a2", "a3"}, "b": {"shared", "b1", "b2"}}


def volunteer(ident, **changes):
    base = dict(
        id=ident,
        point=(52.25, 6.16),
        availability=frozenset({(1, "evening")}),
        languages=frozenset({"nl"}),
        capacity_left=1,
    )
    base.update(changes)
    return Candidate(**base)


CLIENT = WaitingClient(
    "client",
    (52.25, 6.16),
    frozenset({(1, "evening")}),
    frozenset({"nl"}),
    offence_kinds=frozenset({"violence"}),
    places_to_avoid=frozenset({"7411"}),
)


@pytest.mark.parametrize(
    ("change", "blocker"),
    [
        ({"active": False}, Blocker.ACTIVE),
        ({"valid_vog": False}, Blocker.ACTIVE),
        ({"capacity_left": 0}, Blocker.CAPACITY),
        ({"availability": frozenset({(2, "morning")})}, Blocker.AVAILABILITY),
        ({"excluded_offence_kinds": frozenset({"violence"})}, Blocker.OFFENCE_EXCLUSION),
        ({"postcode_area": "7411"}, Blocker.PLACES_TO_AVOID),
        ({"languages": frozenset({"ar"})}, Blocker.LANGUAGE),
        ({"point": (52.60, 6.16)}, Blocker.DISTANCE),
    ],
)
def test_an_infeasible_client_gets_the_constraint_that_blocks_it(change, blocker):
    volunteers = [volunteer("v1"), volunteer("v2"), volunteer("v3", **change), volunteer("v4")]
    # Four volunteers, one of them ruled out by the constraint, and a circle needs four.
    result = match([CLIENT], volunteers, settings=MatchSettings(min_size=4, max_size=5))
    assert result.proposals == ()
    (unmatched,) = result.unmatched
    assert unmatched.blocker is blocker
    counts = dict(unmatched.remaining)
    assert counts[blocker] == 3
    # Without that one change the client is served.
    served = match(
        [CLIENT],
        [volunteer(f"v{i}") for i in range(4)],
        settings=MatchSettings(min_size=4, max_size=5),
    )
    assert served.served == 1


def test_a_client_left_out_for_others_is_told_so():
    volunteers = [volunteer(f"v{i}") for i in range(3)]
    other = WaitingClient("other", CLIENT.point, CLIENT.availability, CLIENT.languages)
    result = match([CLIENT, other], volunteers)
    assert result.served == 1
    (unmatched,) = result.unmatched
    assert unmatched.blocker is Blocker.COMPETITION


def test_accepted_circles_stay_and_use_capacity():
    volunteers = [volunteer(f"v{i}") for i in range(6)]
    accepted = [AcceptedCircle("earlier", ("v0", "v1", "v2"))]
    result = match([CLIENT], volunteers, accepted)
    (proposal,) = result.proposals
    assert set(proposal.volunteer_ids) == {"v3", "v4", "v5"}
    again = match([CLIENT], volunteers, [AcceptedCircle("client", ("v0", "v1", "v2"))])
    assert again.proposals == () and again.unmatched == ()


def test_duplicates_in_the_input_are_refused():
    with pytest.raises(ValueError):
        match([CLIENT, CLIENT], [volunteer("v1")])
    with pytest.raises(ValueError):
        match([CLIENT], [volunteer("v1"), volunteer("v1")])
    with pytest.raises(ValueError):
        match([CLIENT], [volunteer("v1")], [AcceptedCircle("x", ("v1", "v1"))])


@pytest.fixture
def dutch():
    app = Flask(__name__)
    translations = Path(__file__).resolve().parents[2] / "app" / "translations"
    Babel(app, default_locale="nl", default_translation_directories=str(translations))
    with app.test_request_context():
        yield


def test_a_proposal_is_explained_in_dutch(dutch):
    from app.volunteers.matching_reasons import blocker_text, explain

    client = WaitingClient(
        "c", (52.2550, 6.1600), frozenset({(1, "evening")}), frozenset({"nl", "ar"})
    )
    volunteers = [
        volunteer("arabic", languages=frozenset({"nl", "ar"}), point=(52.2910, 6.1600)),
        volunteer("v1"),
        volunteer("v2"),
    ]
    result = match([client], volunteers)
    (proposal,) = result.proposals
    first = next(m for m in proposal.volunteers if m.volunteer_id == "arabic")
    assert explain(first) == "beschikbaar op dinsdagavond, spreekt Arabisch, 4 km"

    arabic = frozenset({"ar"})
    blocked = match([CLIENT], [volunteer(f"v{i}", languages=arabic) for i in range(3)])
    text = blocker_text(blocked.unmatched[0])
    assert text == "minder dan 3 vrijwilligers spreken een taal van de cliënt"


def test_too_small_a_programme_is_named(dutch):
    from app.volunteers.matching_reasons import blocker_text

    result = match([CLIENT], [volunteer("v1"), volunteer("v2")])
    (unmatched,) = result.unmatched
    assert unmatched.blocker is Blocker.POOL
    assert blocker_text(unmatched) == "het programma heeft minder dan 3 vrijwilligers"


def test_every_weekday_part_has_a_dutch_name(dutch):
    from app.volunteers.matching_reasons import slot_name

    names = {slot_name((day, part)) for day in range(7) for part in PARTS_OF_DAY}
    assert len(names) == 21
    assert "dinsdagavond" in names and "zondagochtend" in names


def test_one_more_client_served_outweighs_any_loss_of_score():
    """A chain: serving X moves every volunteer to a worse match, yet X must be served.

    Client c_i matches v_i well (90 points) and v_(i+1) poorly (40); X fits only v_1. Four
    good circles score 360, the five poor ones 200: a weight per client below 160 would
    leave X out.
    """
    here = (52.25, 6.16)
    slots = [(day, part) for day in range(7) for part in PARTS_OF_DAY]
    m = 4
    genders = ["m", "f"]
    waiting = [WaitingClient("X", here, frozenset({slots[0]}), frozenset({"nl"}))]
    volunteers = []
    for i in range(1, m + 2):
        own = frozenset({slots[2 * i - 1]}) if i <= m else frozenset()
        volunteers.append(
            Candidate(
                f"v{i}",
                here,
                own | {slots[2 * i - 2]},  # its own client's slot, and the previous one's
                frozenset({"nl", f"lang{i}"}),
                capacity_left=1,
                gender_preference=genders[i % 2],
                skills=frozenset({f"need{i}a", f"need{i}b"}),
            )
        )
    for i in range(1, m + 1):
        waiting.append(
            WaitingClient(
                f"c{i}",
                here,
                frozenset({slots[2 * i - 1], slots[2 * i]}),
                frozenset({"nl", f"lang{i}"}),
                gender=genders[i % 2],
                needs=frozenset({f"need{i}a", f"need{i}b"}),
            )
        )
    config = MatchSettings(min_size=1, max_size=1, top_k=None)
    result = match(waiting, volunteers, settings=config)
    assert result.served == m + 1
    assert result.total_score == 40 * (m + 1)
    assert exhaustive_optimum(waiting, volunteers, [], config) == (m + 1, 40 * (m + 1))
