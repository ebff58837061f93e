"""Retention: every record kind has a destruction date; a daily job destroys what is due.

Rules (periods per municipality in the settings store, keys ``retention.*``, read as one
``RetentionPolicy``):
- ``closed_case``: a closed file, with everything that hangs on it, ``closed_case_years``
  after closing; the client goes with their last file. Queued jobs and notices that
  name the case go too, in the database and in Redis.
- ``detention_notice``: the received intake documents (notices of detention start and
  end) ``detention_notice_months`` after release.
- ``access_log`` / ``security_log``: entries older than their period. The portal role may
  not delete log rows; on PostgreSQL a SECURITY DEFINER function does it, for the
  current tenant only and never for the last year.
- ``job_arguments``: the arguments of background jobs (they can hold mail addresses and
  one-time links) once a job is finished: done, or failed after every try. Period
  ``OUTBOX_KEEP_DAYS`` (config, default 30 days) after the job was done, or after it was
  created for a failed one (its tries end minutes later); see
  ``app.jobs.outbox.purge_arguments``. Until then a failed job can be run again.

- ``transfer_tombstone``: a case handed to another municipality leaves a timeline row
  in the sender (the tombstone: where it went, when, by whom) that also names the client
  and the reason. ``TOMBSTONE_NAME_MONTHS`` (12) after the transfer the name and the
  reason are removed; the row stays, as a record of the transfer without personal data.

The rules are registered by the packages whose records they destroy
(``add_retention_rule`` in their ``init_app``): the aftercare file brings ``closed_case``,
``detention_notice`` and ``transfer_tombstone``, accounts bring ``security_log``; the
access log and the job arguments are the platform's own. This module runs them in order
and knows no feature. Each destruction is written to the destruction list without
personal data. The sweep is idempotent: run twice, it destroys nothing the second time.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime

from flask import Flask
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select, text

from app.audit.models import AccessLogEntry, DestructionRecord
from app.audit.records import dependents
from app.core.dates import add_years
from app.core.registry import entries
from app.core.settings import get_setting, register_setting
from app.core.signals import case_destroyed
from app.extensions import db
from app.jobs.outbox import purge_arguments

log = logging.getLogger("nazorg.retention")
RULES = "retention_rules"


@dataclass(frozen=True)
class RetentionPolicy:
    """How long a municipality keeps each kind of record (its ``retention.*`` settings)."""

    closed_case_years: int = 10
    detention_notice_months: int = 6
    access_log_years: int = 5
    security_log_years: int = 5


# name -> (label, minimum, maximum); defaults from RetentionPolicy.
PERIODS = {
    "closed_case_years": (_l("Closed case files: years after closing"), 1, 30),
    "detention_notice_months": (
        _l("Notices of detention start and end: months after release"),
        1,
        24,
    ),
    "access_log_years": (_l("Access log: years"), 1, 20),
    "security_log_years": (_l("Security log: years"), 1, 20),
}

Rule = Callable[[RetentionPolicy, date], "list[DestructionRecord] | DestructionRecord | None"]


@dataclass(frozen=True)
class RetentionRule:
    name: str
    label: object
    run: Rule
    order: int = 100
    # Record types (singular) this rule writes on the destruction list, with their labels.
    record_types: tuple[tuple[str, object], ...] = ()


def add_retention_rule(
    app: Flask, name: str, label, run: Rule, *, order: int = 100, record_types=()
) -> None:
    registered = entries(RULES, app)
    if any(rule.name == name for rule in registered):
        raise ValueError(f"a retention rule named {name!r} exists already")
    registered.append(RetentionRule(name, label, run, order, tuple(record_types)))


def rules() -> list[RetentionRule]:
    return sorted(entries(RULES), key=lambda rule: rule.order)


def rule_labels() -> dict[str, object]:
    return {rule.name: rule.label for rule in entries(RULES)}


def record_type_labels() -> dict[str, object]:
    return {code: label for rule in entries(RULES) for code, label in rule.record_types}


def current_policy() -> RetentionPolicy:
    """This municipality's periods (the defaults until its admin saves others)."""
    return RetentionPolicy(**{name: get_setting(f"retention.{name}") for name in PERIODS})


def delete_tree(root: type, root_ids, counts: dict[str, int]) -> None:
    """Delete every row hanging on the root rows (children first), counting per table."""
    for cls, ids in reversed(dependents(root, root_ids)):
        removed = db.session.execute(delete(cls).where(cls.id.in_(ids))).rowcount
        if removed:
            counts[cls.__tablename__] = counts.get(cls.__tablename__, 0) + removed


def forget_copies(record_id) -> dict[str, int]:
    """Whoever keeps a copy that names the record (queued jobs, notices) forgets it."""
    counts: dict[str, int] = {}
    for _receiver, removed in case_destroyed.send("retention", record_id=record_id):
        counts.update(removed or {})
    return counts


def listed(
    rule: str, record_type: str, today: date, table: str, removed: int
) -> DestructionRecord | None:
    """The destruction-list line for ``removed`` rows of ``table``, or None if there were none."""
    if not removed:
        return None
    record = DestructionRecord(
        rule=rule, record_type=record_type, due_on=today, counts={table: removed}
    )
    db.session.add(record)
    return record


def purge_log(
    rule: str, years: int, model, column, function: str, today: date
) -> DestructionRecord | None:
    """Log entries older than ``years``: on PostgreSQL through the SECURITY DEFINER
    ``function`` (the portal role may not delete log rows), for the current tenant only."""
    cutoff = datetime.combine(add_years(today, -years), datetime.min.time(), UTC)
    if db.session.get_bind().dialect.name == "postgresql":
        removed = db.session.execute(
            text(f"SELECT {function}(:cutoff)"),  # noqa: S608 - fixed names
            {"cutoff": cutoff},
        ).scalar()
    else:
        removed = db.session.execute(delete(model).where(column < cutoff)).rowcount
    return listed(rule, model.__tablename__, today, model.__tablename__, removed)


def purge_access_log(policy: RetentionPolicy, today: date) -> DestructionRecord | None:
    return purge_log(
        "access_log",
        policy.access_log_years,
        AccessLogEntry,
        AccessLogEntry.occurred_at,
        "purge_access_log",
        today,
    )


def purge_job_arguments(policy: RetentionPolicy, today: date) -> DestructionRecord | None:
    cleared = purge_arguments(datetime.combine(today, datetime.min.time(), UTC))
    return listed("job_arguments", "job_outbox", today, "job_outbox", cleared)


def init_app(app: Flask) -> None:
    """The platform's own rules: the access log and the arguments of finished jobs; the
    periods of every rule as settings of the group ``retention``."""
    for name, (label, low, high) in PERIODS.items():
        register_setting(
            app,
            f"retention.{name}",
            int,
            getattr(RetentionPolicy, name),
            label,
            minimum=low,
            maximum=high,
            group="retention",
            group_label=_l("Retention periods"),
        )
    add_retention_rule(
        app,
        "access_log",
        _l("Access log"),
        purge_access_log,
        order=30,
        record_types=(("access_log", _l("Access log")),),
    )
    add_retention_rule(
        app,
        "job_arguments",
        _l("Data of background jobs"),
        purge_job_arguments,
        order=50,
        record_types=(("job_outbox", _l("Background jobs")),),
    )


def sweep(today: date) -> list[DestructionRecord]:
    """Everything due today in the current tenant, rule by rule; the caller commits."""
    policy = current_policy()
    records: list[DestructionRecord] = []
    for rule in rules():
        done = rule.run(policy, today)
        if isinstance(done, DestructionRecord):
            records.append(done)
        elif done:
            records += list(done)
    return records


def destruction_list(limit: int = 500) -> list[DestructionRecord]:
    return list(
        db.session.scalars(
            select(DestructionRecord).order_by(DestructionRecord.destroyed_at.desc()).limit(limit)
        )
    )
