"""Secondary suppression against subtraction (``app.core.suppression.protect``).

Random tables shaped like the regional overview (municipalities × figures, a region total
per column, a row total over some columns, the reader's own municipality exact): after
``protect``, a complete search over every value the hidden cells could take (a "< 5" is 1
to 4, a "—" is 5 or more, every sum holds) finds at least two values for each hidden figure
of another municipality. The search (split and narrow) is independent of the bounds
``protect`` uses itself. A region total may come out exact when it is the reader's own
figure plus shown zeros: that gives nobody away.
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.core.suppression import SMALL_CELL_LIMIT, Sum, is_small, protect

PARTS = 3  # figure columns; column PARTS is their row total
OWN = 0  # the reader's municipality (exact)
REGION = "region"


def build(matrix: list[list[int]]) -> tuple[dict, list[Sum], set]:
    values: dict = {}
    sums: list[Sum] = []
    rows = list(range(len(matrix)))
    for r, row in enumerate(matrix):
        for c, value in enumerate(row):
            values[(r, c)] = value
        values[(r, PARTS)] = sum(row)
        sums.append(Sum((r, PARTS), tuple((r, c) for c in range(PARTS))))
    for c in range(PARTS + 1):
        values[(REGION, c)] = sum(values[(r, c)] for r in rows)
        sums.append(Sum((REGION, c), tuple((r, c) for r in rows)))
    sums.append(Sum((REGION, PARTS), tuple((REGION, c) for c in range(PARTS))))
    exact = {(OWN, c) for c in range(PARTS + 1)}
    return values, sums, exact


def guarded_cells(values: dict, exact: set) -> set:
    """The other municipalities' figures: what must not be worked out."""
    return {c for c in values if c not in exact and c[0] != REGION}


def _narrow(domains: dict, sums: list[Sum]) -> bool:
    """Shrink each (low, high) by every sum until nothing changes; False when empty."""
    changed = True
    while changed:
        changed = False
        for relation in sums:
            cells = [relation.total, *relation.parts]
            for cell in cells:
                if cell == relation.total:
                    low = sum(domains[p][0] for p in relation.parts)
                    high = sum(domains[p][1] for p in relation.parts)
                else:
                    others = [p for p in relation.parts if p != cell]
                    low = domains[relation.total][0] - sum(domains[p][1] for p in others)
                    high = domains[relation.total][1] - sum(domains[p][0] for p in others)
                new = (max(domains[cell][0], low), min(domains[cell][1], high))
                if new[0] > new[1]:
                    return False
                if new != domains[cell]:
                    domains[cell] = new
                    changed = True
    return True


def _solvable(domains: dict, sums: list[Sum]) -> bool:
    """Whether integer values within ``domains`` satisfy every sum (split and narrow)."""
    domains = dict(domains)
    if not _narrow(domains, sums):
        return False
    open_cells = [c for c, (low, high) in domains.items() if low < high]
    if not open_cells:
        return all(domains[r.total][0] == sum(domains[p][0] for p in r.parts) for r in sums)
    cell = min(open_cells, key=lambda c: (domains[c][1] - domains[c][0], str(c)))
    low, high = domains[cell]
    middle = (low + high) // 2
    return _solvable({**domains, cell: (low, middle)}, sums) or _solvable(
        {**domains, cell: (middle + 1, high)}, sums
    )


def other_solution(values, sums, protection, target, cap) -> bool:
    """Whether the hidden cells can take values consistent with everything shown (a "< 5"
    is 1 to 4, a "—" 1 to ``cap``, every sum holds) in which ``target`` differs from its
    true value: a complete search, not the bounds ``protect`` uses."""
    domains = {
        cell: (
            (value, value)
            if cell not in protection.hidden
            else (1, cap)
            if cell in protection.withheld
            else (1, SMALL_CELL_LIMIT - 1)
        )
        for cell, value in values.items()
    }
    true = values[target]
    low, high = domains[target]
    below = low <= true - 1 and _solvable({**domains, target: (low, true - 1)}, sums)
    return below or (true + 1 <= high and _solvable({**domains, target: (true + 1, high)}, sums))


small_heavy = st.one_of(st.integers(0, 4), st.integers(0, 4), st.integers(5, 9))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.lists(small_heavy, min_size=PARTS, max_size=PARTS), min_size=3, max_size=4))
def test_no_hidden_cell_can_be_worked_out(matrix):
    values, sums, exact = build(matrix)
    guarded = guarded_cells(values, exact)
    protection = protect(values, sums, exact, guarded)
    hidden = protection.hidden
    assert not hidden & exact, "the reader's own figures are exact"
    for cell, value in values.items():
        if cell not in exact and is_small(value):
            assert cell in hidden, f"{cell} = {value} is a small cell"
    cap = max(values.values()) + SMALL_CELL_LIMIT
    for cell in hidden & guarded:
        assert other_solution(values, sums, protection, cell, cap), (
            f"{cell} = {values[cell]} can be worked out from {matrix}"
        )


def test_a_lone_small_cell_takes_a_complement_not_the_total():
    # Lochem 2, Raalte 9, Zutphen 12 of one figure; the region total stays when Zutphen's 12
    # is withheld with it (2 + 12 = 14 leaves both open).
    values = {("l",): 2, ("r",): 9, ("z",): 12, ("t",): 23}
    sums = [Sum(("t",), (("l",), ("r",), ("z",)))]
    protection = protect(values, sums)
    hidden = protection.hidden
    assert hidden == {("l",), ("z",)}
    assert protection.text(("z",), 12) == "—"
    assert protection.text(("l",), 2) == "< 5"
    assert ("t",) not in hidden


def test_own_figures_are_never_hidden():
    values = {("own",): 1, ("other",): 7, ("t",): 8}
    sums = [Sum(("t",), (("own",), ("other",)))]
    assert protect(values, sums, exact={("own",)}).hidden == set()


def test_a_value_two_sums_fix_together_is_not_given_away():
    """Found by the complete search: municipality 2's row total of 3 = 1 + 2 + 0, where the
    region's column totals 1 and 2 are the same two hidden cells and the region's row total
    9 minus the shown 6 says they add up to 3. One sum at a time leaves 2 to 4 for the row
    total; all sums at once pin it to 3, so more has to be withheld."""
    matrix = [[0, 0, 0], [0, 0, 5], [1, 2, 0], [0, 0, 1]]
    values, sums, exact = build(matrix)
    protection = protect(values, sums, exact, guarded_cells(values, exact))
    assert (2, PARTS) in protection.hidden
    cap = max(values.values()) + SMALL_CELL_LIMIT
    for cell in protection.hidden & guarded_cells(values, exact):
        assert other_solution(values, sums, protection, cell, cap), cell
