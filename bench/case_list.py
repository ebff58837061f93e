"""Benchmark: the case list and the case page under row-level security, at regional volume.

Fills a PostgreSQL database (migrated, as the test suite does) with ``--cases`` cases
per municipality, each with its life domains, then times requests through the app as
a signed-in case worker: the list (plain, name search, exact BSN, filters) and the case
page. Prints median and 95th percentile per request kind, and the rows per tenant.

Usage (a database of its own; it is emptied first):
    bash scripts/pg-setup nazorg_bench
    export DATABASE_URL=postgresql+psycopg://nazorg_app:nazorg_app@127.0.0.1:5432/nazorg_bench
    export MIGRATION_DATABASE_URL=postgresql+psycopg://nazorg_owner:nazorg_owner@127.0.0.1/nazorg_bench
    .venv/bin/python bench/case_list.py --cases 2000 --rounds 30
National scale: ``--municipalities 340`` adds the municipalities beyond the five through
``flask tenants add`` (the onboarding command), then fills every one.

Deventer counts about 200 returning people a year and the files stay ten years after
closing, so 2,000 cases per municipality is a realistic full load.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
import uuid
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import insert, text  # noqa: E402

from app.auth.models import User  # noqa: E402
from app.cases.bsn import generate_bsn  # noqa: E402
from app.cases.models import CORE_LIFE_DOMAINS, Case, Client, LifeDomain  # noqa: E402
from app.core.context import tenant_app_context  # noqa: E402
from app.extensions import db  # noqa: E402
from app.tenants.models import Tenant  # noqa: E402
from bench.common import migrated_app  # noqa: E402


def fill(app, cases_per_tenant: int, rng: random.Random) -> dict[int, uuid.UUID]:
    workers = {}
    today = date.today()
    with app.app_context():
        tenants = db.session.scalars(db.select(Tenant)).all()
    for tenant in tenants:
        with app.app_context(), tenant_app_context(tenant.id):
            worker = User(
                tenant_id=tenant.id,
                display_name="Bench",
                role="case_worker",
                issuer="bench",
                subject="bench",
            )
            db.session.add(worker)
            db.session.flush()
            workers[tenant.id] = worker.id
            clients, cases, domains = [], [], []
            for number in range(cases_per_tenant):
                client_id, case_id = uuid.uuid4(), uuid.uuid4()
                clients.append(
                    dict(
                        tenant_id=tenant.id,
                        id=client_id,
                        given_name=f"Voornaam{number}",
                        family_name=f"Achternaam{rng.randint(0, 5000)}",
                        date_of_birth=date(1980, 1, 1),
                        bsn=generate_bsn(rng),
                    )
                )
                release = today + timedelta(days=rng.randint(-900, 180))
                cases.append(
                    dict(
                        tenant_id=tenant.id,
                        id=case_id,
                        client_id=client_id,
                        case_worker_id=worker.id,
                        phase="in_detention",
                        facility="PI Zwolle",
                        expected_release=release,
                        detention_start=release - timedelta(days=60),
                        version=1,
                    )
                )
                domains += [
                    dict(
                        tenant_id=tenant.id,
                        id=uuid.uuid4(),
                        case_id=case_id,
                        domain=kind.value,
                        position=position,
                        status="unknown",
                        version=1,
                    )
                    for position, kind in enumerate(CORE_LIFE_DOMAINS)
                ]
            # bsn must be unique per tenant; regenerate the rare collision
            seen = set()
            for row in clients:
                while row["bsn"] in seen:
                    row["bsn"] = generate_bsn(rng)
                seen.add(row["bsn"])
            db.session.execute(insert(Client), clients)
            db.session.execute(insert(Case), cases)
            db.session.execute(insert(LifeDomain), domains)
            db.session.commit()
    return workers


def timed(client, url: str, rounds: int) -> list[float]:
    durations = []
    for _ in range(rounds):
        start = time.perf_counter()
        response = client.get(url)
        durations.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    return durations


def add_municipalities(app, total: int) -> None:
    """Up to ``total`` municipalities, the extra ones by the onboarding command itself."""
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


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=2000, help="cases per municipality")
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument(
        "--municipalities", type=int, default=5, help="in all; beyond the five by `tenants add`"
    )
    args = parser.parse_args()
    app = migrated_app()
    add_municipalities(app, args.municipalities)
    rng = random.Random(7)  # noqa: S311 - fictitious bench data
    started = time.perf_counter()
    workers = fill(app, args.cases, rng)
    print(
        f"filled {len(workers)} municipalities x {args.cases} cases "
        f"in {time.perf_counter() - started:.1f} s"
    )

    from app.auth.services import start_session_for

    tenant_id, worker_id = next(iter(workers.items()))
    with app.test_request_context():
        cookie = start_session_for(
            tenant_id, worker_id, method="bench", origin=None, user_agent=None
        )
    client = app.test_client()
    with client.session_transaction() as session:
        session["sid"] = cookie
    with app.app_context(), tenant_app_context(tenant_id):
        sample = db.session.execute(text("SELECT id FROM cases LIMIT 1")).scalar()
        bsn = db.session.execute(text("SELECT bsn FROM clients LIMIT 1")).scalar()

    kinds = {
        "list, first page": "/cases/",
        "list, name search": "/cases/?q=Achternaam12",
        "list, exact BSN": f"/cases/?q={bsn}",
        "list, release within 30 days": "/cases/?release_within=30",
        "list, sorted by name": "/cases/?sort=name",
        "case page": f"/cases/{sample}",
    }
    print(f"{'request':32} {'median ms':>10} {'p95 ms':>8}")
    for name, path in kinds.items():
        timed(client, path, 3)  # warm up caches and the connection pool
        durations = sorted(timed(client, path, args.rounds))
        p95 = durations[max(0, int(len(durations) * 0.95) - 1)]
        print(f"{name:32} {statistics.median(durations):10.1f} {p95:8.1f}")


if __name__ == "__main__":
    main()
