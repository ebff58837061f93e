"""A real ``flask jobs worker`` process (rq's forking Worker with its scheduler)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from rq import Worker

ROOT = Path(__file__).resolve().parents[2]
FLASK = str(Path(sys.executable).with_name("flask"))


class WorkerProcess:
    def __init__(self, app, redis_url: str, log_path: Path) -> None:
        self.app = app
        self.redis_url = redis_url
        self.log_path = log_path
        self.process: subprocess.Popen | None = None

    def start(self, *extra: str, env: dict[str, str] | None = None) -> None:
        env = dict(
            os.environ,
            NAZORG_CONFIG="testing",
            DATABASE_URL=self.app.config["SQLALCHEMY_DATABASE_URI"],
            REDIS_URL=self.redis_url,
            PYTHONUNBUFFERED="1",
            **(env or {}),
        )
        self.log = open(self.log_path, "ab")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            [FLASK, "--app", "wsgi", "jobs", "worker", *extra],
            cwd=ROOT,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def wait_until_listening(self, connection, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while not Worker.all(connection=connection):
            assert self.process.poll() is None, self.output()
            assert time.monotonic() < deadline, "worker did not start\n" + self.output()
            time.sleep(0.05)

    def wait_until_idle(self, connection, timeout: float = 30) -> None:
        """Until the worker waits for jobs in its loop (registered is not enough: it
        still talks to Redis on its way there, and quits if Redis is away then)."""
        deadline = time.monotonic() + timeout
        while not any(w.get_state() == "idle" for w in Worker.all(connection=connection)):
            assert self.process.poll() is None, self.output()
            assert time.monotonic() < deadline, "worker did not get idle\n" + self.output()
            time.sleep(0.05)

    def kill(self, horse_pid: int) -> None:
        """SIGKILL the worker and its work-horse (rq gives it a process group of its own)."""
        os.kill(horse_pid, signal.SIGKILL)
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
        self.process = None
        if getattr(self, "log", None):
            self.log.close()

    def output(self) -> str:
        return self.log_path.read_text(errors="replace")[-4000:]


def all_work_done(connection) -> bool:
    """No job queued, running or waiting for a retry in any of the portal's queues."""
    from rq import Queue
    from rq.registry import ScheduledJobRegistry, StartedJobRegistry

    for name in ("default", "mail", "reports"):
        queue = Queue(name, connection=connection)
        if queue.count or StartedJobRegistry(queue=queue).count:
            return False
        if ScheduledJobRegistry(queue=queue).count:
            return False
    return True


def wait_for(condition, timeout: float = 30, message=None) -> None:
    """Poll ``condition`` until it holds (a deadline, not a sleep for timing).

    ``message`` may be a callable, read only on failure (e.g. the worker's log).
    """
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            text = message() if callable(message) else message
            raise AssertionError(text or "condition not reached in time")
        time.sleep(0.05)


def mail_through_a_worker(app, own_redis, smtp_server, log_path: Path) -> None:
    """Start a worker process that mails through the test's SMTP server, wait until a mail
    has arrived and no work is left, then stop it.

    The deadline leaves room for one retry (the first waits 30 s): a job that fails once
    on a busy machine and then succeeds is the design, and the caller still checks that
    exactly one mail arrived."""
    worker = WorkerProcess(app, own_redis.url, log_path)
    try:
        worker.start(
            env={
                "MAIL_BACKEND": "smtp",
                "MAIL_SERVER": "127.0.0.1",
                "MAIL_PORT": str(app.config["MAIL_PORT"]),
            }
        )
        connection = own_redis.client()
        wait_for(
            lambda: smtp_server.messages and all_work_done(connection),
            timeout=90,
            message=lambda: "no mail arrived\n" + worker.output(),
        )
    finally:
        worker.stop()
