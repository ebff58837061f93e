"""Enqueue safely: the outbox row, the hand-over after commit, the sweep, exactly once."""

from __future__ import annotations

import pytest
from rq.job import Job
from sqlalchemy import select

from app.core.context import tenant_app_context
from app.extensions import db
from app.jobs import enqueue
from app.jobs import queue as queues
from app.jobs.models import OutboxJob
from app.jobs.outbox import JobError, sweep
from app.jobs.runner import ALREADY_DONE, DONE, run_outbox_job
from tests.jobs import sample_jobs
from tests.jobs.conftest import queued_count, run_burst


def outbox_rows(app, tenant) -> list[OutboxJob]:
    with app.app_context(), tenant_app_context(tenant.id):
        rows = db.session.scalars(select(OutboxJob)).all()
        for row in rows:
            db.session.expunge(row)
        return rows


def test_without_redis_the_job_runs_inline_after_the_commit(app, tenants, embedded):
    lochem = tenants["lochem"]
    with app.app_context(), tenant_app_context(lochem.id):
        enqueue(sample_jobs.record, key="a")
        assert sample_jobs.calls == []  # nothing runs before the commit
        db.session.commit()
    assert sample_jobs.calls == [(lochem.id, "a")]
    [row] = outbox_rows(app, lochem)
    assert row.done_at is not None and row.attempts == 1
    assert row.arguments == {}  # addresses and links are not kept once the job is done


def test_a_rolled_back_change_leaves_no_job(app, tenants, embedded):
    lochem = tenants["lochem"]
    with app.app_context(), tenant_app_context(lochem.id):
        enqueue(sample_jobs.record, key="a")
        db.session.flush()
        db.session.rollback()
        db.session.commit()
    assert sample_jobs.calls == []
    assert outbox_rows(app, lochem) == []


def test_running_a_job_twice_has_its_effect_once(app, tenants, embedded, monkeypatch):
    raalte = tenants["raalte"]
    monkeypatch.setattr("app.jobs.outbox.hand_over", lambda pending: 0)
    with app.app_context(), tenant_app_context(raalte.id):
        row = enqueue(sample_jobs.record, key="once")
        db.session.commit()
        outbox_id = str(row.id)
    with app.app_context():
        assert run_outbox_job(raalte.id, outbox_id) == DONE
        assert run_outbox_job(raalte.id, outbox_id) == ALREADY_DONE
    assert sample_jobs.calls == [(raalte.id, "once")]


def test_enqueue_takes_marked_functions_and_plain_values_only(app, tenants):
    with app.app_context(), tenant_app_context(tenants["lochem"].id):
        with pytest.raises(JobError, match="JSON"):
            enqueue(sample_jobs.record, key=object())
        with pytest.raises(JobError, match="@job"):
            enqueue(print, key="x")
    with app.app_context(), pytest.raises(JobError, match="tenant"):
        enqueue(sample_jobs.record, key="x")


@pytest.mark.redis
def test_after_the_commit_redis_carries_only_the_tenant_and_the_row_id(app, tenants, own_redis):
    zutphen = tenants["zutphen"]
    with app.app_context(), tenant_app_context(zutphen.id):
        row = enqueue(sample_jobs.record, key="personal data stays in the database")
        assert queued_count(app) == 0
        db.session.commit()
        outbox_id = str(row.id)
    with app.app_context():
        job = queues.fetch_job(outbox_id)
        assert job is not None and job.args == [zutphen.id, outbox_id]
        assert job.kwargs == {}
        raw = b"".join(v for v in own_redis.client().hvals(Job.key_for(outbox_id)))
        assert b"personal data" not in raw
    run_burst(app)
    assert sample_jobs.calls == [(zutphen.id, "personal data stays in the database")]
    assert outbox_rows(app, zutphen)[0].done_at is not None


@pytest.mark.redis
def test_with_redis_away_the_job_waits_in_the_outbox_and_runs_once_when_it_is_back(
    app, tenants, own_redis
):
    deventer = tenants["deventer"]
    own_redis.stop()
    with app.app_context(), tenant_app_context(deventer.id):
        enqueue(sample_jobs.count_in_redis, key="away")
        db.session.commit()  # does not raise: the change is saved
    [row] = outbox_rows(app, deventer)
    assert row.done_at is None and row.enqueued_at is None

    with app.app_context():
        assert sweep() == 0  # Redis still away: nothing handed over, nothing lost
    own_redis.start()
    with app.app_context():
        assert sweep() == 1
        assert sweep() == 0  # the job is in Redis now: not handed over twice
    run_burst(app)
    with app.app_context():
        assert sweep() == 0  # done: never again
    run_burst(app)
    assert own_redis.client().get("test:runs:away") == b"1"
    [row] = outbox_rows(app, deventer)
    assert row.done_at is not None and row.attempts == 1


@pytest.mark.redis
def test_jobs_lost_by_a_redis_restart_are_handed_over_again_from_the_outbox(
    app, tenants, own_redis
):
    raalte = tenants["raalte"]
    with app.app_context(), tenant_app_context(raalte.id):
        enqueue(sample_jobs.count_in_redis, key="restart")
        db.session.commit()
    assert queued_count(app) == 1
    own_redis.stop()  # no persistence: the queued job is gone with it
    own_redis.start()
    assert queued_count(app) == 0
    with app.app_context():
        assert sweep() == 1  # the outbox is the record, not Redis
    run_burst(app)
    with app.app_context():
        assert sweep() == 0
    assert own_redis.client().get("test:runs:restart") == b"1"


def test_a_savepoint_inside_the_transaction_hands_nothing_over_before_the_commit(
    app, tenants, embedded
):
    lochem = tenants["lochem"]
    with app.app_context(), tenant_app_context(lochem.id):
        enqueue(sample_jobs.record, key="before")
        with db.session.begin_nested():  # e.g. notify() guarding its unique key
            enqueue(sample_jobs.record, key="inside")
        assert sample_jobs.calls == []  # a released savepoint is not the commit
        with pytest.raises(RuntimeError), db.session.begin_nested():
            enqueue(sample_jobs.record, key="rolled back")
            raise RuntimeError("a rolled-back savepoint")
        db.session.commit()
    assert sorted(key for _tenant, key in sample_jobs.calls) == ["before", "inside"]


@pytest.mark.redis
def test_only_one_sweep_runs_at_a_time(app, tenants, own_redis):
    from app.jobs.outbox import SWEEP_LOCK

    with app.app_context(), tenant_app_context(tenants["lochem"].id):
        enqueue(sample_jobs.record, key="swept")
        db.session.commit()
    own_redis.client().flushdb()  # the job was lost on the way: the sweep must hand it over
    own_redis.client().set(SWEEP_LOCK, "another worker")
    with app.app_context():
        assert sweep() == 0  # another worker is sweeping
    own_redis.client().delete(SWEEP_LOCK)
    with app.app_context():
        assert sweep() == 1
        assert own_redis.client().get(SWEEP_LOCK) is None  # released


def test_the_command_line_sweeps_and_refuses_a_worker_without_redis(app, tenants, embedded):
    with app.app_context(), tenant_app_context(tenants["zutphen"].id):
        row = enqueue(sample_jobs.record, key="by hand")
        db.session.commit()
        outbox_id = row.id
    # Pretend it failed inline once; the sweep (cron) tries it again.
    with app.app_context(), tenant_app_context(tenants["zutphen"].id):
        again = db.session.get(OutboxJob, (tenants["zutphen"].id, outbox_id))
        again.done_at, again.attempts, again.arguments = None, 1, {"key": "by hand"}
        db.session.commit()
    runner = app.test_cli_runner()
    result = runner.invoke(args=["jobs", "sweep"])
    assert result.exit_code == 0 and "1 job(s) handed over" in result.output
    assert [key for _tenant, key in sample_jobs.calls] == ["by hand", "by hand"]
    result = runner.invoke(args=["jobs", "worker"])
    assert result.exit_code != 0 and "REDIS_URL is not set" in result.output
