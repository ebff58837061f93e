"""The one wrapper every job runs in: app context, the job's tenant, run, commit.

rq calls ``run_outbox_job(tenant_id, outbox_id)``. The outbox row is read inside
the tenant's context, so a job carrying tenant A's id cannot even find tenant B's
row (the tenant scope and, on PostgreSQL, row-level security). The row is locked,
the job function runs and the row is marked done in one transaction: a job handed
over twice, or retried after it succeeded, has its effect once.
"""

from __future__ import annotations

import logging
import os
import uuid

from flask import Flask, current_app, has_app_context
from rq import get_current_job

from app.core.context import tenant_app_context
from app.core.db import utcnow
from app.extensions import db
from app.jobs.functions import JobError, resolve
from app.jobs.models import OutboxJob

log = logging.getLogger("nazorg.jobs")
security_log = logging.getLogger("nazorg.security")

ALREADY_DONE = "already done"
DONE = "done"

_app: Flask | None = None
_forked = False


def _after_fork_in_child() -> None:
    global _forked
    _forked = True


# rq's Worker forks a work-horse per job; loaded in the parent (init_app), so this
# marks every horse, which then drops the connections it inherited.
os.register_at_fork(after_in_child=_after_fork_in_child)


class OutboxJobNotFound(LookupError):
    """No outbox row with this id in the job's tenant."""


def _application() -> Flask:
    """The app of the current context, or one made once per process (plain ``rq worker``)."""
    global _app
    if has_app_context():
        return current_app._get_current_object()
    if _app is None:
        from app import create_app  # import here: the factory loads every package, this one too

        _app = create_app()
    return _app


def _forget_inherited_connections(app: Flask) -> None:
    """A forked work-horse must not share the parent's database connections."""
    global _forked
    if _forked:
        with app.app_context():
            db.engine.dispose(close=False)
        _forked = False


def run_outbox_job(tenant_id: int, outbox_id: str) -> str:
    app = _application()
    _forget_inherited_connections(app)
    with app.app_context():
        return _run(int(tenant_id), uuid.UUID(outbox_id))


def _run(tenant_id: int, outbox_id: uuid.UUID) -> str:
    with tenant_app_context(tenant_id):
        session = db.session
        row = session.get(OutboxJob, (tenant_id, outbox_id), with_for_update=True)
        if row is None:
            security_log.warning(
                "job refused: no such outbox row in the tenant",
                extra={"tenant": tenant_id, "outbox": str(outbox_id), "result": "not_found"},
            )
            _do_not_retry()
            raise OutboxJobNotFound(f"no outbox job {outbox_id} in tenant {tenant_id}")
        if row.done_at is not None:
            session.rollback()
            return ALREADY_DONE
        try:
            function = resolve(row.function)
        except JobError:
            _do_not_retry()
            raise
        arguments = dict(row.arguments or {})
        try:
            function(tenant_id, **arguments)
            row.attempts += 1
            row.done_at = utcnow()
            row.last_error = None
            # Arguments may hold addresses or one-time links: not kept once done.
            row.arguments = {}
            session.commit()
        except Exception as exc:
            session.rollback()
            _record_failure(tenant_id, outbox_id, exc)
            raise
    return DONE


def _do_not_retry() -> None:
    """A job that can never succeed goes straight to the failed list."""
    current = get_current_job()
    if current is not None:
        current.retries_left = 0


def _record_failure(tenant_id: int, outbox_id: uuid.UUID, exc: BaseException) -> None:
    summary = f"{type(exc).__name__}: {exc}".strip()[:500]
    try:
        with tenant_app_context(tenant_id):
            row = db.session.get(OutboxJob, (tenant_id, outbox_id))
            if row is not None:
                row.attempts += 1
                row.last_error = summary
                db.session.commit()
    except Exception:  # noqa: BLE001 - the original error is what matters; it is re-raised
        log.exception("could not record the failure of job %s", outbox_id)
