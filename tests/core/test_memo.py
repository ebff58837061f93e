"""The in-process cache of computed figures (``app.core.memo``)."""

from __future__ import annotations

from app.core.memo import MAX_ENTRIES, TimedCache


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
