"""A fixed-window count per key (the public application form per address).

In Redis when the portal has one (every worker shares it), else in this process's memory.
"""

from __future__ import annotations

import logging
import threading
import time

import redis
from flask import current_app
from redis.exceptions import RedisError

log = logging.getLogger("nazorg.volunteers")
PREFIX = "nazorg:volunteer-form:"
_memory: dict[str, tuple[int, int]] = {}
_lock = threading.Lock()


def _window(seconds: int) -> int:
    return int(time.time()) // seconds


def hit(key: str, limit: int, seconds: int = 3600) -> bool:
    """Count one attempt; False when this one is over ``limit`` in the current window."""
    name = f"{PREFIX}{key}:{_window(seconds)}"
    url = current_app.config.get("REDIS_URL")
    if url:
        try:
            client = redis.Redis.from_url(
                url, socket_timeout=current_app.config.get("REDIS_TIMEOUT_SECONDS", 0.5)
            )
            with client.pipeline() as pipe:
                pipe.incr(name)
                pipe.expire(name, seconds)
                count = pipe.execute()[0]
            return count <= limit
        except RedisError:
            log.warning("redis unavailable: counting volunteer applications in memory")
    with _lock:
        window, count = _memory.get(key, (_window(seconds), 0))
        if window != _window(seconds):
            window, count = _window(seconds), 0
        _memory[key] = (window, count + 1)
        return count + 1 <= limit


def reset() -> None:
    with _lock:
        _memory.clear()
    url = current_app.config.get("REDIS_URL")
    if url:
        try:
            client = redis.Redis.from_url(url)
            for name in client.scan_iter(f"{PREFIX}*"):
                client.delete(name)
        except RedisError:
            pass
