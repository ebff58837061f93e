"""Slowing down password guessing without letting anyone lock the owner out.

The rule (OWASP's authentication cheat sheet; README, "Sign-in"):

- **Per account and address** (the pair): five failures are free; after that the pair
  waits 30 s, then 1, 2, 4, 8 and at most 15 minutes before each next try.
- **Per address**, over all accounts (one address trying many accounts): thirty
  failures are free, then the same doubling waits.
- **Per account**, over all addresses (many addresses trying one account): after 100
  failures within the window, an address that has already failed on this account gets
  no further try until the window ends; an address that has not failed on it still may.

Only failures count, and a refusal during a wait counts nothing, so the owner, signing
in from an address that has not been failing, always gets in with the right password
and code, however hard another address hammers the account. The second factor (TOTP)
is what keeps a guessed password from being enough. Counts are kept for a window of
24 hours from the first failure; a full sign-in forgets its own pair.

Unknown and known addresses are counted alike, so the throttle tells no one which
accounts exist. The counts live in Redis when the portal has one, so every worker
shares them; in the demo in memory. When Redis is away, the counting goes on in this
process's memory (and is logged), so that sign-in keeps working and is still limited.
Times come from ``time.time()`` of the portal, never from Redis, so that every worker
and the tests agree on them.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Protocol, TypeVar

import redis
from flask import current_app
from redis.exceptions import RedisError

log = logging.getLogger("nazorg.auth")
T = TypeVar("T")
MEMORY = "memory://"
PREFIX = "nazorg:sign-in:"
WINDOW_SECONDS = 24 * 3600


@dataclass(frozen=True)
class BackOff:
    free_failures: int
    first_wait_seconds: int
    longest_wait_seconds: int

    def wait_after(self, failures: int) -> int:
        """Seconds to wait after the last of ``failures`` failures before the next try."""
        if failures < self.free_failures:
            return 0
        doublings = min(failures - self.free_failures, 30)
        return min(self.first_wait_seconds * 2**doublings, self.longest_wait_seconds)


PAIR = BackOff(free_failures=5, first_wait_seconds=30, longest_wait_seconds=15 * 60)
ADDRESS = BackOff(free_failures=30, first_wait_seconds=30, longest_wait_seconds=15 * 60)
ACCOUNT_CEILING = 100


@dataclass(frozen=True)
class Failures:
    count: int = 0
    first_at: float = 0.0
    last_at: float = 0.0

    def current(self, now: float) -> Failures:
        """These failures, or none once the window since the first has passed."""
        if self.count and now - self.first_at <= WINDOW_SECONDS:
            return self
        return Failures()


@dataclass(frozen=True)
class Verdict:
    """May this pair try now; if not, for how many seconds yet, and by which rule."""

    allowed: bool
    wait_seconds: int = 0
    rule: str = ""


class Store(Protocol):
    def read(self, keys: list[str]) -> list[Failures]: ...

    def add_failure(self, keys: list[str], now: float) -> None: ...

    def forget(self, key: str) -> None: ...

    def reset(self) -> None: ...


class MemoryStore:
    def __init__(self) -> None:
        self._rows: dict[str, Failures] = {}
        self._lock = threading.Lock()

    def read(self, keys: list[str]) -> list[Failures]:
        with self._lock:
            return [self._rows.get(key, Failures()) for key in keys]

    def add_failure(self, keys: list[str], now: float) -> None:
        with self._lock:
            for key in keys:
                row = self._rows.get(key, Failures()).current(now)
                self._rows[key] = Failures(row.count + 1, row.first_at or now, now)

    def forget(self, key: str) -> None:
        with self._lock:
            self._rows.pop(key, None)

    def reset(self) -> None:
        with self._lock:
            self._rows.clear()


# One failure, atomically: a window that has passed starts again. The key lives in
# Redis for a window after its last failure; whether it still counts is decided here
# and in ``Failures.current`` from the stored times.
_ADD_FAILURE = """
local now = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local first = tonumber(redis.call('HGET', KEYS[1], 'first') or '0')
if first == 0 or now - first > window then
  redis.call('DEL', KEYS[1])
  redis.call('HSET', KEYS[1], 'first', ARGV[1])
end
redis.call('HINCRBY', KEYS[1], 'count', 1)
redis.call('HSET', KEYS[1], 'last', ARGV[1])
redis.call('EXPIRE', KEYS[1], window)
return 1
"""


class RedisStore:
    def __init__(self, url: str, timeout: float) -> None:
        self._redis = redis.Redis.from_url(
            url, socket_timeout=timeout, socket_connect_timeout=timeout
        )
        self._add = self._redis.register_script(_ADD_FAILURE)

    def read(self, keys: list[str]) -> list[Failures]:
        pipe = self._redis.pipeline(transaction=False)
        for key in keys:
            pipe.hmget(key, "count", "first", "last")
        return [
            Failures(int(count), float(first), float(last)) if count else Failures()
            for count, first, last in pipe.execute()
        ]

    def add_failure(self, keys: list[str], now: float) -> None:
        pipe = self._redis.pipeline(transaction=False)
        for key in keys:
            self._add(keys=[key], args=[repr(now), WINDOW_SECONDS], client=pipe)
        pipe.execute()

    def forget(self, key: str) -> None:
        self._redis.delete(key)

    def reset(self) -> None:
        keys = list(self._redis.scan_iter(match=PREFIX + "*", count=500))
        if keys:
            self._redis.delete(*keys)


_stores: dict[str, Store] = {}
_stores_lock = threading.Lock()


def _store(uri: str | None = None) -> Store:
    uri = uri or current_app.config.get("REDIS_URL") or MEMORY
    with _stores_lock:
        if uri not in _stores:
            _stores[uri] = (
                MemoryStore()
                if uri == MEMORY
                else RedisStore(uri, float(current_app.config["REDIS_TIMEOUT_SECONDS"]))
            )
        return _stores[uri]


def _with_store(operation: Callable[[Store], T]) -> T:
    try:
        return operation(_store())
    except RedisError:
        log.warning("sign-in throttle: Redis unreachable, counting in this process")
        return operation(_store(MEMORY))


@dataclass(frozen=True)
class _Keys:
    pair: str
    address: str
    account: str

    def all(self) -> list[str]:
        return [self.pair, self.address, self.account]


def _keys(tenant_id: int, account: str, address: str | None) -> _Keys:
    account = (account or "").strip().lower()
    address = address or "unknown"
    return _Keys(
        pair=f"{PREFIX}pair:{tenant_id}:{account}:{address}",
        address=f"{PREFIX}address:{address}",
        account=f"{PREFIX}account:{tenant_id}:{account}",
    )


def verdict_for(pair: Failures, address: Failures, account: Failures, now: float) -> Verdict:
    """The rule above, on the three counts (pure, so it can be tested on its own)."""
    pair, address, account = pair.current(now), address.current(now), account.current(now)
    waits: list[tuple[float, str]] = [
        (_wait(pair, PAIR, now), "pair"),
        (_wait(address, ADDRESS, now), "address"),
    ]
    if account.count >= ACCOUNT_CEILING and pair.count > 0:
        waits.append((account.first_at + WINDOW_SECONDS - now, "account"))
    wait, rule = max(waits)
    if wait <= 0:
        return Verdict(allowed=True)
    return Verdict(allowed=False, wait_seconds=math.ceil(wait), rule=rule)


def _wait(failures: Failures, policy: BackOff, now: float) -> float:
    wait = policy.wait_after(failures.count)
    return failures.last_at + wait - now if wait else 0.0


def check(tenant_id: int, account: str, address: str | None) -> Verdict:
    keys = _keys(tenant_id, account, address)
    now = time.time()
    pair, by_address, by_account = _with_store(lambda store: store.read(keys.all()))
    return verdict_for(pair, by_address, by_account, now)


def count_failure(tenant_id: int, account: str, address: str | None) -> None:
    keys = _keys(tenant_id, account, address)
    now = time.time()
    _with_store(lambda store: store.add_failure(keys.all(), now))


def count_success(tenant_id: int, account: str, address: str | None) -> None:
    """A full sign-in (password and code) forgets this pair's failures, nothing else:
    the address's and the account's counts keep slowing whoever else is guessing."""
    key = _keys(tenant_id, account, address).pair
    _with_store(lambda store: store.forget(key))


def _all_stores() -> Iterable[Store]:
    with _stores_lock:
        return list(_stores.values())


def reset_all() -> None:
    """For tests: forget every count, also those an earlier run left in Redis."""
    for store in {*_all_stores(), _store()}:
        try:
            store.reset()
        except RedisError:
            continue  # a Redis that is away holds nothing to forget
