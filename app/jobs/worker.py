"""The rq worker of the portal: JSON serializer, the portal's queues, the outbox sweep.

Started with ``flask --app wsgi jobs worker`` (see README). Its periodic
maintenance (rq's own, every ``maintenance_interval`` seconds) also hands over
outbox rows that were written while Redis was away.
"""

from __future__ import annotations

import logging

from flask import current_app
from rq import Worker
from rq.serializers import JSONSerializer

from app.jobs import queue as queues
from app.jobs.outbox import sweep

log = logging.getLogger("nazorg.jobs")


class PortalWorker(Worker):
    def run_maintenance_tasks(self):
        super().run_maintenance_tasks()
        sweep_outbox()


def sweep_outbox() -> None:
    try:
        handed = sweep()
    except Exception:  # noqa: BLE001 - maintenance must not stop the worker
        log.exception("outbox sweep failed")
        return
    if handed:
        log.info("outbox sweep handed over %d job(s)", handed)


def make_worker(queue_names: list[str] | None = None, worker_class=PortalWorker, **kwargs):
    connection = queues.connection()
    names = queue_names or list(queues.QUEUE_NAMES)
    return worker_class(
        [queues.queue(name, connection) for name in names],
        connection=connection,
        serializer=JSONSerializer,
        **kwargs,
    )


def portal_base_url() -> str:
    return current_app.config["PORTAL_BASE_URL"].rstrip("/")
