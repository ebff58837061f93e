"""A job carrying tenant A's id cannot read tenant B's rows (the same isolation as a request)."""

from __future__ import annotations

import pytest
from rq.job import JobStatus

from app.core.context import tenant_app_context
from app.extensions import db
from app.jobs import enqueue
from app.jobs import queue as queues
from app.jobs.models import OutboxJob
from tests.factories import CaseFactory
from tests.jobs import sample_jobs
from tests.jobs.conftest import run_burst

pytestmark = [pytest.mark.postgres, pytest.mark.redis]


def test_a_job_of_one_tenant_sees_none_of_another_tenants_rows(app, tenants, in_tenant, own_redis):
    lochem, zutphen = tenants["lochem"], tenants["zutphen"]
    with in_tenant(zutphen):
        foreign = CaseFactory()
        CaseFactory()
    with in_tenant(lochem):
        CaseFactory()
    with app.app_context(), tenant_app_context(lochem.id):
        enqueue(sample_jobs.peek, foreign_case_id=str(foreign.id), foreign_tenant_id=zutphen.id)
        db.session.commit()
    run_burst(app)

    [(tenant_id, seen)] = sample_jobs.calls
    assert tenant_id == lochem.id
    assert seen["get"] is None
    assert seen["select"] == []
    assert seen["orm_count"] == 1  # Lochem's one client, not Zutphen's two
    assert seen["sql_count"] == 1  # raw SQL: row-level security keeps Zutphen out
    assert seen["sql_foreign"] == 0


def test_a_job_with_one_tenants_id_cannot_run_another_tenants_outbox_row(
    app, tenants, own_redis, monkeypatch, caplog
):
    lochem, zutphen = tenants["lochem"], tenants["zutphen"]
    monkeypatch.setattr("app.jobs.outbox.hand_over", lambda pending: 0)
    with app.app_context(), tenant_app_context(zutphen.id):
        row = enqueue(sample_jobs.record, key="zutphen's")
        db.session.commit()
        zutphen_row = row.id
    with app.app_context():
        # A forged job: Lochem's tenant id with Zutphen's row id.
        forged = queues.push(lochem.id, zutphen_row, "default", "forged")
    run_burst(app)

    with app.app_context():
        forged.refresh()
        assert forged.get_status() == JobStatus.FAILED
    assert sample_jobs.calls == []
    assert "job refused" in caplog.text
    with app.app_context(), tenant_app_context(zutphen.id):
        assert db.session.get(OutboxJob, (zutphen.id, zutphen_row)).done_at is None
