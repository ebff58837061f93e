"""The case list's CSV export streams: constant memory, one access-log INSERT, failures logged.

Measured before: 1,000 cases took 1,000 commits (one per access-log row) and the
whole file was built in memory. Memory is compared as a ratio of two runs, never
as a time.
"""

from __future__ import annotations

import csv
import io
import tracemalloc
import uuid
from datetime import date, timedelta

import psycopg
import pytest
from sqlalchemy import func, insert, select

from app.audit.models import AccessLogEntry
from app.cases import export
from app.cases.models import Case, Client
from app.core.db import utcnow
from app.extensions import db
from tests.conftest import DATABASE_URL
from tests.factories import UserFactory
from tests.perf.statements import inserts_into, queries_captured


def fill(in_tenant, tenant, count: int, start: int = 0) -> None:
    """``count`` clients with a case each, in two bulk statements (fast enough for 20,000)."""
    today, now = date.today(), utcnow()
    with in_tenant(tenant):
        clients = [
            dict(
                tenant_id=tenant.id,
                id=uuid.uuid4(),
                version=1,
                given_name=f"Voornaam{n}",
                family_name="=Formule" if n == 0 else f"Achternaam{n}",
                date_of_birth=date(1990, 1, 1),
                bsn=f"{100_000_000 + n}",
            )
            for n in range(start, start + count)
        ]
        cases = [
            dict(
                tenant_id=tenant.id,
                id=uuid.uuid4(),
                client_id=c["id"],
                phase="registered",
                facility="PI Zwolle",
                detention_start=today - timedelta(days=30),
                expected_release=today + timedelta(days=n % 300),
                prolific_offender=False,
                benefit_recipient=False,
                version=1,
                created_at=now,
                updated_at=now,
            )
            for n, c in enumerate(clients)
        ]
        # Multi-row VALUES in chunks on the session's connection: an executemany of
        # 20,000 rows, ORM or Core, takes ten times as long.
        connection = db.session.connection()
        for table, rows in ((Client.__table__, clients), (Case.__table__, cases)):
            for at in range(0, len(rows), 1_000):
                connection.execute(insert(table).values(rows[at : at + 1_000]))
        db.session.commit()


def access_rows(in_tenant, tenant, **where) -> int:
    with in_tenant(tenant):
        return db.session.scalar(
            select(func.count()).select_from(AccessLogEntry).filter_by(**where)
        )


def consume(response) -> tuple[int, int]:
    """Bytes and lines of a streamed body, read chunk by chunk and not kept."""
    size = lines = 0
    try:
        for chunk in response.response:
            size += len(chunk)
            lines += chunk.count(b"\n") if isinstance(chunk, bytes) else chunk.count("\n")
    finally:
        response.close()
    return size, lines


def peak_memory_of_export(client) -> int:
    tracemalloc.start()
    try:
        response = client.get("/cases/export.csv", buffered=False)
        assert response.status_code == 200
        consume(response)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.fixture
def lochem(tenants, in_tenant, sign_in):
    tenant = tenants["lochem"]
    with in_tenant(tenant):
        worker = UserFactory()
    return tenant, sign_in(worker)


def test_an_export_of_20000_cases_is_one_insert_and_constant_memory(app, lochem, in_tenant):
    tenant, client = lochem
    fill(in_tenant, tenant, 2_000)
    consume(client.get("/cases/export.csv", buffered=False))  # warm the caches
    small = peak_memory_of_export(client)
    fill(in_tenant, tenant, 18_000, start=2_000)
    tracemalloc.start()
    try:
        with queries_captured(app) as statements:
            response = client.get("/cases/export.csv", buffered=False)
            _size, lines = consume(response)
        large = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert lines == 1 + 20_000
    assert len(inserts_into(statements, "access_log")) == 1
    assert access_rows(in_tenant, tenant, action="export") == 2 * 2_000 + 20_000
    # Ten times the rows, about the same memory: only one batch is held at a time.
    assert large < 1.5 * small, (small, large)


def test_the_export_comes_in_batches_with_formula_safe_cells_and_masked_bsn(
    app, lochem, in_tenant, monkeypatch
):
    tenant, client = lochem
    fill(in_tenant, tenant, 120)
    monkeypatch.setattr(export, "EXPORT_BATCH", 50)
    response = client.get("/cases/export.csv", buffered=False)
    chunks = iter(response.response)
    header = next(chunks).decode()
    assert header.lstrip("\ufeff").startswith("Cliënt;BSN;")
    first = next(chunks).decode()
    assert first.count("\r\n") == 50  # one batch, while the rest waits in the database
    rest = b"".join(chunks).decode()
    response.close()
    rows = list(csv.reader(io.StringIO(first + rest), delimiter=";"))
    assert len(rows) == 120
    by_name = {row[0]: row for row in rows}
    assert "'=Formule Voornaam0" not in by_name  # the given name comes first
    assert "Voornaam0 =Formule" in by_name  # no formula at the start: left alone
    assert all(row[1].startswith("******") and "100000" not in row[1] for row in rows)


def test_a_cell_starting_with_a_formula_sign_is_quoted(app, lochem, in_tenant):
    tenant, client = lochem
    fill(in_tenant, tenant, 1)
    with in_tenant(tenant):
        db.session.scalars(select(Client)).one().given_name = "=HYPERLINK(1)"
        db.session.commit()
    body = client.get("/cases/export.csv").get_data(as_text=True)
    assert "'=HYPERLINK(1) =Formule" in body


@pytest.mark.postgres
def test_the_first_chunk_leaves_while_the_query_is_still_open(app, lochem, in_tenant, monkeypatch):
    tenant, client = lochem
    fill(in_tenant, tenant, 200)
    monkeypatch.setattr(export, "EXPORT_BATCH", 50)
    response = client.get("/cases/export.csv", buffered=False)
    chunks = iter(response.response)
    next(chunks), next(chunks)
    url = DATABASE_URL.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(url) as other:
        open_cursors = other.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE state = 'idle in transaction'"
            " AND (query ILIKE 'DECLARE%%' OR query ILIKE 'FETCH%%')"
        ).fetchone()[0]
    assert open_cursors == 1  # a server-side cursor, fetched batch by batch
    rest = b"".join(chunks)
    response.close()
    assert rest.count(b"\r\n") == 150


def test_an_export_that_breaks_off_is_recorded_as_failed(app, lochem, in_tenant, monkeypatch):
    tenant, client = lochem
    fill(in_tenant, tenant, 120)
    monkeypatch.setattr(export, "EXPORT_BATCH", 50)
    real_row = export._csv_row
    seen = []

    def breaks_at_the_sixtieth(row, labels=None):
        seen.append(1)
        if len(seen) == 60:
            raise RuntimeError("the database went away")
        return real_row(row, labels)

    monkeypatch.setattr(export, "_csv_row", breaks_at_the_sixtieth)
    response = client.get("/cases/export.csv", buffered=False)
    with pytest.raises(RuntimeError):
        consume(response)
    assert access_rows(in_tenant, tenant, action="export", result="granted") == 120
    with in_tenant(tenant):
        failed = db.session.scalars(
            select(AccessLogEntry).where(AccessLogEntry.result == "failed")
        ).one()
    assert failed.detail == "case list CSV: stopped after 50 rows"
