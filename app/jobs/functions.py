"""What makes a function a job: the ``@job`` mark, its queue and Dutch name, and the
lookup of a marked function by its dotted path (the outbox stores the path)."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import TypeVar

from app.jobs import queue as queues

F = TypeVar("F", bound=Callable)
MARKER = "__nazorg_job_queue__"
LABEL_MARKER = "__nazorg_job_label__"


class JobError(RuntimeError):
    """A job that cannot be enqueued or resolved as written."""


def job(queue: str = "default", *, label=None) -> Callable[[F], F]:
    """Mark ``function(tenant_id, **ids)`` as a job on ``queue``; ``label`` (a lazy
    msgid) is its Dutch name on the failed-jobs list.

    The function runs inside its tenant's context (``app.jobs.runner``); it takes
    ids and plain values, never ORM objects, and flushes but does not commit.
    """
    if queue not in queues.QUEUE_NAMES:
        raise ValueError(f"unknown queue {queue!r}")

    def mark(function: F) -> F:
        setattr(function, MARKER, queue)
        setattr(function, LABEL_MARKER, label)
        return function

    return mark


def function_path(function: Callable) -> str:
    return f"{function.__module__}.{function.__name__}"


def resolve(path: str) -> Callable:
    """The job function at ``path``; only functions marked with ``@job`` resolve."""
    module_name, _dot, name = path.rpartition(".")
    function = getattr(importlib.import_module(module_name), name, None)
    if function is None or getattr(function, MARKER, None) is None:
        raise JobError(f"{path} is not a job")
    return function
