"""The complete export as a job a tenant admin starts, with progress, then a zip to download.

The same code path as ``flask tenants export`` (``app.lifecycle.export.export_tenant``): the
job writes the package into a fresh directory on the export volume, calls back after each
table (the page's progress, committed in a session of its own so the polling page sees it
while the export's one snapshot is still being read), zips it and records size and
checksum. Through the project's job wrapper (``app.jobs``): rq with Redis, inline without
(the embedded default), so the start request then answers when the file is ready.

Files: ``TENANT_EXPORT_DIR`` (default ``<instance>/exports``; on several machines a shared
volume) holds ``<tenant id>/<export id>.zip``; the path is made from ids only. A file is
removed ``TENANT_EXPORT_KEEP_DAYS`` (default 7) after it was made, by the daily plan and
whenever a new export starts; its row stays, marked expired. One export at a time per
municipality: starting while one is queued or running answers with that one.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
import uuid
import zipfile
from datetime import date, timedelta
from pathlib import Path

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.audit.tracking import Actor
from app.core.context import tenant_app_context
from app.core.db import utcnow
from app.extensions import db
from app.jobs import enqueue, job
from app.jobs.schedule import daily
from app.lifecycle.export import ExportRefused, export_tenant
from app.lifecycle.models import ExportStatus, TenantExport
from app.tenants.api import Tenant

log = logging.getLogger("nazorg.jobs")
DEFAULT_KEEP_DAYS = 7


def export_root() -> Path:
    configured = current_app.config.get("TENANT_EXPORT_DIR") or os.environ.get("TENANT_EXPORT_DIR")
    return Path(configured or Path(current_app.instance_path) / "exports")


def keep_days() -> int:
    return int(current_app.config.get("TENANT_EXPORT_KEEP_DAYS") or DEFAULT_KEEP_DAYS)


def zip_path(row: TenantExport) -> Path:
    return export_root() / str(int(row.tenant_id)) / f"{uuid.UUID(str(row.id))}.zip"


def exports() -> list[TenantExport]:
    return list(
        db.session.scalars(select(TenantExport).order_by(TenantExport.created_at.desc()).limit(20))
    )


def start_export(user) -> TenantExport:
    """Queue an export for the user's municipality; the one still running if there is one."""
    running = db.session.scalars(
        select(TenantExport).where(
            TenantExport.status.in_([ExportStatus.QUEUED.value, ExportStatus.RUNNING.value])
        )
    ).first()
    if running is not None:
        return running
    clean_up_old_exports(date.today())
    row = TenantExport(
        id=uuid.uuid4(),
        status=ExportStatus.QUEUED.value,
        started_by_id=user.id,
        started_by_name=user.display_name,
        tables_done=0,
        tables_total=0,
    )
    db.session.add(row)
    db.session.flush()
    enqueue(run_tenant_export, export_id=str(row.id))
    return row


def _update(tenant_id: int, export_id: uuid.UUID, **values) -> None:
    """Write progress in a session of its own: the page sees it before the job ends."""
    with tenant_app_context(tenant_id):
        row = db.session.get(TenantExport, (tenant_id, export_id))
        if row is not None:
            for name, value in values.items():
                setattr(row, name, value)
            db.session.commit()


@job(queue="reports", label=_l("Complete export"))
def run_tenant_export(tenant_id: int, export_id: str) -> None:
    key = uuid.UUID(export_id)
    row = db.session.get(TenantExport, (tenant_id, key))
    if row is None or not row.is_active:
        return  # gone, or done already (a job run twice)
    actor = Actor(row.started_by_id, row.started_by_name, tenant_id, "tenant_admin")
    slug = db.session.get(Tenant, tenant_id).slug
    _update(tenant_id, key, status=ExportStatus.RUNNING.value, error=None)
    root = export_root() / str(int(tenant_id))
    root.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{key}-", dir=root))
    try:
        result = export_tenant(
            slug,
            work / "export",
            progress=lambda done, total: _update(
                tenant_id, key, tables_done=done, tables_total=total
            ),
            actor=actor,
        )
        target = root / f"{key}.zip"
        partial = root / f".{key}.zip.part"
        with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for path in sorted(result.directory.rglob("*")):
                if path.is_file():
                    archive.write(path, path.relative_to(result.directory).as_posix())
        partial.replace(target)
    except (ExportRefused, OSError) as error:
        log.exception("export %s failed", export_id)
        _update(
            tenant_id,
            key,
            status=ExportStatus.FAILED.value,
            error=f"{type(error).__name__}: {error}"[:500],
            finished_at=utcnow(),
        )
        return
    finally:
        shutil.rmtree(work, ignore_errors=True)
    _update(
        tenant_id,
        key,
        status=ExportStatus.DONE.value,
        tables_done=len(result.counts) + 1,
        tables_total=len(result.counts) + 1,
        rows=sum(result.counts.values()),
        size_bytes=target.stat().st_size,
        checksum=result.checksum,
        finished_at=utcnow(),
    )


def clean_up_old_exports(today: date) -> int:
    """Remove the files of the current municipality's exports older than the keeping period
    (and a stray file no row knows); their rows stay, marked expired."""
    cutoff = utcnow() - timedelta(days=keep_days())
    removed = 0
    for row in db.session.scalars(
        select(TenantExport).where(
            TenantExport.status == ExportStatus.DONE.value, TenantExport.created_at < cutoff
        )
    ):
        path = zip_path(row)
        if path.exists():
            path.unlink()
            removed += 1
        row.status = ExportStatus.EXPIRED.value
    db.session.flush()
    return removed


@daily("tenant_export_cleanup", label=_l("cleaning up old exports"))
def tenant_export_cleanup(tenant_id: int, day: date) -> None:
    clean_up_old_exports(day)
