"""Fixtures for background work: the test's own Redis, a burst worker, the jobs mode.

Imported by other test folders (``tests/mail``) with ``from tests.jobs.conftest import ...``.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from rq import SimpleWorker

from app.jobs import queue as queues
from app.jobs.worker import make_worker
from tests.jobs import sample_jobs
from tests.jobs.redis_server import OwnRedis
from tests.smtp import smtp_server  # noqa: F401 - a fixture of these tests too


@pytest.fixture
def own_redis(app, tmp_path, monkeypatch) -> Iterator[OwnRedis]:
    """A redis-server of this test on a free port; the app's jobs go there."""
    server = OwnRedis(tmp_path)
    server.start()
    monkeypatch.setitem(app.config, "REDIS_URL", server.url)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def embedded(app, monkeypatch) -> None:
    """No Redis: jobs run inline after the commit (the one-command demo)."""
    monkeypatch.setitem(app.config, "REDIS_URL", None)


@pytest.fixture(autouse=True)
def forget_sample_calls() -> Iterator[None]:
    sample_jobs.calls.clear()
    yield
    sample_jobs.calls.clear()


def run_burst(app) -> bool:
    """Run every queued job in this process (rq's SimpleWorker), then return."""
    with app.app_context():
        worker = make_worker(worker_class=SimpleWorker)
        return worker.work(burst=True)


def queued_count(app) -> int:
    with app.app_context():
        return sum(q.count for q in queues.all_queues())
