"""Benchmark of a deployment: the portal under gunicorn, loaded by wrk, at a chosen scale.

    bash scripts/pg-setup nazorg_bench
    .venv/bin/python bench/deployment.py --scale region      # 5 municipalities, 100,000 clients
    .venv/bin/python bench/deployment.py --scale small       # 5 municipalities, 1,000 clients
    .venv/bin/python bench/deployment.py --scale national    # 340 municipalities, same per head

The database named by ``--database`` (default nazorg_bench, made by scripts/pg-setup) is
emptied, migrated and filled:

- the municipalities through the onboarding command (``flask tenants add``), so national
  scale is 340 tenants made the way a real one is;
- per municipality a few dozen *seed* files made by the test suite's factories (a case
  with its client, life domains, snapshots, phase history, timeline, notes with
  revisions, intake message, tasks, consents, referrals, trajectories: every table that
  hangs on a client), then cloned in SQL (``INSERT ... SELECT ... generate_series``) to
  the wanted number of clients. The tables to clone are found by the generic walk
  (``audit.records.dependents``), so a table added later is filled without listing it;
  every uuid key and every reference between cloned rows gets a new value derived from
  (old value, clone number), references to users and templates stay;
- the access log: ten rows per client;
- ``ANALYZE`` (autovacuum is off on this machine, PITFALLS).

Then gunicorn (2 sync workers, production settings) serves it on loopback and wrk drives
each page for ``--seconds`` with ``--connections`` connections and a signed-in case
worker's session cookie, interleaved with the floor page (``/over``: a fixed page behind
the same middleware), so that each page's throughput is reported as a ratio to the floor
measured beside it: this machine is shared and noisy, ratios hold where absolute figures
do not. Results go to ``bench/results/deployment-<scale>.{md,json}`` with the machine and
the commit. The load is bounded in time and stays on 127.0.0.1.

What is not measured here yet (docs/scaling.md, the README's benchmark section): the
RLS-off copy, EXPLAIN ANALYZE per page, the intake API, the export and the mentor portal.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import flask_migrate  # noqa: E402
from sqlalchemy import UniqueConstraint, Uuid, create_engine, text  # noqa: E402

from app import create_app  # noqa: E402
from app.audit.records import dependents  # noqa: E402
from app.cases.models import Client  # noqa: E402
from app.core.context import tenant_app_context  # noqa: E402
from app.extensions import db  # noqa: E402
from app.tenants.models import Tenant  # noqa: E402

SCALES = {
    # municipalities, clients per municipality
    "small": (5, 200),
    "region": (5, 20_000),
    "national": (340, 300),
}
SEEDS_PER_TENANT = 40
ACCESS_LOG_ROWS_PER_CLIENT = 10
SECRET_KEY = "bench-only-" + "x" * 40
# wrk's report as one JSON line (its own output has no p95).
WRK_SCRIPT = "\n".join(
    (
        "done = function(summary, latency, requests)",
        '  io.write(string.format("JSON {\\"requests\\": %d, \\"seconds\\": %f, '
        '\\"p50\\": %f, \\"p95\\": %f, \\"errors\\": %d, \\"non2xx\\": %d}\\n",',
        "    summary.requests, summary.duration / 1e6,",
        "    latency:percentile(50) / 1000, latency:percentile(95) / 1000,",
        "    summary.errors.connect + summary.errors.read + summary.errors.write"
        " + summary.errors.timeout,",
        "    summary.errors.status))",
        "end",
    )
)


def urls(database: str) -> tuple[str, str]:
    base = "127.0.0.1:5432/" + database
    return (
        f"postgresql+psycopg://nazorg_app:nazorg_app@{base}",
        f"postgresql+psycopg://nazorg_owner:nazorg_owner@{base}",
    )


def reset_schema(owner_url: str) -> None:
    engine = create_engine(owner_url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def add_municipalities(app, total: int) -> None:
    runner = app.test_cli_runner()
    result = runner.invoke(args=["tenants", "add-region-defaults"])
    if result.exit_code != 0:
        raise SystemExit(result.output)
    with app.app_context():
        present = db.session.scalar(db.select(db.func.count()).select_from(Tenant))
    for number in range(present + 1, total + 1):
        result = runner.invoke(
            args=["tenants", "add", f"gemeente-{number:03d}", f"Gemeente {number:03d}"]
        )
        if result.exit_code != 0:
            raise SystemExit(result.output)


def make_seed_files(app, tenant_id: int, rng: random.Random) -> uuid.UUID:
    """Seed files of varied length for one municipality; returns its case worker's id."""
    # import here: the factories are test code; only the fill needs them.
    from tests import factories as f

    today = date.today()
    with app.app_context(), tenant_app_context(tenant_id):
        worker = f.UserFactory(role="case_worker", display_name="Bench Casemanager")
        for number in range(SEEDS_PER_TENANT):
            release = today + timedelta(days=rng.randint(-1500, 200))
            case = f.CaseFactory(
                client__family_name=f"Achternaam{number}",
                case_worker=worker,
                detention_start=release - timedelta(days=rng.choice((30, 60, 90, 200, 400))),
                expected_release=release,
            )
            for _ in range(rng.randint(8, 16)):
                f.TaskFactory(case=case, due_date=release + timedelta(days=rng.randint(-60, 90)))
            for _ in range(rng.randint(2, 12)):
                f.NoteRevisionFactory(note=f.NoteFactory(case=case))
            for _ in range(rng.randint(5, 25)):
                f.TimelineEntryFactory(case=case)
            f.PhaseChangeFactory(case=case)
            f.DomainSnapshotFactory(case=case)
            f.IntakeMessageFactory(case=case)
            f.DomainConsentFactory(case=case)
            if rng.random() < 0.3:
                f.ReferralFactory(case=case)
            if rng.random() < 0.25:
                f.TrajectoryFactory(case=case)
        db.session.commit()
        return worker.id


def clone_expression(column, cloned: set[str], key_columns: set[str]) -> str:
    name = f't."{column.name}"'
    if column.name == "tenant_id":
        return name
    if isinstance(column.type, Uuid) and column.name in key_columns:
        return f"CASE WHEN {name} IS NULL THEN NULL ELSE md5({name}::text || g.n)::uuid END"
    if column.name == "bsn":
        # Unique per municipality: nine digits from the clone number and the seed's place.
        return "lpad((g.n * 1000 + s.seed)::text, 9, '0')"
    if column.name == "family_name":
        return f"{name} || '-' || (g.n % 997)"
    if any(column.name in u for u in unique_text_columns(column.table, key_columns)):
        return f"left({name}, 40) || '-' || g.n"
    return name


def unique_text_columns(table, key_columns: set[str]) -> list[set[str]]:
    """Text columns of unique constraints that a new key does not already make unique."""
    return [
        {c.name for c in constraint.columns if not isinstance(c.type, Uuid)} - {"tenant_id"}
        for constraint in table.constraints
        if isinstance(constraint, UniqueConstraint)
        and not {c.name for c in constraint.columns} & key_columns
    ]


def key_columns_of(table, cloned: set[str]) -> set[str]:
    """The uuid columns that are keys of the cloned rows: the primary key, references to
    another cloned table, and uuid columns outside any foreign key (submission keys)."""
    outside = set()
    for constraint in table.foreign_key_constraints:
        if constraint.referred_table.name not in cloned:
            outside |= set(constraint.column_keys) - {"tenant_id"}
    return {c.name for c in table.c if isinstance(c.type, Uuid)} - outside


def clone_files(app, tenant_id: int, copies: int) -> None:
    """Every seed file of the municipality ``copies`` times more, one statement per table."""
    with app.app_context():
        tables = [Client.__table__] + [cls.__table__ for cls, _ in dependents(Client, [])]
    cloned = {t.name for t in tables}
    owner = create_engine(app.config["MIGRATION_DATABASE_URI"])
    with owner.begin() as connection:
        # The owner obeys the policies too (FORCE ROW LEVEL SECURITY).
        connection.execute(
            text("SELECT set_config('app.tenant_id', :t, true)"), {"t": str(tenant_id)}
        )
        for table in tables:
            keys = key_columns_of(table, cloned)
            columns = ", ".join(f'"{c.name}"' for c in table.c)
            values = ", ".join(clone_expression(c, cloned, keys) for c in table.c)
            seed = (
                "(SELECT id, row_number() OVER (ORDER BY id) AS seed FROM clients "
                "WHERE tenant_id = :tenant)"
            )
            join = f"JOIN {seed} s ON s.id = t.id" if table.name == "clients" else ""
            connection.execute(
                text(
                    f'INSERT INTO "{table.name}" ({columns}) SELECT {values} '  # noqa: S608
                    f'FROM "{table.name}" t {join} CROSS JOIN generate_series(1, :copies) g(n) '
                    "WHERE t.tenant_id = :tenant"
                ),
                {"tenant": tenant_id, "copies": copies},
            )
        connection.execute(
            text(
                "INSERT INTO access_log (tenant_id, id, occurred_at, user_id, user_name, "
                "actor_tenant_id, role, client_id, object_type, object_id, action, result) "
                "SELECT c.tenant_id, gen_random_uuid(), now() - (g.n || ' days')::interval, "
                "u.id, 'Bench', c.tenant_id, 'case_worker', c.id, 'case', NULL, 'read', "
                "'granted' FROM clients c JOIN users u ON u.tenant_id = c.tenant_id "
                "AND u.display_name = 'Bench Casemanager' "
                "CROSS JOIN generate_series(1, :rows) g(n) WHERE c.tenant_id = :tenant"
            ),
            {"tenant": tenant_id, "rows": ACCESS_LOG_ROWS_PER_CLIENT},
        )
    owner.dispose()


def fill(app, municipalities: int, clients: int, rng: random.Random) -> dict[int, uuid.UUID]:
    add_municipalities(app, municipalities)
    with app.app_context():
        tenant_ids = db.session.scalars(db.select(Tenant.id).order_by(Tenant.id)).all()
    workers = {}
    seeds = min(SEEDS_PER_TENANT, clients)
    for tenant_id in tenant_ids:
        workers[tenant_id] = make_seed_files(app, tenant_id, rng)
        clone_files(app, tenant_id, max(0, clients // seeds - 1))
    owner = create_engine(app.config["MIGRATION_DATABASE_URI"])
    with owner.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("ANALYZE"))
    owner.dispose()
    return workers


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def session_cookie(app, tenant_id: int, worker_id: uuid.UUID) -> str:
    # import here: auth's services need the app configured first.
    from app.auth.services import start_session_for

    with app.test_request_context():
        sid = start_session_for(tenant_id, worker_id, method="bench", origin=None, user_agent=None)
    signer = app.session_interface.get_signing_serializer(app)
    return f"{app.config['SESSION_COOKIE_NAME']}={signer.dumps({'sid': sid})}"


def start_gunicorn(database_url: str, port: int) -> subprocess.Popen:
    env = {
        **os.environ,
        "NAZORG_CONFIG": "production",
        "SECRET_KEY": SECRET_KEY,
        "DATABASE_URL": database_url,
        "REDIS_URL": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/14"),
        "PORTAL_BASE_URL": "https://nazorg.bench.invalid",
        "LOG_LEVEL": "WARNING",
    }
    process = subprocess.Popen(  # noqa: S603 - our own gunicorn, fixed arguments
        [str(ROOT / ".venv/bin/gunicorn"), "-w", "2", "-b", f"127.0.0.1:{port}", "wsgi:app"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return process
        time.sleep(0.1)
    process.kill()
    raise SystemExit("gunicorn did not start")


def wrk(url: str, cookie: str, seconds: int, connections: int, script: Path) -> dict:
    output = subprocess.run(  # noqa: S603 - wrk, fixed arguments, loopback only
        [
            shutil.which("wrk") or "wrk",
            "-t2",
            f"-c{connections}",
            f"-d{seconds}s",
            "--timeout",
            "30s",
            "-s",
            str(script),
            "-H",
            f"Cookie: {cookie}",
            "-H",
            "Accept-Language: nl",
            url,
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    figures = json.loads(re.search(r"^JSON (.*)$", output, re.M).group(1))
    figures["rps"] = figures["requests"] / figures["seconds"]
    return figures


def pages(app, tenant_id: int) -> dict[str, str]:
    with app.app_context(), tenant_app_context(tenant_id):
        case_id = db.session.execute(
            text(
                "SELECT case_id FROM tasks GROUP BY case_id ORDER BY count(*) DESC, case_id LIMIT 1"
            )
        ).scalar()
        bsn = db.session.execute(text("SELECT bsn FROM clients ORDER BY id LIMIT 1")).scalar()
    return {
        "case list, first page": "/cases/",
        "case list, name search": "/cases/?q=Achternaam12",
        "case list, exact BSN": f"/cases/?q={bsn}",
        "case list, release within 30 days": "/cases/?release_within=30",
        "case list, sorted by name": "/cases/?sort=name",
        "case page, long history": f"/cases/{case_id}",
        "notifications": "/notifications/",
    }


def measure(base: str, cookie: str, page_paths: dict, args) -> list[dict]:
    script = Path(tempfile.mkdtemp()) / "report.lua"
    script.write_text(WRK_SCRIPT, encoding="utf-8")
    for path in ["/over", *page_paths.values()]:  # both workers booted, caches warm
        wrk(base + path, cookie, 1, 2, script)
    rows = []
    for name, path in page_paths.items():
        ratios, page_runs = [], []
        for _ in range(args.rounds):  # pairs interleaved: floor, page, floor, page
            floor = wrk(base + "/over", cookie, args.seconds, args.connections, script)
            page = wrk(base + path, cookie, args.seconds, args.connections, script)
            ratios.append(page["rps"] / max(floor["rps"], 1e-9))
            page_runs.append(page)
        rows.append(
            {
                "page": name,
                "path": path,
                "rps": statistics.median(r["rps"] for r in page_runs),
                "p50_ms": statistics.median(r["p50"] for r in page_runs),
                "p95_ms": statistics.median(r["p95"] for r in page_runs),
                "ratio_to_floor": statistics.median(ratios),
                "errors": sum(r["errors"] + r["non2xx"] for r in page_runs),
            }
        )
        print(
            f"{name:36} {rows[-1]['rps']:8.1f} rps  p50 {rows[-1]['p50_ms']:7.1f} ms  "
            f"p95 {rows[-1]['p95_ms']:7.1f} ms  floor ratio {rows[-1]['ratio_to_floor']:.2f}"
            + (f"  ERRORS {rows[-1]['errors']}" if rows[-1]["errors"] else "")
        )
    return rows


def machine() -> dict:
    commit = subprocess.run(  # noqa: S603
        [shutil.which("git") or "/usr/bin/git", "rev-parse", "--short", "HEAD"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    ).stdout.strip()
    return {
        "commit": commit,
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "cpus": os.cpu_count(),
        "platform": platform.platform(),
        "python": platform.python_version(),
    }


def write_results(scale: str, counts: dict, rows: list[dict]) -> Path:
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    about = machine()
    (out / f"deployment-{scale}.json").write_text(
        json.dumps({"scale": scale, "machine": about, "rows": counts, "pages": rows}, indent=2),
        encoding="utf-8",
    )
    lines = [
        f"# Deployment benchmark, scale {scale}",
        "",
        f"Commit {about['commit']}, {about['when']}, {about['cpus']} cores, {about['platform']}.",
        "Rows: " + ", ".join(f"{table} {count:,}" for table, count in counts.items()) + ".",
        "",
        "| page | req/s | p50 ms | p95 ms | ÷ floor |",
        "|---|---|---|---|---|",
    ]
    lines += [
        f"| {r['page']} | {r['rps']:.1f} | {r['p50_ms']:.1f} | {r['p95_ms']:.1f} "
        f"| {r['ratio_to_floor']:.2f} |"
        for r in rows
    ]
    path = out / f"deployment-{scale}.md"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


COUNTED = ("clients", "cases", "tasks", "case_events", "case_notes", "access_log")


def row_counts(owner_url: str) -> dict[str, int]:
    """Rows in all municipalities together: the owner obeys the policies, so per tenant."""
    engine = create_engine(owner_url)
    counts = dict.fromkeys(COUNTED, 0)
    with engine.connect() as connection:
        tenant_ids = connection.execute(text("SELECT id FROM tenants")).scalars().all()
        connection.commit()
        counts = {"tenants": len(tenant_ids), **counts}
        for tenant_id in tenant_ids:
            with connection.begin():
                connection.execute(
                    text("SELECT set_config('app.tenant_id', :t, true)"), {"t": str(tenant_id)}
                )
                for table in COUNTED:
                    counts[table] += connection.execute(
                        text(f'SELECT count(*) FROM "{table}"')  # noqa: S608 - fixed names
                    ).scalar()
    engine.dispose()
    return counts


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", choices=SCALES, default="small")
    parser.add_argument("--database", default="nazorg_bench")
    parser.add_argument("--seconds", type=int, default=5, help="per wrk run")
    parser.add_argument("--rounds", type=int, default=2, help="floor/page pairs per page")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--keep", action="store_true", help="reuse the filled database")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is not installed: apt-get install wrk")
    app_url, owner_url = urls(args.database)
    app = create_app(
        "testing",
        {
            "SQLALCHEMY_DATABASE_URI": app_url,
            "MIGRATION_DATABASE_URI": owner_url,
            "REDIS_URL": None,
            "SECRET_KEY": SECRET_KEY,
            "SESSION_COOKIE_NAME": "__Host-nazorg",
        },
    )
    municipalities, clients = SCALES[args.scale]
    rng = random.Random(7)  # noqa: S311 - fictitious bench data
    if not args.keep:
        reset_schema(owner_url)
        with app.app_context():
            flask_migrate.upgrade()
        started = time.perf_counter()
        workers = fill(app, municipalities, clients, rng)
        print(f"filled in {time.perf_counter() - started:.0f} s")
    else:
        with app.app_context():
            first = db.session.scalar(db.select(db.func.min(Tenant.id)))
        with app.app_context(), tenant_app_context(first):
            workers = {
                first: db.session.scalar(
                    text("SELECT id FROM users WHERE display_name = 'Bench Casemanager'")
                )
            }
    counts = row_counts(owner_url)
    print(counts)
    tenant_id = min(workers)
    cookie = session_cookie(app, tenant_id, workers[tenant_id])
    port = free_port()
    server = start_gunicorn(app_url, port)
    try:
        rows = measure(f"http://127.0.0.1:{port}", cookie, pages(app, tenant_id), args)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    print(f"written {write_results(args.scale, counts, rows)}")


if __name__ == "__main__":
    main()
