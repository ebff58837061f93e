"""Calendar arithmetic the rules are written in: "six months after release",
"seven years after closing". A month later than 31 January is the last day of
February, as the law and the municipalities count it (and as ``dateutil`` did).
"""

from __future__ import annotations

import calendar
from datetime import date
from typing import TypeVar

Day = TypeVar("Day", bound=date)  # a date or a datetime; the result has the same type


def add_months(day: Day, months: int) -> Day:
    """``day`` moved by ``months`` (negative: back), clamped to the end of a shorter month."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    last_day = calendar.monthrange(year, month)[1]
    return day.replace(year=year, month=month, day=min(day.day, last_day))


def add_years(day: Day, years: int) -> Day:
    """``day`` moved by ``years``; 29 February becomes 28 February in a common year."""
    return add_months(day, 12 * years)
