"""The portal under gunicorn with the production settings: security events reach the
``security_events`` table and gunicorn's stdout as JSON lines.

gunicorn runs as its own process (2 workers, 2 threads each) on the test database and
the test's own redis-server. Production refuses the demo sign-in, so the users get a
server-side session row as a sign-in makes one, and the signed cookie that names it.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from flask import Flask
from flask.sessions import SecureCookieSessionInterface
from gunicorn.config import KNOWN_SETTINGS
from sqlalchemy import select

from app.auth.models import SecurityEvent
from app.core.permissions import Role
from app.extensions import db
from tests.conftest import open_session_for
from tests.csrf import csrf_token_from
from tests.factories import CaseFactory, UserFactory
from tests.jobs.conftest import own_redis  # noqa: F401 - a fixture of these tests too
from tests.jobs.redis_server import free_port
from tests.jobs.worker_process import wait_for

pytestmark = [pytest.mark.postgres, pytest.mark.redis]

ROOT = Path(__file__).resolve().parents[2]
GUNICORN = str(Path(sys.executable).with_name("gunicorn"))
COOKIE = "__Host-nazorg"
# gunicorn 25+ opens one control socket per user by default: a parallel run's would clash.
NO_CONTROL_SOCKET = [
    flag
    for setting in KNOWN_SETTINGS
    for flag in (setting.cli or [])
    if flag == "--no-control-socket"
]


class Gunicorn:
    def __init__(self, app, redis_url: str, directory: Path) -> None:
        self.secret_key = secrets.token_urlsafe(48)
        self.port = free_port()
        self.stdout_path = directory / "gunicorn.stdout"
        self.stderr_path = directory / "gunicorn.stderr"
        self.env = dict(
            os.environ,
            NAZORG_CONFIG="production",
            SECRET_KEY=self.secret_key,
            DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"],
            REDIS_URL=redis_url,
            PORTAL_BASE_URL="https://nazorg.example.nl",
            PYTHONUNBUFFERED="1",
        )
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        with open(self.stdout_path, "wb") as out, open(self.stderr_path, "wb") as err:
            self.process = subprocess.Popen(
                [GUNICORN, "-w", "2", "--threads", "2", "-b", f"127.0.0.1:{self.port}"]
                + NO_CONTROL_SOCKET
                + ["wsgi:app"],
                cwd=ROOT,
                env=self.env,
                stdout=out,
                stderr=err,
                start_new_session=True,
            )
        wait_for(self.healthy, timeout=60, message=lambda: "gunicorn did not start\n" + self.err())

    def healthy(self) -> bool:
        assert self.process.poll() is None, self.err()
        try:
            return requests.get(self.url + "/healthz", timeout=2).status_code == 200
        except requests.RequestException:
            return False

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)

    def cookie_for(self, app, user) -> str:
        """The signed session cookie the production app sets for ``user``."""
        signer = Flask("cookie")
        signer.secret_key = self.secret_key
        serializer = SecureCookieSessionInterface().get_signing_serializer(signer)
        return serializer.dumps({"sid": open_session_for(app, user)})

    def out(self) -> str:
        return self.stdout_path.read_text(errors="replace")

    def err(self) -> str:
        return self.stderr_path.read_text(errors="replace")[-4000:]

    def json_lines(self) -> list[dict]:
        return [json.loads(line) for line in self.out().splitlines() if line.strip()]


@pytest.fixture
def gunicorn(app, own_redis, tmp_path) -> Iterator[Gunicorn]:  # noqa: F811 - the fixture
    server = Gunicorn(app, own_redis.url, tmp_path)
    server.start()
    try:
        yield server
    finally:
        server.stop()


def get(server: Gunicorn, path: str, cookie: str) -> requests.Response:
    return requests.get(
        server.url + path,
        headers={"Cookie": f"{COOKIE}={cookie}"},
        timeout=30,
        allow_redirects=False,
    )


def test_the_regional_overview_and_a_transfer_reach_security_events_and_stdout_as_json(
    app, tenants, in_tenant, gunicorn
):
    deventer, zutphen, lochem = tenants["deventer"], tenants["zutphen"], tenants["lochem"]
    with in_tenant(deventer):
        coordinator = UserFactory(role=Role.REGIONAL_COORDINATOR.value)
    with in_tenant(zutphen):
        worker = UserFactory(role=Role.CASE_WORKER.value)
        case = CaseFactory(case_worker_id=worker.id)
        personal = [case.client.given_name, case.client.family_name, case.client.bsn]
        personal += [worker.email, worker.display_name]

    regional = get(gunicorn, "/regio", gunicorn.cookie_for(app, coordinator))
    assert regional.status_code == 200, regional.text[:500]

    cookie = gunicorn.cookie_for(app, worker)
    page = get(gunicorn, f"/cases/{case.id}", cookie)
    assert page.status_code == 200
    # The page stored the CSRF secret in the session: the cookie it set carries it.
    cookie = re.search(rf"{COOKIE}=([^;]+)", page.headers["Set-Cookie"]).group(1)
    moved = requests.post(
        gunicorn.url + f"/cases/{case.id}/transfer",
        data={"target": lochem.id, "reason": "Verhuisd", "confirm": "1"},
        headers={
            "Cookie": f"{COOKIE}={cookie}",
            "X-CSRFToken": csrf_token_from(page.text),
        },
        timeout=60,
        allow_redirects=False,
    )
    assert moved.status_code == 302, moved.text[:500]

    with in_tenant(deventer):
        [opened] = db.session.scalars(
            select(SecurityEvent).where(SecurityEvent.event == "regional_read")
        ).all()
        assert (opened.result, opened.user_id) == ("granted", coordinator.id)
    with in_tenant(zutphen):
        [transferred] = db.session.scalars(
            select(SecurityEvent).where(SecurityEvent.event == "case_transfer_offered")
        ).all()
        assert (transferred.result, transferred.user_id) == ("offered", worker.id)

    def security_lines() -> dict[str, dict]:
        return {
            line["message"]: line
            for line in gunicorn.json_lines()
            if line["logger"] == "nazorg.security"
        }

    wait_for(
        lambda: {"regional read opened", "case transfer offered"} <= set(security_lines()),
        timeout=30,
        message=lambda: "no security lines on stdout\n" + gunicorn.out()[-4000:],
    )
    lines = security_lines()
    read = lines["regional read opened"]
    assert (read["level"], read["event"], read["result"]) == ("INFO", "regional_read", "granted")
    assert read["tenant_id"] == deventer.id and read["user"] == str(coordinator.id)
    assert read["request_id"] and read["time"]
    done = lines["case transfer offered"]
    assert (done["event"], done["result"], done["tenant_id"]) == (
        "case_transfer_offered",
        "offered",
        zutphen.id,
    )
    assert done["case"] == str(case.id) and done["to_tenant"] == lochem.id
    assert done["request_id"] != read["request_id"]
    output = gunicorn.out()
    assert not [value for value in personal if value and str(value) in output]
