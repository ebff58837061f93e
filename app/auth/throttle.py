"""Counting failed sign-ins per account and per address (the ``limits`` library).

Only failures count: a person who signs in correctly is never slowed down. The
counters live in Redis when the portal has one, so every worker process shares
them; in the embedded demo they live in memory. When Redis is away, the counting
goes on in this process's memory (and is logged), so that sign-in keeps working and
is still limited; the account lockout in the database holds across processes anyway.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TypeVar

from flask import current_app
from limits import parse
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter
from redis.exceptions import RedisError

log = logging.getLogger("nazorg.auth")
T = TypeVar("T")
_limiters: dict[str, MovingWindowRateLimiter] = {}
MEMORY = "memory://"


def _limiter(uri: str | None = None) -> MovingWindowRateLimiter:
    uri = uri or current_app.config.get("REDIS_URL") or MEMORY
    if uri not in _limiters:
        options = (
            {"socket_timeout": 0.5, "socket_connect_timeout": 0.5}
            if uri.startswith("redis")
            else {}
        )
        _limiters[uri] = MovingWindowRateLimiter(storage_from_string(uri, **options))
    return _limiters[uri]


def _keys(tenant_id: int, account: str, address: str | None) -> list[tuple[str, str]]:
    config = current_app.config
    keys = [(config["SIGN_IN_FAILURES_PER_ACCOUNT"], f"account:{tenant_id}:{account.lower()}")]
    if address:
        keys.append((config["SIGN_IN_FAILURES_PER_ADDRESS"], f"address:{address}"))
    return keys


def _with_limiter(operation: Callable[[MovingWindowRateLimiter], T]) -> T:
    try:
        return operation(_limiter())
    except RedisError:
        log.warning("sign-in throttle: Redis unreachable, counting in this process")
        return operation(_limiter(MEMORY))


def allowed(tenant_id: int, account: str, address: str | None) -> bool:
    keys = _keys(tenant_id, account, address)
    return _with_limiter(
        lambda limiter: all(
            limiter.test(parse(limit), "sign-in-failures", key) for limit, key in keys
        )
    )


def count_failure(tenant_id: int, account: str, address: str | None) -> None:
    keys = _keys(tenant_id, account, address)

    def hit_all(limiter: MovingWindowRateLimiter) -> None:
        for limit, key in keys:
            limiter.hit(parse(limit), "sign-in-failures", key)

    _with_limiter(hit_all)


def reset_all() -> None:
    """For tests: forget every counter."""
    for limiter in _limiters.values():
        try:
            limiter.storage.reset()
        except RedisError:
            continue  # a Redis that is away holds nothing to forget
