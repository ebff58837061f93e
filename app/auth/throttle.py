"""Counting failed sign-ins per account and per address (the ``limits`` library).

Only failures count: a person who signs in correctly is never slowed down. The
counters live in Redis when the portal has one, so every worker process shares
them; in the embedded demo they live in memory.
"""

from __future__ import annotations

from flask import current_app
from limits import parse
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter

_limiters: dict[str, MovingWindowRateLimiter] = {}


def _limiter() -> MovingWindowRateLimiter:
    uri = current_app.config.get("REDIS_URL") or "memory://"
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


def allowed(tenant_id: int, account: str, address: str | None) -> bool:
    return all(
        _limiter().test(parse(limit), "sign-in-failures", key)
        for limit, key in _keys(tenant_id, account, address)
    )


def count_failure(tenant_id: int, account: str, address: str | None) -> None:
    for limit, key in _keys(tenant_id, account, address):
        _limiter().hit(parse(limit), "sign-in-failures", key)


def reset_all() -> None:
    """For tests: forget every counter."""
    for limiter in _limiters.values():
        limiter.storage.reset()
