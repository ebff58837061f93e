"""The suite's own clock: a run past midnight compares with the day the app records."""

from __future__ import annotations

import types
from datetime import date

from tests.conftest import follow_the_clock

YESTERDAY = date(2026, 12, 6)
TODAY_ = date(2026, 12, 7)
A_MONDAY = date(2027, 3, 1)


def module(name: str, today) -> types.ModuleType:
    made = types.ModuleType(name)
    made.TODAY = today
    return made


def test_a_module_imported_yesterday_sees_today() -> None:
    imported_yesterday = module("tests.cases.test_x", YESTERDAY)
    assert follow_the_clock({"tests.cases.test_x": imported_yesterday}, YESTERDAY, TODAY_) == [
        "tests.cases.test_x"
    ]
    assert imported_yesterday.TODAY == TODAY_


def test_fixed_dates_and_other_packages_stay() -> None:
    fixed = module("tests.jobs.test_schedule", A_MONDAY)
    not_a_test = module("app.cases.plan", YESTERDAY)
    modules = {"tests.jobs.test_schedule": fixed, "app.cases.plan": not_a_test}
    assert follow_the_clock(modules, YESTERDAY, TODAY_) == []
    assert fixed.TODAY == A_MONDAY
    assert not_a_test.TODAY == YESTERDAY


def test_nothing_moves_on_the_import_day() -> None:
    same_day = module("tests.cases.test_x", YESTERDAY)
    assert follow_the_clock({"tests.cases.test_x": same_day}, YESTERDAY, YESTERDAY) == []
    assert same_day.TODAY == YESTERDAY
