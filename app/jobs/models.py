"""The outbox: a job is a row first, written in the transaction of the change that needs it.

After the commit the row is handed to Redis (``app.jobs.outbox``); a sweep hands
over again whatever is still waiting when Redis was away. The job wrapper
(``app.jobs.runner``) marks the row done in the same transaction as the job's own
work, so a job handed over twice still has its effect once.

The arguments stay in this tenant-owned table (row-level security, retention);
Redis only ever carries the tenant id and the row id.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.core.db import TenantScoped, UTCDateTime, utcnow
from app.extensions import db


class OutboxJob(TenantScoped, db.Model):
    __tablename__ = "job_outbox"
    __table_args__ = (
        Index("ix_job_outbox_tenant_id_done_at", "tenant_id", "done_at"),
        # Not in a municipality's export: a queue, not its data, and a waiting mail's
        # arguments hold its single-use invitation or reset link.
        {"info": {"secret": True}},
    )

    # Dotted path of a function marked with @job, e.g. "app.cases.jobs.release_notices".
    function: Mapped[str] = mapped_column(String(200))
    queue: Mapped[str] = mapped_column(String(40))
    arguments: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    enqueued_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)

    @property
    def name(self) -> str:
        return self.function.rsplit(".", 1)[-1]
