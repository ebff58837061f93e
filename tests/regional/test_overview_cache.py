"""The overviews' figures kept for a few minutes per worker (``OVERVIEW_CACHE_SECONDS``,
``app.core.memo``): a kept figure is the reader's own scope's, its showing is logged like
the regional read, and the page says when the figures were read."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest

from app.core.memo import MAX_ENTRIES, TimedCache
from app.core.permissions import Role
from app.extensions import db
from app.regional import overview
from tests.factories import UserFactory
from tests.regional.test_regional_overview import (  # noqa: F401 - fixtures
    TODAY,
    Tables,
    case,
    coordinator,
    overview_tables,
    region,
)


class Clock:
    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


def test_a_value_is_computed_once_while_it_is_kept_and_again_after():
    clock, calls = Clock(), []
    cache = TimedCache(clock)

    def compute():
        calls.append(clock.now)
        return len(calls)

    assert cache.get_or_compute("k", 60, compute) == (1, None)
    clock.now += 59
    assert cache.get_or_compute("k", 60, compute) == (1, 59)
    clock.now += 1
    assert cache.get_or_compute("k", 60, compute) == (2, None)
    assert cache.get_or_compute("other", 60, compute) == (3, None)


def test_nothing_is_kept_with_zero_seconds_and_the_oldest_key_goes_first():
    cache = TimedCache(Clock())
    assert cache.get_or_compute("k", 0, lambda: 1) == (1, None)
    assert cache.get_or_compute("k", 0, lambda: 2) == (2, None)
    for number in range(MAX_ENTRIES + 1):
        cache.get_or_compute(number, 60, lambda number=number: number)
    assert cache.get_or_compute(0, 60, lambda: "again") == ("again", None)
    assert cache.get_or_compute(MAX_ENTRIES, 60, lambda: "again") == (MAX_ENTRIES, 0.0)


@pytest.fixture
def kept(app, monkeypatch):
    monkeypatch.setitem(app.config, "OVERVIEW_CACHE_SECONDS", 300)
    overview.FIGURES.clear()
    yield
    overview.FIGURES.clear()


def test_a_kept_regional_figure_is_shown_logged_and_dated(
    kept, region, coordinator, sign_in, tenants, in_tenant, caplog
):
    status, first, html = overview_tables(sign_in, coordinator)
    assert status == 200
    assert 'data-testid="figures-read-at"' in html
    # A new case in Deventer is not in the kept figures; the page says when they were read.
    with in_tenant(tenants["deventer"]):
        case(phase="in_detention", expected_release=TODAY + timedelta(days=90))
        db.session.commit()
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="nazorg.security"):
        status, second, html = overview_tables(sign_in, coordinator)
    assert status == 200
    assert second["regional-cases"] == first["regional-cases"]
    shown = [r for r in caplog.records if r.getMessage() == "regional figures shown"]
    assert [(r.actor, r.purpose) for r in shown] == [
        (str(coordinator.id), "regional monitor overview (kept figures)")
    ]
    read = [r for r in caplog.records if r.getMessage() == "regional read opened"]
    assert "regional monitor overview" not in [r.purpose for r in read]
    # Read again once they are no longer kept: the new case counts.
    overview.FIGURES.clear()
    _status, third, _html = overview_tables(sign_in, coordinator)
    assert third["regional-cases"] != first["regional-cases"]


def test_a_municipality_never_gets_the_regions_kept_figures(
    kept, region, coordinator, sign_in, tenants, in_tenant
):
    assert sign_in(coordinator).get("/regio").status_code == 200
    with in_tenant(tenants["lochem"]):
        worker = UserFactory(role=Role.CASE_WORKER.value)
        db.session.commit()
    page = sign_in(worker).get("/cijfers").get_data(as_text=True)
    rows = set(Tables(page).tables["regional-cases"])
    assert tenants["lochem"].name in rows
    for other in ("deventer", "zutphen", "raalte"):
        assert tenants[other].name not in rows


def test_without_keeping_the_page_says_nothing_about_when(region, coordinator, sign_in):
    _status, _tables, html = overview_tables(sign_in, coordinator)
    assert 'data-testid="figures-read-at"' not in html
