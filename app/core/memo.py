"""A small in-process cache of computed figures, each kept for a fixed number of seconds.

The overviews' figures are grouped counts over ten years of a region's files: reading them
costs far more than the page around them, and a monitor figure a few minutes old is what a
coordinator expects of it. Kept in the worker's memory (never shared through Redis, so no
pickled data is read back from outside the process), at most ``MAX_ENTRIES`` keys, the
oldest dropped first. The caller's key says whose figures they are: the cache cannot tell.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any

MAX_ENTRIES = 256


class TimedCache:
    """Values by key for ``seconds`` each; ``seconds`` 0 keeps nothing (the tests' config)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._entries: OrderedDict[Hashable, tuple[float, float, Any]] = OrderedDict()
        self._lock = threading.Lock()

    def get_or_compute(
        self, key: Hashable, seconds: float, compute: Callable[[], Any]
    ) -> tuple[Any, float | None]:
        """The value of ``key`` and the age in seconds of a kept one (None: just computed)."""
        now = self._clock()
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None and now - entry[0] < seconds:
                return entry[2], now - entry[0]
        value = compute()
        if seconds > 0:
            with self._lock:
                self._entries[key] = (now, seconds, value)
                self._entries.move_to_end(key)
                while len(self._entries) > MAX_ENTRIES:
                    self._entries.popitem(last=False)
        return value, None

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
