"""Benchmark: the case page of a long file, and its sections' next pages.

Fills a PostgreSQL database (migrated, as the test suite does) with one case of
Deventer that has ``--rows`` tasks (a third of them done), notes and timeline events,
then requests, as its signed-in case worker through the Flask test client, the case page
and the sections' next pages (with ``HX-Request``: the fragment; without: the full page).
Prints per request the median of ``--rounds`` requests in milliseconds, the response's
size in bytes and its SQL statements. The figures of issue 14 are in the docstring of
``app/cases/sections.py``.

Usage (a database of its own; it is emptied first):
    bash scripts/pg-setup nazorg_bench
    export DATABASE_URL=postgresql+psycopg://nazorg_app:nazorg_app@127.0.0.1:5432/nazorg_bench
    export MIGRATION_DATABASE_URL=postgresql+psycopg://nazorg_owner:nazorg_owner@127.0.0.1/nazorg_bench
    .venv/bin/python bench/case_page.py --rows 1000 --rounds 20
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import event, insert, select  # noqa: E402

from app.auth.models import User  # noqa: E402
from app.auth.services import start_session_for  # noqa: E402
from app.cases.models import CORE_LIFE_DOMAINS, Case, Client, LifeDomain  # noqa: E402
from app.cases.notes import Note  # noqa: E402
from app.cases.plan.models import Task  # noqa: E402
from app.cases.timeline import TimelineEntry  # noqa: E402
from app.core.context import tenant_app_context  # noqa: E402
from app.extensions import db  # noqa: E402
from app.tenants.models import Tenant  # noqa: E402
from bench.common import migrated_app  # noqa: E402

BODY = (
    "Gesprek gevoerd over de voortgang op de leefgebieden. Afspraken gemaakt over de "
    "aanvraag van de uitkering en het ophalen van het identiteitsbewijs bij de gemeente. "
    "Volgende week een nieuw gesprek met de reclassering erbij."
)


def fill(app, rows: int) -> tuple[int, uuid.UUID, uuid.UUID]:
    """One case of the first municipality with ``rows`` tasks, notes and events."""
    with app.app_context():
        tenant_id = db.session.scalar(select(Tenant.id).where(Tenant.slug == "deventer"))
    today = date.today()
    now = datetime.now(UTC)
    with app.app_context(), tenant_app_context(tenant_id):
        worker = User(
            tenant_id=tenant_id,
            display_name="Bench",
            role="case_worker",
            issuer="bench",
            subject="bench",
        )
        db.session.add(worker)
        db.session.flush()
        client_id, case_id = uuid.uuid4(), uuid.uuid4()
        db.session.execute(
            insert(Client),
            [
                dict(
                    tenant_id=tenant_id,
                    id=client_id,
                    given_name="Jan",
                    family_name="Lange-Geschiedenis",
                    date_of_birth=date(1980, 1, 1),
                    bsn="111222333",
                )
            ],
        )
        db.session.execute(
            insert(Case),
            [
                dict(
                    tenant_id=tenant_id,
                    id=case_id,
                    client_id=client_id,
                    case_worker_id=worker.id,
                    phase="after_release",
                    facility="PI Zwolle",
                    expected_release=today - timedelta(days=400),
                    actual_release=today - timedelta(days=400),
                    detention_start=today - timedelta(days=900),
                    version=1,
                )
            ],
        )
        db.session.execute(
            insert(LifeDomain),
            [
                dict(
                    tenant_id=tenant_id,
                    id=uuid.uuid4(),
                    case_id=case_id,
                    domain=kind.value,
                    position=position,
                    status="unknown",
                    version=1,
                )
                for position, kind in enumerate(CORE_LIFE_DOMAINS)
            ],
        )
        kinds = [kind.value for kind in CORE_LIFE_DOMAINS]
        db.session.execute(
            insert(Task),
            [
                dict(
                    tenant_id=tenant_id,
                    id=uuid.uuid4(),
                    case_id=case_id,
                    domain=kinds[number % len(kinds)],
                    phase="after_release",
                    title=f"Taak {number}: afspraak maken en nabellen",
                    responsible="aftercare_coordinator",
                    due_date=today + timedelta(days=number - rows // 2),
                    before_release=False,
                    status="done" if number % 3 == 0 else "open",
                    position=number,
                    version=1,
                )
                for number in range(rows)
            ],
        )
        db.session.execute(
            insert(Note),
            [
                dict(
                    tenant_id=tenant_id,
                    id=uuid.uuid4(),
                    case_id=case_id,
                    author_id=worker.id,
                    author_name="Bench",
                    body=f"{number}. {BODY}",
                    version=1,
                    created_at=now - timedelta(hours=rows - number),
                    updated_at=now - timedelta(hours=rows - number),
                )
                for number in range(rows)
            ],
        )
        db.session.execute(
            insert(TimelineEntry),
            [
                dict(
                    tenant_id=tenant_id,
                    id=uuid.uuid4(),
                    case_id=case_id,
                    at=now - timedelta(hours=rows - number),
                    kind="task_done",
                    actor_name="Bench",
                    detail={"task": f"Taak {number}"},
                )
                for number in range(rows)
            ],
        )
        db.session.commit()
        return tenant_id, worker.id, case_id


def measure(app, client, url: str, rounds: int, headers: dict) -> tuple[float, int, int]:
    """Median milliseconds, bytes and SQL statements of ``rounds`` requests of ``url``."""
    statements: list[str] = []

    def count(_connection, _cursor, statement, *_args) -> None:
        statements.append(statement)

    with app.app_context():
        engine = db.engine
    for _ in range(3):  # warm up the template cache and the connection pool
        client.get(url, headers=headers)
    durations, size = [], 0
    for _ in range(rounds):
        statements.clear()
        event.listen(engine, "before_cursor_execute", count)
        start = time.perf_counter()
        response = client.get(url, headers=headers)
        durations.append((time.perf_counter() - start) * 1000)
        event.remove(engine, "before_cursor_execute", count)
        assert response.status_code == 200, (url, response.status_code)
        size = len(response.get_data())
    sent = [s for s in statements if not s.startswith("SELECT set_config('app.tenant_id'")]
    return statistics.median(durations), size, len(sent)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1000, help="tasks, notes and events")
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--page-only", action="store_true", help="only the case page")
    args = parser.parse_args()
    app = migrated_app()
    result = app.test_cli_runner().invoke(args=["tenants", "add-region-defaults"])
    if result.exit_code != 0:
        raise SystemExit(result.output)
    tenant_id, worker_id, case_id = fill(app, args.rows)
    with app.test_request_context():
        cookie = start_session_for(
            tenant_id, worker_id, method="bench", origin=None, user_agent=None
        )
    client = app.test_client()
    with client.session_transaction() as session:
        session["sid"] = cookie
    fragment = {"HX-Request": "true"}
    requests = {"case page": (f"/cases/{case_id}", {})}
    if not args.page_only:
        requests |= {
            "plan, page 2 (htmx)": (f"/cases/{case_id}/tasks?page=2", fragment),
            "notes, page 2 (htmx)": (f"/cases/{case_id}/notes?page=2", fragment),
            "timeline, page 2 (htmx)": (f"/cases/{case_id}/timeline?page=2", fragment),
            "notes, page 2 (no JavaScript)": (f"/cases/{case_id}/notes?page=2", {}),
        }
    print(f"{args.rows} tasks, notes and events; median of {args.rounds} requests")
    print(f"{'request':32} {'median ms':>10} {'bytes':>10} {'statements':>11}")
    for name, (path, headers) in requests.items():
        median, size, statements = measure(app, client, path, args.rounds, headers)
        print(f"{name:32} {median:10.1f} {size:10,} {statements:11}")


if __name__ == "__main__":
    main()
