"""Month arithmetic, once: clamped to the end of a shorter month, for dates and datetimes."""

from datetime import UTC, date, datetime

from hypothesis import given
from hypothesis import strategies as st

from app.core.dates import add_months, add_years


def test_end_of_month_is_clamped():
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert add_months(date(2028, 1, 31), 1) == date(2028, 2, 29)
    assert add_months(date(2026, 3, 31), -1) == date(2026, 2, 28)
    assert add_months(date(2026, 12, 15), 1) == date(2027, 1, 15)
    assert add_months(date(2026, 1, 15), -13) == date(2024, 12, 15)


def test_years_move_a_leap_day_to_28_february():
    assert add_years(date(2028, 2, 29), 1) == date(2029, 2, 28)
    assert add_years(date(2028, 2, 29), -4) == date(2024, 2, 29)
    assert add_years(date(2026, 12, 1), -7) == date(2019, 12, 1)


def test_a_datetime_stays_a_datetime_with_its_time_and_zone():
    moment = datetime(2026, 8, 31, 13, 45, tzinfo=UTC)
    assert add_months(moment, 6) == datetime(2027, 2, 28, 13, 45, tzinfo=UTC)


@given(st.dates(min_value=date(1900, 1, 1), max_value=date(2200, 12, 31)), st.integers(-600, 600))
def test_the_month_moves_by_exactly_n_and_the_day_never_grows(day, months):
    moved = add_months(day, months)
    assert (moved.year * 12 + moved.month) - (day.year * 12 + day.month) == months
    assert moved.day <= day.day
    assert moved.day == day.day or add_months(moved, 1).month != moved.month or moved.day >= 28
