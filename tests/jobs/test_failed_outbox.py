"""A job that used all its tries stays on the failed list when rq has forgotten it.

rq drops a failed job after its failure TTL, and everything when Redis is flushed; the
outbox row (not done, no tries left) remains and the sweep no longer hands it over.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from rq.registry import FailedJobRegistry
from sqlalchemy import select

from app.core.db import utcnow
from app.core.permissions import Role
from app.extensions import db
from app.jobs import queue as queues
from app.jobs.models import OutboxJob
from app.jobs.outbox import function_path
from tests.csrf import csrf_token
from tests.factories import OutboxJobFactory, UserFactory
from tests.jobs import sample_jobs
from tests.jobs.conftest import run_burst

pytestmark = pytest.mark.redis


def out_of_tries(**fields) -> OutboxJob:
    return OutboxJobFactory(
        function=function_path(sample_jobs.record),
        queue="default",
        arguments={"key": "forgotten"},
        attempts=3,
        last_error="RuntimeError: mail server refused the message",
        **fields,
    )


@pytest.fixture
def admins(tenants, in_tenant):
    with in_tenant(tenants["zutphen"]):
        admin = UserFactory(role=Role.TENANT_ADMIN.value)
    with in_tenant(tenants["lochem"]):
        other = UserFactory(role=Role.TENANT_ADMIN.value)
    return admin, other


def test_a_job_rq_forgot_is_listed_from_its_outbox_row_and_runs_again(
    app, tenants, in_tenant, sign_in, own_redis, admins
):
    admin, other_admin = admins
    zutphen = tenants["zutphen"]
    with in_tenant(zutphen):
        row = out_of_tries()
        with_tries_left = OutboxJobFactory(
            function=function_path(sample_jobs.record), queue="default", attempts=1
        )
        done = out_of_tries()
        done.done_at = utcnow()
        db.session.commit()
    assert own_redis.client().dbsize() == 0  # nothing of these jobs in Redis

    client = sign_in(admin)
    page = client.get("/admin/jobs/failed").get_data(as_text=True)
    assert page.count('data-testid="failed-job"') == 1
    assert "RuntimeError: mail server refused the message" in page
    assert str(row.id) in page and str(with_tries_left.id) not in page
    assert str(done.id) not in page
    other = sign_in(other_admin)
    assert 'data-testid="failed-job"' not in other.get("/admin/jobs/failed").get_data(as_text=True)
    refused = other.post(
        f"/admin/jobs/failed/{row.id}/run-again",
        headers={"X-CSRFToken": csrf_token(other, "/admin/jobs/failed")},
    )
    assert refused.status_code == 404

    response = client.post(
        f"/admin/jobs/failed/{row.id}/run-again",
        headers={"X-CSRFToken": csrf_token(client, "/admin/jobs/failed")},
    )
    assert response.status_code == 302
    with app.app_context():
        assert queues.job_exists(row.id)  # handed over afresh from the outbox row
    run_burst(app)
    assert sample_jobs.calls == [(zutphen.id, "forgotten")]
    with in_tenant(zutphen):
        again = db.session.get(OutboxJob, (zutphen.id, row.id))
        assert again.done_at is not None and again.attempts == 1
    page = client.get("/admin/jobs/failed").get_data(as_text=True)
    assert 'data-testid="no-failed-jobs"' in page


def test_a_job_failed_in_rq_and_in_the_outbox_is_listed_once(
    app, tenants, in_tenant, sign_in, own_redis, admins
):
    admin, _other = admins
    zutphen = tenants["zutphen"]
    with in_tenant(zutphen):
        row = out_of_tries()
        db.session.commit()
    with app.app_context():
        job = queues.push(zutphen.id, row.id, row.queue, row.function)
        queue = queues.queue(row.queue)
        queue.remove(job)
        FailedJobRegistry(queue=queue, serializer=queue.serializer).add(
            job, ttl=600, exc_string="RuntimeError: mail server refused the message"
        )
        assert str(row.id) in FailedJobRegistry(queue=queue).get_job_ids()
    page = sign_in(admin).get("/admin/jobs/failed").get_data(as_text=True)
    assert page.count('data-testid="failed-job"') == 1
    with in_tenant(zutphen):
        assert len(db.session.scalars(select(OutboxJob)).all()) == 1


def test_a_job_past_its_keeping_period_stays_listed_but_cannot_run_again(
    app, tenants, in_tenant, sign_in, own_redis, admins
):
    admin, _other = admins
    zutphen = tenants["zutphen"]
    with in_tenant(zutphen):
        row = out_of_tries(created_at=utcnow() - timedelta(days=31))
        db.session.commit()
    client = sign_in(admin)
    page = client.get("/admin/jobs/failed").get_data(as_text=True)
    assert page.count('data-testid="failed-job"') == 1
    assert "Gegevens verwijderd na de bewaartermijn" in page
    assert f"/admin/jobs/failed/{row.id}/run-again" not in page

    response = client.post(
        f"/admin/jobs/failed/{row.id}/run-again",
        headers={"X-CSRFToken": csrf_token(client, "/admin/jobs/failed")},
    )
    assert response.status_code == 409
    assert "kan niet meer opnieuw worden uitgevoerd" in response.get_data(as_text=True)
    with in_tenant(zutphen):
        kept = db.session.get(OutboxJob, (zutphen.id, row.id))
        assert kept.attempts == 3 and kept.done_at is None
    with app.app_context():
        assert not queues.job_exists(row.id)


def test_every_daily_reminder_has_a_dutch_name_on_the_failed_list(app):
    from app.jobs.schedule import daily_jobs

    with app.app_context():
        unnamed = [name for name, entry in daily_jobs().items() if entry.label is None]
    assert unnamed == []
