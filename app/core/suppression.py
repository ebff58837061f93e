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

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TypeVar

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
