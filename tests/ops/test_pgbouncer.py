"""The suite's isolation tests, run again through a real PgBouncer in transaction mode.

PgBouncer hands a server connection to another client after every transaction. The
tenant is set per transaction (``set_config(..., true)``), so isolation must hold
unchanged; psycopg's prepared statements would not survive the hand-over, which is what
``DATABASE_TRANSACTION_POOLER`` turns off (docs/scaling.md). The isolation files run in a
pytest of their own against a third database (``scripts/pg-setup <name>3``, created by
scripts/test), reached through the pooler; migrations go straight to PostgreSQL as the
owner, as a deployment's would.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import psycopg
import pytest

from tests.conftest import DATABASE_URL, REDIS_URL
from tests.conftest import PGBOUNCER as PGBOUNCER_PATH
from tests.jobs.redis_server import free_port

pytestmark = [pytest.mark.postgres, pytest.mark.pgbouncer]

PGBOUNCER = shutil.which("pgbouncer") or PGBOUNCER_PATH
ISOLATION_TESTS = (
    "tests/core/test_rls.py",
    "tests/core/test_tenant_scope.py",
    "tests/security/test_canaries.py",
    "tests/audit/test_case_access.py",
    # Twenty threads saving at once: server connections change hands between transactions.
    "tests/cases/test_concurrency.py",
)


def pooled_database_name() -> str:
    return DATABASE_URL.rsplit("/", 1)[1] + "3"


def write_config(directory: Path, port: int) -> Path:
    users = directory / "users.txt"
    users.write_text('"nazorg_app" "nazorg_app"\n', encoding="utf-8")
    config = directory / "pgbouncer.ini"
    config.write_text(
        "[databases]\n"
        f"{pooled_database_name()} = host=127.0.0.1 port=5432\n"
        "[pgbouncer]\n"
        "listen_addr = 127.0.0.1\n"
        f"listen_port = {port}\n"
        f"unix_socket_dir = {directory}\n"
        "auth_type = trust\n"
        f"auth_file = {users}\n"
        "pool_mode = transaction\n"
        "default_pool_size = 4\n"
        "max_client_conn = 200\n",
        encoding="utf-8",
    )
    return config


@pytest.fixture
def pgbouncer(tmp_path):
    tmp_path.chmod(0o777)  # PgBouncer refuses to run as root: it runs as nobody then
    port = free_port()
    command = [PGBOUNCER, str(write_config(tmp_path, port))]
    if os.geteuid() == 0:
        command[1:1] = ["-u", "nobody"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    url = f"postgresql://nazorg_app:nazorg_app@127.0.0.1:{port}/{pooled_database_name()}"
    deadline = time.monotonic() + 20
    while True:
        try:
            psycopg.connect(url, connect_timeout=2).close()
            break
        except psycopg.OperationalError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                raise AssertionError(process.stdout.read().decode()) from None
            time.sleep(0.05)
    yield url
    process.terminate()
    process.wait(timeout=10)


def test_isolation_holds_through_pgbouncer_in_transaction_mode(pgbouncer):
    owner_url = os.environ["MIGRATION_DATABASE_URL"].rsplit("/", 1)[0]
    env = {
        **os.environ,
        "DATABASE_URL": pgbouncer.replace("postgresql://", "postgresql+psycopg://"),
        "MIGRATION_DATABASE_URL": f"{owner_url}/{pooled_database_name()}",
        "DATABASE_TRANSACTION_POOLER": "1",
        "REDIS_URL": REDIS_URL,
        "NAZORG_REQUIRE_REAL_PARTS": "1",
    }
    result = subprocess.run(  # noqa: S603 - our own pytest, fixed arguments
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *ISOLATION_TESTS],
        env=env,
        capture_output=True,
        text=True,
        timeout=1200,
        check=False,
    )
    summary = result.stdout[-3000:]
    assert result.returncode == 0, summary + result.stderr[-2000:]
    assert " passed" in summary and " failed" not in summary, summary
