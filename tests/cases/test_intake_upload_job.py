"""A large upload is received by a background job, with progress and the report at the end.

The jobs are held back (the embedded queue's hand-over records them instead of running
them) and run one at a time, so that the page can be read between two chunks.
"""

from __future__ import annotations

import io
import uuid

import pytest
from sqlalchemy import func, select

from app.cases.intake import jobs as upload_jobs
from app.cases.intake.models import IntakeUpload
from app.cases.models import Case
from app.extensions import db
from app.jobs import outbox
from tests.cases.conftest import new_bsn
from tests.factories import UserFactory

HEADER = "message_id;given_name;family_name;date_of_birth;bsn;facility;detention_start\n"
# Small numbers for the test (the portal's are 200 and 100): three chunks of a file
# just past the threshold.
INLINE_ROWS, CHUNK_ROWS = 20, 10
ROWS = 25
BAD_LINES = (5, 9)  # the CSV lines (header is line 1) with a citizen number that fails


def big_file() -> bytes:
    lines = []
    for n in range(ROWS):
        bsn = "123456789" if n + 2 in BAD_LINES else new_bsn()
        lines.append(f";Naam{n};Achternaam{n};1980-01-01;{bsn};PI Zwolle;2026-11-01\n")
    return (HEADER + "".join(lines)).encode()


@pytest.fixture
def held_jobs(app, monkeypatch):
    """The jobs enqueued after each commit, kept to be run by ``run_next``."""
    monkeypatch.setitem(app.config, "REDIS_URL", None)
    monkeypatch.setattr(upload_jobs, "INLINE_ROWS", INLINE_ROWS)
    monkeypatch.setattr(upload_jobs, "CHUNK_ROWS", CHUNK_ROWS)
    held: list[tuple[int, uuid.UUID]] = []
    real_run = outbox.run_inline
    monkeypatch.setattr(outbox, "run_inline", lambda tenant, row: held.append((tenant, row)))

    def run_next() -> None:
        tenant_id, row_id = held.pop(0)
        with app.app_context():
            assert real_run(tenant_id, row_id)

    return held, run_next


def upload(client, content: bytes):
    return client.post(
        "/cases/intake/upload",
        data={"file": (io.BytesIO(content), "groot.csv")},
        content_type="multipart/form-data",
    )


def cases_in(tenant, in_tenant) -> int:
    with in_tenant(tenant):
        return db.session.scalar(select(func.count()).select_from(Case))


def test_a_large_upload_runs_in_the_background_with_progress_and_a_report(
    tenants, in_tenant, worker_client, held_jobs
):
    held, run_next = held_jobs
    with in_tenant(tenants["zutphen"]):
        worker = UserFactory()
    client = worker_client(worker)
    response = upload(client, big_file())
    assert response.status_code == 303
    page_url = response.headers["Location"]
    assert cases_in(tenants["zutphen"], in_tenant) == 0  # nothing received in the request

    waiting = client.get(page_url).get_data(as_text=True)
    assert f"0 van {ROWS} regels klaar" in waiting and 'hx-trigger="every 2s"' in waiting
    run_next()
    fragment = client.get(page_url, headers={"HX-Request": "true"}).get_data(as_text=True)
    assert f"{CHUNK_ROWS} van {ROWS} regels klaar" in fragment and "<html" not in fragment
    assert cases_in(tenants["zutphen"], in_tenant) == CHUNK_ROWS - 2  # both bad lines in chunk one

    while held:
        run_next()
    done = client.get(page_url).get_data(as_text=True)
    assert 'hx-trigger="every 2s"' not in done
    assert f"{ROWS - 2} nieuwe dossiers, 0 al ontvangen, 2 regels niet opgeslagen" in done
    for line in BAD_LINES:
        assert f"Regel {line}: BSN: voldoet niet aan de elfproef" in done
    assert cases_in(tenants["zutphen"], in_tenant) == ROWS - 2
    with in_tenant(tenants["zutphen"]):
        stored = db.session.scalars(select(IntakeUpload)).one()
        assert stored.content is None  # the citizen numbers are not kept


def test_a_chunk_run_twice_and_a_file_uploaded_twice_save_nothing_twice(
    app, tenants, in_tenant, worker_client, held_jobs
):
    held, run_next = held_jobs
    with in_tenant(tenants["lochem"]):
        worker = UserFactory()
    client = worker_client(worker)
    content = big_file()
    first_url = upload(client, content).headers["Location"]
    # The same file again while the first is still waiting: the same upload answers.
    assert upload(client, content).headers["Location"] == first_url
    assert len(held) == 1

    run_next()
    with in_tenant(tenants["lochem"]):
        row = db.session.scalars(select(IntakeUpload)).one()
        upload_id, tenant_id = str(row.id), row.tenant_id
        # The first chunk's job delivered again (a worker killed after the commit).
        upload_jobs.receive_upload_chunk(tenant_id, upload_id, 0)
        db.session.commit()
        assert db.session.get(IntakeUpload, (tenant_id, row.id)).processed_rows == CHUNK_ROWS
    assert cases_in(tenants["lochem"], in_tenant) == CHUNK_ROWS - 2
    while held:
        run_next()
    assert cases_in(tenants["lochem"], in_tenant) == ROWS - 2

    again = upload(client, content)
    assert again.headers["Location"] != first_url
    while held:
        run_next()
    report = client.get(again.headers["Location"]).get_data(as_text=True)
    assert f"0 nieuwe dossiers, {ROWS - 2} al ontvangen, 2 regels niet opgeslagen" in report
    assert cases_in(tenants["lochem"], in_tenant) == ROWS - 2


def test_another_municipalitys_upload_is_not_found(tenants, in_tenant, worker_client, held_jobs):
    held, _run_next = held_jobs
    with in_tenant(tenants["raalte"]):
        owner = UserFactory()
    with in_tenant(tenants["deventer"]):
        other = UserFactory()
    url = upload(worker_client(owner), big_file()).headers["Location"]
    assert worker_client(other).get(url).status_code == 404
