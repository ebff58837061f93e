"""Matching volunteers to the clients waiting for a circle: one optimisation over the list.

A pure module: no database, no request. The volunteer services turn rows into the frozen
dataclasses below (``WaitingClient``, ``Candidate``, ``AcceptedCircle``) and call
:func:`match`; what comes back (``MatchResult``) is data, rendered in Dutch by
``app.volunteers.matching_reasons``.

The model
---------
Hard constraints. A volunteer may sit in a client's circle only if the volunteer is active
with a valid certificate of conduct (VOG), has capacity left after the accepted circles,
shares at least one weekday part (``availability``) with the client, excludes none of the
client's offence kinds, does not live in one of the client's places to avoid (postcode
area), shares a language with the client, and lives within ``max_km`` of the client. A
client gets at most one circle, of ``min_size``..``max_size`` distinct volunteers (3..5 by
default), or none; a volunteer sits in at most ``capacity_left`` circles, the accepted
circles included. Accepted circles stay exactly as they are: their clients are not matched
again and their volunteers' capacity is used.

Score of a volunteer in a client's circle (integer points, see ``WEIGHTS``): travel
distance (``distance`` points at 0 km down to 0 at ``max_km``), a shared language other
than Dutch, the volunteer's gender preference (met: full, none given: half), and the
volunteer's skills matching the client's needs (per need, at most two). A circle earns
``experience`` points once when it holds at least one experienced volunteer
(``experienced_years`` or more), which spreads the experienced volunteers over the circles
(the experience mix).

The optimisation (a mixed-integer model solved by HiGHS through ``scipy.optimize.milp``):
binary ``x[c, v]`` for every kept pair (volunteer v in client c's circle), ``y[c]`` (c
gets a circle) and ``z[c]`` (c's circle holds an experienced volunteer)::

    maximise   sum_c (W * y[c] + E * z[c]) + sum_(c,v) s[c, v] * x[c, v]
    subject to min_size * y[c] <= sum_v x[c, v] <= max_size * y[c]      for every client
               sum_c x[c, v] <= capacity left of v                       for every volunteer
               z[c] <= sum_(v experienced) x[c, v]                      for every client

with ``W = n * (max_size * largest pair score + E) + 1`` for the n clients who could be
served, more than all circles together can score: serving k + 1 clients (at least
``(k + 1) * W``) always beats serving k (at most ``k * W`` plus the score of k circles, less
than W). So the objective is lexicographic: first the NUMBER OF CLIENTS SERVED is
maximised, then the total score. The optimum value is therefore well defined (ties between equally
scoring assignments are broken by the solver, deterministically for the same input); the
solver runs with a relative gap of 0, so ``optimal`` means proven optimal. After
``time_limit`` seconds the best assignment found so far is returned with ``optimal``
false and the solver's ``gap``.

Sparse pairs. Only pairs that pass every hard constraint become variables. When a client
has more than ``top_k`` feasible volunteers, only their ``top_k`` best-scoring ones are
kept, plus their ``max_size`` best experienced ones (so that an experienced volunteer
stays within reach). Exactly stated: the result is optimal over the kept pairs; when no
pair was pruned (``MatchResult.pruned == 0``, always so with ``top_k=None``) it is optimal
over all assignments that respect the hard constraints. The property tests compare it with
exhaustive search and with a greedy client-by-client assignment.

A client left without a circle gets the reason: the first hard constraint, in the order of
``Blocker``, after which fewer than ``min_size`` volunteers remain (``POOL``: there are not
that many volunteers at all; ``Unmatched.remaining`` has the counts after each), or
``Blocker.COMPETITION`` when enough volunteers are feasible on their own but the optimum
gives their places to other clients.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import coo_array, vstack

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
PARTS_OF_DAY = ("morning", "afternoon", "evening")
DUTCH = "nl"

# A weekday part: (weekday 0 = Monday .. 6, part of day from PARTS_OF_DAY).
Slot = tuple[int, str]

WEIGHTS = {
    "distance": 40,  # at 0 km, linearly down to 0 at max_km
    "language": 20,  # a shared language other than Dutch
    "preference": 10,  # the volunteer's gender preference is met (5 when none is given)
    "need": 10,  # per client need that the volunteer's skills cover, at most two
    "experience": 30,  # once per circle with at least one experienced volunteer
}
MAX_NEEDS_SCORED = 2
MAX_PAIR_SCORE = (
    WEIGHTS["distance"]
    + WEIGHTS["language"]
    + WEIGHTS["preference"]
    + WEIGHTS["need"] * MAX_NEEDS_SCORED
)


def slot_index(slot: Slot) -> int:
    weekday, part = slot
    return weekday * len(PARTS_OF_DAY) + PARTS_OF_DAY.index(part)


@dataclass(frozen=True)
class WaitingClient:
    """A client waiting for a circle, as far as the referral carries it."""

    id: Hashable
    point: tuple[float, float]  # (latitude, longitude) of the postcode, degrees
    availability: frozenset[Slot]
    languages: frozenset[str]  # language codes, "nl" for Dutch
    offence_kinds: frozenset[str] = frozenset()
    gender: str | None = None
    places_to_avoid: frozenset[str] = frozenset()  # postcode areas (e.g. "7411")
    needs: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Candidate:
    """A volunteer who might join a circle.

    ``capacity_left`` counts the circles the volunteer can still take NOT counting the
    ``accepted`` circles handed to :func:`match`, which are subtracted here.
    """

    id: Hashable
    point: tuple[float, float]
    availability: frozenset[Slot]
    languages: frozenset[str]
    capacity_left: int
    excluded_offence_kinds: frozenset[str] = frozenset()
    gender_preference: str | None = None
    postcode_area: str | None = None
    experience_years: int = 0
    skills: frozenset[str] = frozenset()
    valid_vog: bool = True
    active: bool = True


@dataclass(frozen=True)
class AcceptedCircle:
    """A circle the coordinator accepted earlier: kept as it is on a re-run."""

    client_id: Hashable
    volunteer_ids: tuple[Hashable, ...]


@dataclass(frozen=True)
class MatchSettings:
    min_size: int = 3
    max_size: int = 5
    max_km: float = 25.0
    experienced_years: int = 2
    top_k: int | None = 40  # None: keep every feasible pair
    time_limit: float = 60.0  # seconds; a run cut short reports optimal=False

    def __post_init__(self) -> None:
        if not 1 <= self.min_size <= self.max_size:
            raise ValueError("need 1 <= min_size <= max_size")
        if self.top_k is not None and self.top_k < self.max_size:
            raise ValueError("top_k must be at least max_size")

    @property
    def best_circle_score(self) -> int:
        """No circle can score more than this."""
        return self.max_size * MAX_PAIR_SCORE + WEIGHTS["experience"]


class Blocker(enum.StrEnum):
    """The hard constraints, in the order a client's candidates are filtered."""

    POOL = "pool"  # fewer volunteers in the programme than a circle needs
    ACTIVE = "active"  # active with a valid certificate of conduct
    CAPACITY = "capacity"
    AVAILABILITY = "availability"
    OFFENCE_EXCLUSION = "offence_exclusion"
    PLACES_TO_AVOID = "places_to_avoid"
    LANGUAGE = "language"
    DISTANCE = "distance"
    COMPETITION = "competition"  # feasible alone, but the places went to other clients


PAIR_BLOCKERS = tuple(b for b in Blocker if b is not Blocker.COMPETITION)


@dataclass(frozen=True)
class Reason:
    """One phrase of an explanation: a code and its parameters (rendered elsewhere)."""

    code: str
    params: tuple[tuple[str, object], ...] = ()

    def get(self, name: str, default: object = None) -> object:
        return dict(self.params).get(name, default)


@dataclass(frozen=True)
class VolunteerMatch:
    volunteer_id: Hashable
    score: int
    km: float
    reasons: tuple[Reason, ...]


@dataclass(frozen=True)
class Proposal:
    client_id: Hashable
    volunteers: tuple[VolunteerMatch, ...]
    experience_bonus: int

    @property
    def score(self) -> int:
        return sum(v.score for v in self.volunteers) + self.experience_bonus

    @property
    def volunteer_ids(self) -> tuple[Hashable, ...]:
        return tuple(v.volunteer_id for v in self.volunteers)


@dataclass(frozen=True)
class Unmatched:
    client_id: Hashable
    blocker: Blocker
    # Volunteers left after each hard constraint, in the order of Blocker.
    remaining: tuple[tuple[Blocker, int], ...]


@dataclass(frozen=True)
class MatchResult:
    proposals: tuple[Proposal, ...]
    unmatched: tuple[Unmatched, ...]
    optimal: bool  # proven optimal over the kept pairs
    pairs: int  # feasible pairs kept as variables
    pruned: int  # feasible pairs left out by top_k (0: optimal over all assignments)
    # Relative gap between the objective found and the solver's bound (0.0 when optimal);
    # after a time limit it says how far from the optimum the answer can at most be.
    gap: float = 0.0
    settings: MatchSettings = field(default_factory=MatchSettings)

    @property
    def served(self) -> int:
        return len(self.proposals)

    @property
    def total_score(self) -> int:
        return sum(p.score for p in self.proposals)


# --- one pair, in plain Python (explanations, and the reference for the tests) -----------


def distance_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Distance between two (lat, lon) points; equirectangular, exact enough for a region."""
    mean_lat = math.radians((a[0] + b[0]) / 2)
    dy = (a[0] - b[0]) * 110.574
    dx = (a[1] - b[1]) * 111.320 * math.cos(mean_lat)
    return math.hypot(dx, dy)


def distance_points(km: float, max_km: float) -> int:
    return max(0, math.floor(WEIGHTS["distance"] * (1 - km / max_km) + 1e-9))


def pair_blocker(
    client: WaitingClient, candidate: Candidate, settings: MatchSettings, capacity: int
) -> Blocker | None:
    """The first hard constraint that keeps ``candidate`` out of ``client``'s circle."""
    if not (candidate.active and candidate.valid_vog):  # Blocker.POOL is no pair's
        return Blocker.ACTIVE
    if capacity <= 0:
        return Blocker.CAPACITY
    if not client.availability & candidate.availability:
        return Blocker.AVAILABILITY
    if client.offence_kinds & candidate.excluded_offence_kinds:
        return Blocker.OFFENCE_EXCLUSION
    if candidate.postcode_area is not None and candidate.postcode_area in client.places_to_avoid:
        return Blocker.PLACES_TO_AVOID
    if not client.languages & candidate.languages:
        return Blocker.LANGUAGE
    if distance_km(client.point, candidate.point) > settings.max_km:
        return Blocker.DISTANCE
    return None


def pair_score(client: WaitingClient, candidate: Candidate, settings: MatchSettings) -> int:
    """The points of ``candidate`` in ``client``'s circle (hard constraints not checked)."""
    return sum(s for s, _ in _pair_parts(client, candidate, settings))


def _pair_parts(
    client: WaitingClient, candidate: Candidate, settings: MatchSettings
) -> list[tuple[int, Reason | None]]:
    km = distance_km(client.point, candidate.point)
    parts: list[tuple[int, Reason | None]] = []
    shared_slots = sorted(client.availability & candidate.availability, key=slot_index)
    parts.append((0, Reason("available", (("slots", tuple(shared_slots)),))))
    foreign = sorted((client.languages & candidate.languages) - {DUTCH})
    if foreign:
        parts.append((WEIGHTS["language"], Reason("speaks", (("languages", tuple(foreign)),))))
    parts.append((distance_points(km, settings.max_km), Reason("distance", (("km", km),))))
    if candidate.gender_preference is None:
        parts.append((WEIGHTS["preference"] // 2, None))
    elif client.gender is not None and candidate.gender_preference == client.gender:
        parts.append((WEIGHTS["preference"], Reason("preference")))
    needs = sorted(client.needs & candidate.skills)
    if needs:
        counted = min(len(needs), MAX_NEEDS_SCORED)
        parts.append((WEIGHTS["need"] * counted, Reason("skills", (("needs", tuple(needs)),))))
    if candidate.experience_years >= settings.experienced_years:
        parts.append((0, Reason("experienced", (("years", candidate.experience_years),))))
    return parts


def circle_score(
    client: WaitingClient, members: Sequence[Candidate], settings: MatchSettings
) -> int:
    """The score of one circle: its pair scores plus the experience points."""
    total = sum(pair_score(client, m, settings) for m in members)
    if any(m.experience_years >= settings.experienced_years for m in members):
        total += WEIGHTS["experience"]
    return total


# --- the whole list, vectorised -------------------------------------------------------------


def _masks(sets: Sequence[Iterable[object]], index: dict[object, int]) -> np.ndarray:
    """One row of 64-bit words per set, bit ``index[item]`` set for each item."""
    words = max(1, (len(index) + 63) // 64)
    out = np.zeros((len(sets), words), dtype=np.uint64)
    for row, items in enumerate(sets):
        for item in items:
            bit = index[item]
            out[row, bit // 64] |= np.uint64(1) << np.uint64(bit % 64)
    return out


def _intersects(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """(len(a), len(b)) booleans: row i of ``a`` shares a bit with row j of ``b``."""
    result = np.zeros((a.shape[0], b.shape[0]), dtype=bool)
    for word in range(a.shape[1]):
        result |= (a[:, word][:, None] & b[:, word][None, :]) != 0
    return result


def _popcount_and(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Per pair (rows of a and b aligned): the number of shared bits."""
    both = a & b
    if hasattr(np, "bitwise_count"):
        return np.bitwise_count(both).sum(axis=1).astype(np.int64)
    return np.array([sum(int(w).bit_count() for w in row) for row in both], dtype=np.int64)


def _vocabulary(*groups: Iterable[Iterable[object]]) -> dict[object, int]:
    seen: dict[object, int] = {}
    for group in groups:
        for items in group:
            for item in items:
                seen.setdefault(item, len(seen))
    return seen


def match(
    waiting: Sequence[WaitingClient],
    candidates: Sequence[Candidate],
    accepted: Sequence[AcceptedCircle] = (),
    settings: MatchSettings | None = None,
) -> MatchResult:
    """Propose circles for every waiting client at once (see the module docstring)."""
    settings = settings or MatchSettings()
    if len({c.id for c in waiting}) != len(waiting):
        raise ValueError("a client appears twice in the waiting list")
    if len({v.id for v in candidates}) != len(candidates):
        raise ValueError("a volunteer appears twice among the candidates")
    for circle in accepted:
        if len(set(circle.volunteer_ids)) != len(circle.volunteer_ids):
            raise ValueError("an accepted circle holds a volunteer twice")
    if len({c.client_id for c in accepted}) != len(accepted):
        raise ValueError("a client has two accepted circles")

    taken = {c.client_id for c in accepted}
    clients = [c for c in waiting if c.id not in taken]
    used: dict[Hashable, int] = {}
    for circle in accepted:
        for volunteer_id in circle.volunteer_ids:
            used[volunteer_id] = used.get(volunteer_id, 0) + 1
    capacity = np.array([v.capacity_left - used.get(v.id, 0) for v in candidates], dtype=np.int64)
    n_clients, n_volunteers = len(clients), len(candidates)
    if n_clients == 0:
        return MatchResult((), (), True, 0, 0, 0.0, settings)

    # Hard constraints per (client, volunteer), in the order of Blocker.
    slot_of = {(d, p): slot_index((d, p)) for d in range(7) for p in PARTS_OF_DAY}
    language_of = _vocabulary([c.languages for c in clients], [v.languages for v in candidates])
    offence_of = _vocabulary(
        [c.offence_kinds for c in clients], [v.excluded_offence_kinds for v in candidates]
    )
    area_of = _vocabulary(
        [c.places_to_avoid for c in clients],
        [[v.postcode_area] if v.postcode_area is not None else [] for v in candidates],
    )
    stages: list[np.ndarray] = []
    stages.append(np.array([v.active and v.valid_vog for v in candidates], dtype=bool)[None, :])
    stages.append((capacity > 0)[None, :])
    stages.append(
        _intersects(
            _masks([c.availability for c in clients], slot_of),
            _masks([v.availability for v in candidates], slot_of),
        )
    )
    stages.append(
        ~_intersects(
            _masks([c.offence_kinds for c in clients], offence_of),
            _masks([v.excluded_offence_kinds for v in candidates], offence_of),
        )
    )
    stages.append(
        ~_intersects(
            _masks([c.places_to_avoid for c in clients], area_of),
            _masks(
                [[v.postcode_area] if v.postcode_area is not None else [] for v in candidates],
                area_of,
            ),
        )
    )
    stages.append(
        _intersects(
            _masks([c.languages for c in clients], language_of),
            _masks([v.languages for v in candidates], language_of),
        )
    )
    client_lat = np.array([c.point[0] for c in clients], dtype=float)[:, None]
    client_lon = np.array([c.point[1] for c in clients], dtype=float)[:, None]
    volunteer_lat = np.array([v.point[0] for v in candidates], dtype=float)[None, :]
    volunteer_lon = np.array([v.point[1] for v in candidates], dtype=float)[None, :]
    mean_lat = np.radians((client_lat + volunteer_lat) / 2)
    km_matrix = np.hypot(
        (client_lat - volunteer_lat) * 110.574,
        (client_lon - volunteer_lon) * 111.320 * np.cos(mean_lat),
    )
    stages.append(km_matrix <= settings.max_km)

    feasible = np.ones((n_clients, n_volunteers), dtype=bool)
    remaining_counts = [np.full(n_clients, n_volunteers)]
    for stage in stages:
        feasible &= stage
        remaining_counts.append(feasible.sum(axis=1))

    ci, vi = np.nonzero(feasible)
    km = km_matrix[ci, vi]
    del km_matrix, feasible, stages, mean_lat

    # Pair scores, vectorised (the same rules as _pair_parts).
    foreign_c = _masks([c.languages - {DUTCH} for c in clients], language_of)
    foreign_v = _masks([v.languages - {DUTCH} for v in candidates], language_of)
    shares_foreign = (foreign_c[ci] & foreign_v[vi]).any(axis=1)
    score = np.maximum(0, np.floor(WEIGHTS["distance"] * (1 - km / settings.max_km) + 1e-9)).astype(
        np.int64
    )
    score += WEIGHTS["language"] * shares_foreign
    gender_of = _vocabulary(
        [[c.gender] if c.gender else [] for c in clients],
        [[v.gender_preference] if v.gender_preference else [] for v in candidates],
    )
    client_gender = np.array([gender_of.get(c.gender, -1) for c in clients], dtype=np.int64)
    preference = np.array(
        [gender_of.get(v.gender_preference, -1) for v in candidates], dtype=np.int64
    )
    pref_v, gender_c = preference[vi], client_gender[ci]
    score += np.where(
        pref_v < 0,
        WEIGHTS["preference"] // 2,
        np.where((gender_c >= 0) & (pref_v == gender_c), WEIGHTS["preference"], 0),
    ).astype(np.int64)
    need_of = _vocabulary([c.needs for c in clients], [v.skills for v in candidates])
    needs_c = _masks([c.needs for c in clients], need_of)
    skills_v = _masks([v.skills for v in candidates], need_of)
    score += WEIGHTS["need"] * np.minimum(
        _popcount_and(needs_c[ci], skills_v[vi]), MAX_NEEDS_SCORED
    )
    experienced = np.array(
        [v.experience_years >= settings.experienced_years for v in candidates], dtype=bool
    )
    pair_experienced = experienced[vi]

    # Sparse pairs: a client's top_k best, plus their max_size best experienced ones.
    pruned = 0
    if settings.top_k is not None and len(ci):
        order = np.lexsort((vi, -score, ci))  # by client, best score first, then stable
        ci, vi, score, km = ci[order], vi[order], score[order], km[order]
        pair_experienced = pair_experienced[order]
        rank = _rank_within(ci)
        exp_rank = np.full(len(ci), np.iinfo(np.int64).max)
        exp_idx = np.nonzero(pair_experienced)[0]
        exp_rank[exp_idx] = _rank_within(ci[exp_idx])
        keep = (rank < settings.top_k) | (exp_rank < settings.max_size)
        pruned = int((~keep).sum())
        ci, vi, score, km = ci[keep], vi[keep], score[keep], km[keep]
        pair_experienced = pair_experienced[keep]

    chosen, gap, optimal = _solve(ci, vi, score, pair_experienced, capacity, n_clients, settings)

    proposals = []
    members: dict[int, list[int]] = {}
    for pair in chosen:
        members.setdefault(int(ci[pair]), []).append(int(vi[pair]))
    for c in sorted(members):
        client = clients[c]
        matches = []
        for v in sorted(members[c], key=lambda v: candidates[v].id.__repr__()):
            parts = _pair_parts(client, candidates[v], settings)
            matches.append(
                VolunteerMatch(
                    volunteer_id=candidates[v].id,
                    score=sum(s for s, _ in parts),
                    km=distance_km(client.point, candidates[v].point),
                    reasons=tuple(r for _, r in parts if r is not None),
                )
            )
        bonus = WEIGHTS["experience"] if any(experienced[v] for v in members[c]) else 0
        proposals.append(Proposal(client.id, tuple(matches), bonus))

    unmatched = []
    for c, client in enumerate(clients):
        if c in members:
            continue
        counts = tuple(
            (blocker, int(remaining_counts[i][c])) for i, blocker in enumerate(PAIR_BLOCKERS)
        )
        blocker = next((b for b, n in counts if n < settings.min_size), Blocker.COMPETITION)
        unmatched.append(Unmatched(client.id, blocker, counts))
    return MatchResult(tuple(proposals), tuple(unmatched), optimal, len(ci), pruned, gap, settings)


def _rank_within(groups: np.ndarray) -> np.ndarray:
    """0, 1, 2, ... within each run of equal values of a sorted array."""
    if len(groups) == 0:
        return np.zeros(0, dtype=np.int64)
    starts = np.r_[0, np.nonzero(np.diff(groups))[0] + 1]
    lengths = np.diff(np.r_[starts, len(groups)])
    return np.arange(len(groups)) - np.repeat(starts, lengths)


def _solve(
    ci: np.ndarray,
    vi: np.ndarray,
    score: np.ndarray,
    pair_experienced: np.ndarray,
    capacity: np.ndarray,
    n_clients: int,
    settings: MatchSettings,
) -> tuple[np.ndarray, float, bool]:
    """Solve the mixed-integer model; returns the chosen pairs, the gap and ``optimal``."""
    n_pairs = len(ci)
    if n_pairs == 0:
        return np.zeros(0, dtype=np.int64), 0.0, True
    # Only clients with enough pairs can be served; others keep y = z = 0 via bounds.
    per_client = np.bincount(ci, minlength=n_clients)
    servable = per_client >= settings.min_size
    n_vars = n_pairs + 2 * n_clients  # x pairs, y clients, z clients
    y0, z0 = n_pairs, n_pairs + n_clients
    objective = np.zeros(n_vars)
    objective[:n_pairs] = -score
    # W: more than all circles together can score, so one more client served always wins.
    objective[y0:z0] = -(int(servable.sum()) * settings.best_circle_score + 1)
    objective[z0:] = -WEIGHTS["experience"]
    upper = np.ones(n_vars)
    upper[y0:z0] = servable
    upper[z0:] = servable

    pairs = np.arange(n_pairs)
    clients = np.arange(n_clients)
    ones = np.ones(n_pairs)
    # sum_v x - min * y >= 0 and sum_v x - max * y <= 0
    size_rows = coo_array(
        (
            np.r_[ones, np.full(n_clients, -1.0)],
            (np.r_[ci, clients], np.r_[pairs, y0 + clients]),
        ),
        shape=(n_clients, n_vars),
    )
    minimum = size_rows.copy()
    minimum.data[n_pairs:] = -settings.min_size
    maximum = size_rows.copy()
    maximum.data[n_pairs:] = -settings.max_size
    # capacity per volunteer that appears in a pair
    volunteers, vrow = np.unique(vi, return_inverse=True)
    capacity_rows = coo_array((ones, (vrow, pairs)), shape=(len(volunteers), n_vars))
    # z - sum_(experienced) x <= 0
    exp_pairs = np.nonzero(pair_experienced)[0]
    experience_rows = coo_array(
        (
            np.r_[np.ones(n_clients), -np.ones(len(exp_pairs))],
            (np.r_[clients, ci[exp_pairs]], np.r_[z0 + clients, exp_pairs]),
        ),
        shape=(n_clients, n_vars),
    )
    matrix = vstack([minimum, maximum, capacity_rows, experience_rows]).tocsr()
    low = np.r_[
        np.zeros(n_clients),
        np.full(n_clients, -np.inf),
        np.full(len(volunteers), -np.inf),
        np.full(n_clients, -np.inf),
    ]
    high = np.r_[
        np.full(n_clients, np.inf),
        np.zeros(n_clients),
        capacity[volunteers].astype(float),
        np.zeros(n_clients),
    ]
    result = milp(
        objective,
        integrality=np.ones(n_vars),
        bounds=Bounds(np.zeros(n_vars), upper),
        constraints=LinearConstraint(matrix, low, high),
        # Presolve off: on these models HiGHS's presolve takes seconds and removes little.
        options={"mip_rel_gap": 0.0, "time_limit": settings.time_limit, "presolve": False},
    )
    if result.x is None:
        raise RuntimeError(f"the matching model found no solution: {result.message}")
    chosen = np.nonzero(result.x[:n_pairs] > 0.5)[0]
    optimal = result.status == 0
    gap = 0.0 if optimal else float(getattr(result, "mip_gap", float("nan")))
    return chosen, gap, optimal
