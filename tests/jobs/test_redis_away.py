"""With Redis away the portal keeps working: pages answer, changes are saved, jobs wait.

Uses the test's own redis-server (stopped and started by the test), never the
shared one.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from app.cases.models import Case
from app.core.context import tenant_app_context
from app.core.permissions import Role
from app.extensions import db
from app.jobs import enqueue
from app.jobs import queue as queues
from app.jobs.models import OutboxJob
from app.jobs.outbox import sweep
from app.mail.backends import sent_messages
from app.notifications.models import Notification
from config import ProductionConfig
from tests.csrf import csrf_token
from tests.factories import CaseFactory, UserFactory
from tests.jobs import sample_jobs
from tests.jobs.conftest import queued_count, run_burst
from tests.jobs.worker_process import WorkerProcess, all_work_done, mail_through_a_worker, wait_for

pytestmark = pytest.mark.redis


def timed(call):
    started = time.monotonic()
    response = call()
    return response, time.monotonic() - started


@pytest.fixture
def mailbox(app, monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_BACKEND", "memory")
    sent = sent_messages(app)
    sent.clear()
    return sent


@pytest.fixture
def redis_attempts(monkeypatch) -> list[str]:
    """Every hand-over of a job to Redis that the test process attempts."""
    attempts: list[str] = []
    push = queues.push

    def counted(tenant_id, outbox_id, queue_name, description):
        attempts.append(description)
        return push(tenant_id, outbox_id, queue_name, description)

    monkeypatch.setattr(queues, "push", counted)
    return attempts


@pytest.fixture
def silent_redis(app, monkeypatch) -> Iterator[str]:
    """A port that accepts connections and never answers: the worst kind of 'away'."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(16)
        url = f"redis://127.0.0.1:{listener.getsockname()[1]}/0"
        monkeypatch.setitem(app.config, "REDIS_URL", url)
        yield url


def test_with_redis_stopped_pages_answer_the_change_is_saved_and_its_job_runs_once_later(
    app, tenants, in_tenant, sign_in, own_redis, smtp_server, tmp_path, redis_attempts
):
    """The job that waited runs in a real worker process and its mail reaches a real SMTP
    server, once."""
    lochem = tenants["lochem"]
    with in_tenant(lochem):
        worker = UserFactory(role=Role.CASE_WORKER.value, email="cw@lochem.example")
        case = CaseFactory(case_worker_id=worker.id)
    client = sign_in(worker)
    token = csrf_token(client, "/notifications/")
    own_redis.stop()

    # Pages hand nothing to Redis, so they cannot wait on it (no timing: a cold template
    # on a busy machine takes a second or two either way).
    for path in ("/cases/", f"/cases/{case.id}", "/notifications/"):
        response = client.get(path)
        assert response.status_code == 200, path
    assert redis_attempts == []

    # A change that needs a job: the notice is saved, its mail job waits in the outbox,
    # after one attempt to hand it over.
    response = client.post("/notifications/digest", headers={"X-CSRFToken": token})
    assert response.status_code == 302
    assert len(redis_attempts) == 1
    with app.app_context(), tenant_app_context(lochem.id):
        assert len(db.session.scalars(select(Notification)).all()) == 1
        [waiting] = db.session.scalars(select(OutboxJob)).all()
        assert waiting.done_at is None and waiting.function.endswith("send_notification_mail")
    assert smtp_server.messages == []

    own_redis.start()
    assert queued_count(app) == 0  # Redis came back empty: the outbox is the record
    with app.app_context():
        assert sweep() == 1
    mail_through_a_worker(app, own_redis, smtp_server, tmp_path / "worker.log")
    with app.app_context():
        assert sweep() == 0  # done: not handed over again
    assert all_work_done(own_redis.client())
    assert [m["To"] for m in smtp_server.messages] == ["cw@lochem.example"]  # exactly once
    with app.app_context(), tenant_app_context(lochem.id):
        assert db.session.get(OutboxJob, (lochem.id, waiting.id)).done_at is not None


def test_moving_the_release_date_with_redis_stopped_saves_it_and_the_notice_follows_once(
    app, tenants, in_tenant, sign_in, own_redis, mailbox, redis_attempts
):
    zutphen = tenants["zutphen"]
    with in_tenant(zutphen):
        worker = UserFactory(role=Role.CASE_WORKER.value, email="cw@zutphen.example")
        case = CaseFactory(
            case_worker_id=worker.id, expected_release=date.today() + timedelta(days=120)
        )
    client = sign_in(worker)
    token = csrf_token(client, f"/cases/{case.id}")
    own_redis.stop()

    moved_to = date.today() + timedelta(days=40)  # into the six-week window
    response = client.post(
        f"/cases/{case.id}/details",
        data={
            "facility": case.facility,
            "detention_start": case.detention_start.isoformat(),
            "expected_release": moved_to.isoformat(),
            "case_worker_id": str(worker.id),
            "version": str(case.version),
        },
        headers={"X-CSRFToken": token},
    )
    assert response.status_code in (200, 302, 303)
    assert len(redis_attempts) == 1  # one try to hand it over, then it waits
    with app.app_context(), tenant_app_context(zutphen.id):
        assert db.session.get(Case, (zutphen.id, case.id)).expected_release == moved_to
        [waiting] = db.session.scalars(select(OutboxJob)).all()
        assert waiting.function == "app.cases.jobs.release_notice_for_case"
        assert waiting.done_at is None
        assert db.session.scalars(select(Notification)).all() == []

    own_redis.start()
    with app.app_context():
        assert sweep() == 1
    run_burst(app)  # the notice, which enqueues its mail
    run_burst(app)  # the mail
    with app.app_context():
        assert sweep() == 0
    run_burst(app)
    with app.app_context(), tenant_app_context(zutphen.id):
        [notice] = db.session.scalars(select(Notification)).all()
        assert notice.kind == "release_six_weeks"
    assert [m["To"] for m in mailbox] == ["cw@zutphen.example"]


def test_a_redis_that_accepts_but_never_answers_costs_a_request_at_most_the_timeout(
    app, tenants, in_tenant, sign_in, silent_redis, mailbox
):
    raalte = tenants["raalte"]
    with in_tenant(raalte):
        worker = UserFactory(role=Role.CASE_WORKER.value)
    client = sign_in(worker)
    token = csrf_token(client, "/notifications/")
    response, seconds = timed(
        lambda: client.post("/notifications/digest", headers={"X-CSRFToken": token})
    )
    assert response.status_code == 302
    assert seconds < 1.0 + app.config["REDIS_TIMEOUT_SECONDS"]
    with app.app_context(), tenant_app_context(raalte.id):
        assert db.session.scalars(select(OutboxJob)).one().done_at is None


def test_rows_that_waited_while_redis_was_away_drain_within_a_minute_of_its_return(
    app, tenants, own_redis, tmp_path
):
    """A real worker rides out the outage; nobody runs the sweep by hand. The worker runs
    with the production grace before a waiting row is swept."""
    lochem = tenants["lochem"]
    connection = own_redis.client()
    worker = WorkerProcess(app, own_redis.url, tmp_path / "worker.log")
    try:
        worker.start(
            env={"OUTBOX_SWEEP_GRACE_SECONDS": str(ProductionConfig.OUTBOX_SWEEP_GRACE_SECONDS)}
        )
        worker.wait_until_idle(connection)
        own_redis.stop()

        keys = [f"away-{number}" for number in range(3)]
        with app.app_context(), tenant_app_context(lochem.id):
            rows = [enqueue(sample_jobs.count_in_redis, key=key) for key in keys]
            db.session.commit()  # the change is saved; the hand-over fails quietly
            row_ids = [row.id for row in rows]
        assert waiting_count(app, lochem, row_ids) == 3

        own_redis.start()  # the same port, empty: the outbox is the only record
        deadline = time.monotonic() + 60
        wait_for(
            lambda: waiting_count(app, lochem, row_ids) == 0,
            timeout=deadline - time.monotonic(),
            message=lambda: "the outbox did not drain within a minute\n" + worker.output(),
        )
    finally:
        worker.stop()
    assert [connection.get(f"test:runs:{key}") for key in keys] == [b"1"] * 3


def waiting_count(app, tenant, row_ids) -> int:
    with app.app_context(), tenant_app_context(tenant.id):
        return len(
            db.session.scalars(
                select(OutboxJob).where(OutboxJob.id.in_(row_ids), OutboxJob.done_at.is_(None))
            ).all()
        )
