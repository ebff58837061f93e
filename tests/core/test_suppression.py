"""The small-cell rule, on plain numbers (app.core.suppression)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from app.core.suppression import (
    SMALL_CELL_LIMIT,
    Count,
    Share,
    gives_away,
    is_small,
    percent,
    withheld_totals,
)


def test_counts_from_one_to_four_are_small_zero_and_five_are_not():
    assert [is_small(n) for n in range(7)] == [False, True, True, True, True, False, False]


def test_a_count_shows_its_number_a_small_cell_or_a_dash():
    assert str(Count(0)) == "0"
    assert str(Count(3)) == "< 5"
    assert str(Count(12)) == "12"
    assert str(Count(12, withheld=True)) == "—"
    assert Count(12, withheld=True).small


def test_a_percentage_needs_a_part_and_a_whole_that_are_not_small():
    assert percent(Count(5), Count(10)) == 50
    assert percent(Count(3), Count(10)) is None
    assert percent(Count(6), Count(8)) == 75
    assert percent(Count(5), Count(5, withheld=True)) is None
    assert percent(Count(0), Count(0)) is None
    assert Share(Count(7), Count(9)).percent == 78  # 77.8, rounded half up


def test_a_part_that_leaves_a_small_remainder_gives_it_away():
    assert gives_away(10, 7)
    assert not gives_away(10, 10)
    assert not gives_away(10, 5)


def test_a_total_is_withheld_where_any_row_is_small_or_withheld():
    rows = [{"a": 10, "b": 3, "c": 8}, {"a": 12, "b": 9, "c": 20}]
    assert withheld_totals(rows) == {"b"}
    assert withheld_totals(rows, {1: {"c"}}) == {"b", "c"}


@given(st.integers(min_value=0, max_value=10_000), st.integers(min_value=0, max_value=10_000))
def test_a_shown_percentage_never_rests_on_a_small_cell(part, whole):
    shown = percent(Count(min(part, whole)), Count(whole))
    if shown is not None:
        assert min(part, whole) == 0 or min(part, whole) >= SMALL_CELL_LIMIT
        assert whole >= SMALL_CELL_LIMIT
        assert 0 <= shown <= 100
