"""The deployment benchmark's measurements beyond wrk: the intake API, the CSV export, the
database's own time per page (EXPLAIN ANALYZE) and the RLS-off copy.

Each probe returns a plain dict that ``bench/deployment.py`` writes into its results.
"""

from __future__ import annotations

import http.client
import json
import random
import statistics
import threading
import time
import uuid
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import create_engine, event, text

from app.cases.bsn import generate_bsn

# Tables smaller than this may be read whole; a sequential scan of a larger one on a page
# is reported (the page's cost would then grow with the data).
LARGE_TABLE_ROWS = 10_000


# --- the intake API ------------------------------------------------------------------------


def intake_document(rng: random.Random, today: date) -> dict:
    start = today - timedelta(days=rng.randint(1, 300))
    return {
        "message_id": str(uuid.uuid4()),
        "given_name": "Bench",
        "family_name": f"Instroom{rng.randint(1, 10**6)}",
        "date_of_birth": (date(1960, 1, 1) + timedelta(days=rng.randint(0, 15000))).isoformat(),
        "bsn": generate_bsn(rng),
        "facility": "PI Zwolle",
        "detention_start": start.isoformat(),
        "expected_release": (start + timedelta(days=rng.randint(30, 700))).isoformat(),
        "domains": {
            "housing": {"status": "not_arranged", "situation": "Dakloos", "need": "Woning"},
            "identity": {"status": "arranged"},
            "income": {"status": "unknown"},
        },
    }


def intake_api(
    port: int, token: str, seconds: float, clients: int = 4, batch_size: int = 100
) -> dict:
    """Documents per second end to end (validation, case, plan, access log) through the
    batch endpoint: ``clients`` connections each posting batches of ``batch_size`` new
    documents one after another for ``seconds``. Only created documents count.
    ``batch_size`` 0: one document a request to the single-document endpoint (the same
    code path, a batch of one), for the ratio.

    Each client first posts one batch that is not counted, and the clock starts when all
    of them are answered: gunicorn opens its port before its workers have loaded the
    portal, and a worker's first request (measured: 8 s on the loaded two-core machine,
    against 0.5-1 s after it) would otherwise weigh on a ten-second probe as if it were
    the intake's cost."""
    latencies: list[float] = []
    statuses: dict[str, int] = {}
    lock = threading.Lock()
    clock: dict[str, float] = {}

    def start_clock() -> None:
        clock["started"] = time.perf_counter()
        clock["stop_at"] = time.monotonic() + seconds

    warmed_up = threading.Barrier(clients, action=start_clock)

    def client(number: int) -> None:
        # New documents every run (a rerun on a kept database must not send duplicates).
        rng = random.Random(f"{time.time_ns()}-{number}")  # noqa: S311 - fictitious data
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}

        def post() -> tuple[float, int, dict]:
            documents = [intake_document(rng, date.today()) for _ in range(batch_size or 1)]
            if batch_size:
                url, body = "/api/v1/intake-document-batches", {"documents": documents}
            else:
                url, body = "/api/v1/intake-documents", documents[0]
            started = time.perf_counter()
            connection.request("POST", url, body=json.dumps(body), headers=headers)
            response = connection.getresponse()
            answer = response.read()
            elapsed = time.perf_counter() - started
            if batch_size:
                counts = json.loads(answer)["counts"] if response.status == 200 else {}
            else:
                counts = {str(json.loads(answer).get("status", "refused")): 1}
            return elapsed, response.status, counts

        post()
        warmed_up.wait()
        while time.monotonic() < clock["stop_at"]:
            elapsed, status, counts = post()
            with lock:
                latencies.append(elapsed)
                key = str(status)
                statuses[key] = statuses.get(key, 0) + 1
                for name, n in counts.items():
                    statuses[name] = statuses.get(name, 0) + n
        connection.close()

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - clock["started"]
    created = statuses.get("created", 0)
    return {
        "clients": clients,
        "batch_size": batch_size,
        "batches": len(latencies),
        "documents": len(latencies) * (batch_size or 1),
        "created": created,
        "statuses": dict(sorted(statuses.items())),
        "documents_per_second": created / elapsed,
        "p50_ms": statistics.median(latencies) * 1000 if latencies else None,
    }


def status_of(url: str, cookie: str) -> int:
    """The status of one GET, redirects not followed."""
    host, _, path = url.removeprefix("http://").partition("/")
    name, _, port = host.partition(":")
    connection = http.client.HTTPConnection(name, int(port), timeout=60)
    connection.request("GET", "/" + path, headers={"Cookie": cookie})
    response = connection.getresponse()
    response.read()
    connection.close()
    return response.status


# --- the CSV export ------------------------------------------------------------------------


def rss_kib(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except FileNotFoundError:
        return 0
    return 0


def worker_pids(master: int) -> list[int]:
    children = Path(f"/proc/{master}/task/{master}/children")
    return [int(p) for p in children.read_text().split()] if children.exists() else []


def csv_export(port: int, cookie: str, master_pid: int) -> dict:
    """Time to first byte, total time, rows and the gunicorn workers' memory above idle."""
    pids = worker_pids(master_pid)
    idle = {pid: rss_kib(pid) for pid in pids}
    peak = dict(idle)
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            for pid in pids:
                peak[pid] = max(peak[pid], rss_kib(pid))
            done.wait(0.05)

    sampler = threading.Thread(target=sample)
    sampler.start()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    started = time.perf_counter()
    connection.request("GET", "/cases/export.csv", headers={"Cookie": cookie})
    response = connection.getresponse()
    first = response.read(1)
    first_byte = time.perf_counter() - started
    size, lines = len(first), first.count(b"\n")
    while chunk := response.read(65536):
        size += len(chunk)
        lines += chunk.count(b"\n")
    total = time.perf_counter() - started
    connection.close()
    done.set()
    sampler.join()
    return {
        "status": response.status,
        "rows": max(0, lines - 1),
        "bytes": size,
        "first_byte_s": first_byte,
        "total_s": total,
        "memory_above_idle_mib": max((peak[pid] - idle[pid] for pid in pids), default=0) / 1024,
    }


# --- the database's own time per page -------------------------------------------------------


def explain_pages(
    app, cookies: dict[str, str], page_paths: dict[str, tuple[str, str]], owner_url: str
) -> list[dict]:
    """Every SELECT a page runs, run again as EXPLAIN ANALYZE on the same connection (so in
    the same transaction, with the same tenant setting); summed per page, with every
    sequential scan of a table over ``LARGE_TABLE_ROWS`` rows."""
    sizes = table_sizes(owner_url)
    plans: list[tuple[float, list[str]]] = []
    explaining = threading.local()

    def after_execute(conn, cursor, statement, parameters, context, executemany):
        if executemany or getattr(explaining, "on", False):
            return
        if not statement.lstrip().upper().startswith(("SELECT", "WITH")):
            return
        explaining.on = True
        try:
            raw = cursor.connection.cursor()
            raw.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + statement, parameters)
            plan = raw.fetchone()[0][0]
            raw.close()
        finally:
            explaining.on = False
        plans.append((plan["Execution Time"], list(seq_scans(plan["Plan"]))))

    from app.extensions import db  # the app's engine exists only inside its context

    with app.app_context():
        engine = db.engine
    # No app context is held around the requests: each request pushes its own, or the
    # first request's signed-in user would stay in ``g`` for the next role's pages.
    rows = []
    event.listen(engine, "after_cursor_execute", after_execute)
    try:
        for name, (path, role) in page_paths.items():
            client = signed_in(app, cookies[role])
            plans.clear()
            response = client.get(path, headers={"Accept-Language": "nl"})
            large = sorted(
                {t for _, scans in plans for t in scans if sizes.get(t, 0) > LARGE_TABLE_ROWS}
            )
            rows.append(
                {
                    "page": name,
                    "status": response.status_code,
                    "statements": len(plans),
                    "database_ms": sum(ms for ms, _ in plans),
                    "large_tables_read_whole": large,
                }
            )
    finally:
        event.remove(engine, "after_cursor_execute", after_execute)
    return rows


def signed_in(app, cookie: str):
    """A test client holding the session of ``cookie`` (a manual Cookie header is not
    read by the test client; the session is set as the test suite sets it)."""
    value = cookie.partition("=")[2]
    sid = app.session_interface.get_signing_serializer(app).loads(value)["sid"]
    client = app.test_client()
    with client.session_transaction() as session:
        session["sid"] = sid
    return client


def seq_scans(node: dict):
    if node.get("Node Type") == "Seq Scan":
        yield node.get("Relation Name")
    for child in node.get("Plans", []):
        yield from seq_scans(child)


def table_sizes(owner_url: str) -> dict[str, int]:
    engine = create_engine(owner_url)
    with engine.connect() as connection:
        sizes = dict(
            connection.execute(
                text(
                    "SELECT relname, reltuples::bigint FROM pg_class "
                    "WHERE relkind = 'r' AND relnamespace = 'public'::regnamespace"
                )
            ).all()
        )
    engine.dispose()
    return sizes


# --- the RLS-off copy -----------------------------------------------------------------------


def rls_off_copy(owner_url: str, database: str) -> str:
    """A throwaway copy of the filled database with row-level security switched off on
    every table; returns its name. The portal's own tenant filter still applies, so what
    the copy measures is the policies' cost alone."""
    copy = f"{database}_norls"
    admin = create_engine(
        owner_url.rsplit("/", 1)[0].replace("nazorg_owner:nazorg_owner", "postgres") + "/postgres"
    )
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(
            text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = :db AND pid <> pg_backend_pid()"
            ),
            {"db": database},
        )
        connection.execute(text(f'DROP DATABASE IF EXISTS "{copy}"'))
        connection.execute(text(f'CREATE DATABASE "{copy}" TEMPLATE "{database}"'))
    admin.dispose()
    engine = create_engine(owner_url.rsplit("/", 1)[0] + "/" + copy)
    with engine.begin() as connection:
        tables = connection.execute(
            text(
                "SELECT relname FROM pg_class WHERE relkind = 'r' AND relrowsecurity "
                "AND relnamespace = 'public'::regnamespace"
            )
        ).scalars()
        for table in list(tables):
            connection.execute(
                text(f'ALTER TABLE "{table}" NO FORCE ROW LEVEL SECURITY')  # noqa: S608
            )
            connection.execute(text(f'ALTER TABLE "{table}" DISABLE ROW LEVEL SECURITY'))
    engine.dispose()
    return copy


def matching(clients: int = 1000, volunteers: int = 3000) -> dict:
    """Matching ``clients`` waiting clients to ``volunteers`` volunteers: bench/matching.py's
    regional scenario, in a process of its own (its wall time and peak memory are its alone,
    not the portal's). The scarce scenario, a search the solver does not finish, stays a run
    of bench/matching.py."""
    from argparse import Namespace

    from bench import matching as matching_bench

    settings = Namespace(clients=clients, volunteers=volunteers, seed=7, time_limit=60.0)
    return matching_bench.run("regional", settings)
