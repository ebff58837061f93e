"""Small-cell suppression of aggregate figures: one rule for every page that shows counts
about people (the regional monitor, and later finance and the volunteer programme).

- A count from 1 to ``SMALL_CELL_LIMIT - 1`` is shown as "< 5": in a small group a figure
  can point to a person. Zero says nothing about a person and is shown.
- A count is *withheld* ("—") when it would give a small one back by subtraction
  (``gives_away``): the rest of a whole, or a total whose parts are known.
- A percentage is shown only when neither its part nor its whole is small or withheld.

Pure functions and values, no database and no Flask: the callers compute the plain
numbers and decide which columns are related.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TypeVar

import numpy as np
from scipy.optimize import linprog

SMALL_CELL_LIMIT = 5
SMALL_CELL_TEXT = f"< {SMALL_CELL_LIMIT}"
WITHHELD_TEXT = "—"

Column = TypeVar("Column")


def is_small(value: int) -> bool:
    return 0 < value < SMALL_CELL_LIMIT


def gives_away(whole: int, part: int) -> bool:
    """Whether showing ``part`` of ``whole`` would give a small remainder back."""
    return is_small(whole - part)


@dataclass(frozen=True)
class Count:
    """A count as a page may show it: "< 5" for a small cell, "—" when withheld."""

    value: int
    withheld: bool = False

    @property
    def small(self) -> bool:
        # A withheld count hides what depends on it (percentages, costs) as a small one does.
        return self.withheld or is_small(self.value)

    def __str__(self) -> str:
        if self.withheld:
            return WITHHELD_TEXT
        return SMALL_CELL_TEXT if self.small else str(self.value)


def percent(part: Count, whole: Count) -> int | None:
    """``part`` of ``whole`` in whole percents, or None where either is a small cell."""
    if part.small or whole.small or not whole.value:
        return None
    # Rounded half up, as a reader expects (not to the even number).
    return (200 * part.value + whole.value) // (2 * whole.value)


@dataclass(frozen=True)
class Share:
    """A part out of a whole (arranged out of measured); the percentage only when shown."""

    arranged: Count
    measured: Count

    @property
    def percent(self) -> int | None:
        return percent(self.arranged, self.measured)


def withheld_totals(
    rows: Iterable[Mapping[Column, int]], withheld: Mapping[int, set[Column]] | None = None
) -> set[Column]:
    """The columns whose total over ``rows`` must be withheld (secondary suppression).

    A total goes wherever one row's figure in that column is small or withheld in its row
    (``withheld``: row index -> columns): the total minus the other rows gives it back."""
    withheld = withheld or {}
    return {
        column
        for index, values in enumerate(rows)
        for column, value in values.items()
        if is_small(value) or column in withheld.get(index, set())
    }


# --- tables with totals: primary and secondary suppression --------------------------------
#
# A table of counts about people is a set of cells with known sums (a region total of a
# column, an "all" column of a row, arranged + not arranged + unknown = applicable). The
# reader knows the rule: "< 5" is 1 to 4; "—" is withheld, some number of 1 or more (a zero
# is never withheld). Suppression:
#
# 1. primary: every cell the reader may not see exactly (``exact``: the reader's own
#    municipality) with a value from 1 to 4 is hidden as "< 5";
# 2. secondary: the bounds every hidden cell has after the sums are applied over and over
#    (``bounds_of``) are computed, and where they pin nothing, the bounds under all sums at
#    once (``pinned_down``, linear programming); while one of the guarded cells comes out
#    as a single value, one more cell of a sum holding it is withheld ("—"): the largest
#    part of 5 or more that is not exact, else the total; when every sum around it is
#    hidden already, the hidden totals that still say "< 5" say "—" instead (no upper
#    bound).
#
# ``tests/core/test_suppression_tables.py`` checks the result with a complete search
# (not these bounds): no guarded hidden cell has only one value consistent with the page.

UNBOUNDED = 10**9


@dataclass(frozen=True)
class Sum:
    """``total`` is the sum of ``parts`` (cells are any hashable keys)."""

    total: object
    parts: tuple


@dataclass
class Protection:
    """The hidden cells; of them, ``withheld`` are shown as "—", the others as "< 5"."""

    hidden: set
    withheld: set

    def text(self, cell, value: int) -> str:
        if cell not in self.hidden:
            return str(value)
        return WITHHELD_TEXT if cell in self.withheld else SMALL_CELL_TEXT


def reader_bounds(values: Mapping, hidden: set, withheld: set) -> dict:
    """What the page says of each cell, before any sum: exact, 1 to 4, or 1 or more."""
    known: dict = {}
    for cell, value in values.items():
        if cell not in hidden:
            known[cell] = (value, value)
        elif cell in withheld:
            known[cell] = (1, UNBOUNDED)
        else:
            known[cell] = (1, SMALL_CELL_LIMIT - 1)
    return known


def bounds_of(values: Mapping, sums: Iterable[Sum], hidden: set, withheld: set) -> dict:
    """What a reader can work out of every cell: (lowest, highest) value, from the page and
    the sums, applied until nothing changes."""
    sums = list(sums)
    known = reader_bounds(values, hidden, withheld)
    changed, rounds = True, 0
    while changed and rounds < 200:
        changed, rounds = False, rounds + 1
        for relation in sums:
            low_total, high_total = known[relation.total]
            part_lows = sum(known[p][0] for p in relation.parts)
            part_highs = min(UNBOUNDED, sum(known[p][1] for p in relation.parts))
            updates = {relation.total: (max(low_total, part_lows), min(high_total, part_highs))}
            for part in relation.parts:
                low, high = known[part]
                others = [known[p] for p in relation.parts if p is not part and p != part]
                others_low = sum(o[0] for o in others)
                if any(o[1] >= UNBOUNDED for o in others) or high_total >= UNBOUNDED:
                    new_low = low
                else:
                    new_low = max(low, low_total - sum(o[1] for o in others))
                new_high = high if high_total >= UNBOUNDED else min(high, high_total - others_low)
                updates[part] = (new_low, new_high)
            for cell, bound in updates.items():
                if bound != known[cell]:
                    known[cell] = bound
                    changed = True
    return known


def protect(
    values: Mapping,
    sums: Iterable[Sum],
    exact: set | frozenset = frozenset(),
    guarded: set | frozenset | None = None,
) -> Protection:
    """The cells to hide (primary and secondary) in a table with sums.

    ``exact``: the reader's own cells, never hidden. ``guarded``: the cells whose value may
    not be worked out when hidden (default: every cell not exact); a total over the reader's
    own figures and shown zeros may come out exact without giving anyone away."""
    sums = list(sums)
    guarded = set(values) - set(exact) if guarded is None else set(guarded)
    hidden: set = set()
    withheld: set = set()
    # Sums that share no cell cannot say anything about each other: protect each group of
    # linked sums on its own (a page's tables are many small groups).
    for cells, group in _linked(values, sums):
        part = _protect_linked({c: values[c] for c in cells}, group, set(exact), guarded)
        hidden |= part.hidden
        withheld |= part.withheld
    return Protection(hidden, withheld)


def _linked(values: Mapping, sums: list[Sum]) -> list[tuple[set, list[Sum]]]:
    """The cells and sums in groups linked by shared cells; a cell in no sum is its own."""
    parent = {cell: cell for cell in values}

    def root(cell):
        while parent[cell] != cell:
            parent[cell] = parent[parent[cell]]
            cell = parent[cell]
        return cell

    for relation in sums:
        first = root(relation.total)
        for part in relation.parts:
            parent[root(part)] = first
    cells: dict = {}
    for cell in values:
        cells.setdefault(root(cell), set()).add(cell)
    groups: dict = {}
    for relation in sums:
        groups.setdefault(root(relation.total), []).append(relation)
    return [(members, groups.get(key, [])) for key, members in cells.items()]


def pinned_down(values: Mapping, sums: list[Sum], hidden: set, withheld: set, cells) -> set:
    """Of ``cells`` (hidden ones), those the page and all its sums together leave a single
    whole value: the lowest and highest value of each under every sum at once, by linear
    programming (HiGHS through SciPy). ``bounds_of`` applies one sum at a time and misses a
    value two sums fix together: a row total of 3 = a + b + 0 where the region's total says
    a + b = 3 through two other columns (found by the complete search of the tests). The
    sums of a table with totals per row and column keep the corners of this polytope whole,
    so a range holding two whole numbers holds values a reader cannot tell apart."""
    cells = [c for c in cells if c in hidden]
    if not cells or not sums:
        return set()
    order = list(values)
    index = {cell: i for i, cell in enumerate(order)}
    equations = np.zeros((len(sums), len(order)))
    for row, relation in enumerate(sums):
        equations[row, index[relation.total]] += 1
        for part in relation.parts:
            equations[row, index[part]] -= 1
    known = reader_bounds(values, hidden, withheld)
    bounds = [(known[c][0], None if known[c][1] >= UNBOUNDED else known[c][1]) for c in order]
    pinned = set()
    for cell in cells:
        lowest = highest = None
        for sign in (1, -1):
            objective = np.zeros(len(order))
            objective[index[cell]] = sign
            result = linprog(
                objective, A_eq=equations, b_eq=np.zeros(len(sums)), bounds=bounds, method="highs"
            )
            if result.status != 0:  # cannot tell: treat as given away, hide more
                pinned.add(cell)
                break
            if sign == 1:
                lowest = result.fun
            else:
                highest = -result.fun
        else:
            if math.ceil(lowest - 1e-6) >= math.floor(highest + 1e-6):
                pinned.add(cell)
    return pinned


def _protect_linked(values: Mapping, sums: list[Sum], exact: set, guarded: set) -> Protection:
    hidden = {c for c, v in values.items() if c not in exact and is_small(v)}
    withheld: set = set()
    for _round in range(3 * len(values) + 1):
        known = bounds_of(values, sums, hidden, withheld)
        exposed = {c for c in hidden & guarded if known[c][0] >= known[c][1]}
        if not exposed:
            # One sum at a time found nothing: all of them at once.
            exposed = pinned_down(values, sums, hidden, withheld, hidden & guarded)
        if not exposed:
            break
        cell = min(exposed, key=str)
        around = [r for r in sums if cell in (r.total, *r.parts)]
        # A part of 5 or more next to it in a sum, or under it when it is the total.
        complements = [
            p
            for r in around
            for p in r.parts
            if p not in hidden and p not in exact and values[p] >= SMALL_CELL_LIMIT
        ]
        totals = [r.total for r in around if r.total not in hidden and r.total not in exact]
        small_totals = [r.total for r in around if r.total in hidden - withheld]
        if complements:
            chosen = max(complements, key=lambda p: (values[p], str(p)))
            hidden.add(chosen)
            withheld.add(chosen)
        elif totals:
            hidden.add(totals[0])
            withheld.add(totals[0])
        elif small_totals:
            withheld.update(small_totals)
        else:
            # Every sum around it is hidden already: every hidden total says "—", and every
            # total over a hidden figure is withheld (never a zero: it is at least its part).
            more = {
                r.total
                for r in sums
                if r.total not in exact
                and (
                    r.total in hidden - withheld
                    or (r.total not in hidden and hidden & set(r.parts))
                )
            }
            if not more:
                break
            hidden |= more
            withheld |= more
    return Protection(hidden, withheld)
