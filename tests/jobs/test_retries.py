"""Retries with backoff, the failed list with "run again", and a worker killed mid-job.

These run a real ``flask jobs worker`` process (rq's forking Worker, started with
its scheduler) against the test's own Redis and the test database.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from rq.job import Job, JobStatus
from rq.registry import FailedJobRegistry, StartedJobRegistry
from rq.serializers import JSONSerializer

from app.core.context import tenant_app_context
from app.core.permissions import Role
from app.extensions import db
from app.jobs import enqueue
from app.jobs.models import OutboxJob
from tests.csrf import csrf_token
from tests.factories import UserFactory
from tests.jobs import sample_jobs
from tests.jobs.worker_process import WorkerProcess, wait_for

pytestmark = pytest.mark.redis


@pytest.fixture
def fast_retries(app, monkeypatch) -> None:
    """One second between tries instead of minutes; still three tries in all."""
    monkeypatch.setitem(app.config, "JOB_RETRY_INTERVALS", (1, 1))


@pytest.fixture
def worker(app, own_redis, tmp_path) -> Iterator[WorkerProcess]:
    process = WorkerProcess(app, own_redis.url, tmp_path / "worker.log")
    yield process
    process.stop()


def enqueue_in(app, tenant, function, **arguments) -> str:
    with app.app_context(), tenant_app_context(tenant.id):
        row = enqueue(function, **arguments)
        db.session.commit()
        return str(row.id)


def rq_job(own_redis, job_id: str) -> Job:
    return Job.fetch(job_id, connection=own_redis.client(), serializer=JSONSerializer)


def status(own_redis, job_id: str) -> str:
    return rq_job(own_redis, job_id).get_status(refresh=True)


def outbox_row(app, tenant, job_id: str) -> OutboxJob:
    import uuid

    with app.app_context(), tenant_app_context(tenant.id):
        row = db.session.get(OutboxJob, (tenant.id, uuid.UUID(job_id)))
        db.session.expunge(row)
        return row


def test_a_job_that_fails_twice_then_succeeds_ends_finished(
    app, tenants, own_redis, worker, fast_retries
):
    lochem = tenants["lochem"]
    worker.start()
    worker.wait_until_listening(own_redis.client())
    job_id = enqueue_in(app, lochem, sample_jobs.flaky, key="flaky", failures=2)

    wait_for(
        lambda: status(own_redis, job_id) == JobStatus.FINISHED,
        message=lambda: "job did not finish\n" + worker.output(),
    )
    connection = own_redis.client()
    assert connection.get("test:attempts:flaky") == b"3"
    assert connection.get("test:runs:flaky") == b"1"
    row = outbox_row(app, lochem, job_id)
    assert row.done_at is not None and row.attempts == 3


def test_a_job_that_always_fails_is_listed_after_three_tries_and_can_be_run_again(
    app, tenants, in_tenant, sign_in, own_redis, worker, fast_retries
):
    zutphen, lochem = tenants["zutphen"], tenants["lochem"]
    with in_tenant(zutphen):
        admin = UserFactory(role=Role.TENANT_ADMIN.value)
    with in_tenant(lochem):
        other_admin = UserFactory(role=Role.TENANT_ADMIN.value)
    worker.start()
    worker.wait_until_listening(own_redis.client())
    job_id = enqueue_in(app, zutphen, sample_jobs.broken_until_healed, key="broken")

    wait_for(
        lambda: status(own_redis, job_id) == JobStatus.FAILED,
        message=lambda: "job did not fail\n" + worker.output(),
    )
    connection = own_redis.client()
    assert connection.get("test:attempts:broken") == b"3"
    assert job_id in FailedJobRegistry("default", connection=connection).get_job_ids()

    client = sign_in(admin)
    page = client.get("/admin/jobs/failed").get_data(as_text=True)
    assert page.count('data-testid="failed-job"') == 1
    assert "RuntimeError: mail server refused the message" in page
    assert "broken_until_healed" in page  # a test job: no Dutch label, its name
    # Another municipality's administrator sees nothing and cannot run it again.
    other = sign_in(other_admin)
    other_page = other.get("/admin/jobs/failed").get_data(as_text=True)
    assert 'data-testid="failed-job"' not in other_page
    refused = other.post(
        f"/admin/jobs/failed/{job_id}/run-again",
        headers={"X-CSRFToken": csrf_token(other, "/admin/jobs/failed")},
    )
    assert refused.status_code == 404

    connection.set("test:healed:broken", "1")  # the cause is fixed
    response = client.post(
        f"/admin/jobs/failed/{job_id}/run-again",
        headers={"X-CSRFToken": csrf_token(client, "/admin/jobs/failed")},
    )
    assert response.status_code == 302
    wait_for(
        lambda: status(own_redis, job_id) == JobStatus.FINISHED,
        message=lambda: "job did not run again\n" + worker.output(),
    )
    assert connection.get("test:runs:broken") == b"1"
    assert outbox_row(app, zutphen, job_id).done_at is not None
    page = client.get("/admin/jobs/failed").get_data(as_text=True)
    assert 'data-testid="no-failed-jobs"' in page


def test_a_killed_workers_job_runs_again_within_a_minute_and_once(
    app, tenants, own_redis, worker, tmp_path
):
    """No shortcuts: the survivor's own maintenance finds the abandoned job. The retry
    backoff stays at its default (30 s, 300 s): a dead worker is not a failed job."""
    raalte = tenants["raalte"]
    connection = own_redis.client()
    worker.start()
    worker.wait_until_listening(connection)
    job_id = enqueue_in(app, raalte, sample_jobs.hang_first_time, key="killed")
    wait_for(lambda: connection.get("test:started:killed"), message=worker.output)

    worker.kill(int(connection.get("test:started:killed")))  # SIGKILL: no cleanup at all
    deadline = time.monotonic() + 60
    assert status(own_redis, job_id) == JobStatus.STARTED
    assert outbox_row(app, raalte, job_id).done_at is None  # its transaction died with it

    survivor = WorkerProcess(app, own_redis.url, tmp_path / "survivor.log")
    try:
        survivor.start()
        wait_for(
            lambda: status(own_redis, job_id) == JobStatus.FINISHED,
            timeout=deadline - time.monotonic(),
            message=lambda: "the job did not run again within a minute\n" + survivor.output(),
        )
    finally:
        survivor.stop()
    assert connection.get("test:attempts:killed") == b"2"
    assert connection.get("test:runs:killed") == b"1"
    row = outbox_row(app, raalte, job_id)
    assert row.done_at is not None


def test_a_killed_job_without_tries_left_is_listed_as_failed(
    app, tenants, in_tenant, sign_in, own_redis, worker, fast_retries
):
    olst = tenants["olst-wijhe"]
    connection = own_redis.client()
    job_id = enqueue_in(app, olst, sample_jobs.hang_first_time, key="last-try")
    job = rq_job(own_redis, job_id)
    job.retries_left = 0  # as if this were its third try
    job.save()
    worker.start()
    wait_for(lambda: connection.get("test:started:last-try"), message=worker.output)
    worker.kill(int(connection.get("test:started:last-try")))

    StartedJobRegistry("default", connection=connection, serializer=JSONSerializer).cleanup(
        timestamp=time.time() + 24 * 3600
    )
    assert status(own_redis, job_id) == JobStatus.FAILED
    with in_tenant(olst):
        admin = UserFactory(role=Role.TENANT_ADMIN.value)
    page = sign_in(admin).get("/admin/jobs/failed").get_data(as_text=True)
    assert "hang_first_time" in page and "AbandonedJobError" in page
