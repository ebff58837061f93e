"""The complete export as a job the tenant admin starts: progress, a zip with the same
content as ``flask tenants export``, downloadable by the tenant admin only and logged, old
files cleaned up (issue 15, point 2)."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from app.audit.models import AccessLogEntry
from app.auth.models import SecurityEvent
from app.core.db import utcnow
from app.core.permissions import Role
from app.extensions import db
from app.lifecycle import export_job
from app.lifecycle.models import TenantExport
from tests.cases.conftest import csrf_headers
from tests.factories import CaseDocumentFactory, CaseFactory, UserFactory
from tests.jobs.conftest import own_redis, run_burst  # noqa: F401 - own_redis: a fixture


@pytest.fixture
def export_dir(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "TENANT_EXPORT_DIR", str(tmp_path / "exports"))
    return tmp_path / "exports"


def _admin_client(sign_in, in_tenant, tenant):
    with in_tenant(tenant):
        admin = UserFactory(role=Role.TENANT_ADMIN.value, display_name="Beheerder Raalte")
    client = sign_in(admin)
    return admin, client, csrf_headers(client, "/admin/export/")


def test_inline_the_export_runs_in_the_request_and_the_zip_holds_the_commands_files(
    app, tenants, in_tenant, sign_in, export_dir, monkeypatch, tmp_path
):
    monkeypatch.setitem(app.config, "REDIS_URL", None)  # the embedded default: inline
    raalte = tenants["raalte"]
    with in_tenant(raalte):
        CaseDocumentFactory(case=CaseFactory())
    admin, client, headers = _admin_client(sign_in, in_tenant, raalte)
    started = client.post("/admin/export/", headers=headers)
    assert started.status_code == 303
    page = client.get("/admin/export/").get_data(as_text=True)
    assert 'data-testid="export-done"' in page and 'hx-trigger="every 2s"' not in page
    with in_tenant(raalte):
        (row,) = db.session.scalars(select(TenantExport)).all()
        assert row.status == "done" and row.tables_done == row.tables_total > 10
    answer = client.get(f"/admin/export/{row.id}/download")
    assert answer.status_code == 200
    assert answer.headers["Content-Disposition"].startswith("attachment; filename=")
    assert answer.headers["X-Content-Type-Options"] == "nosniff"
    archive = zipfile.ZipFile(io.BytesIO(answer.data))
    names = set(archive.namelist())
    assert {"datapackage.json", "SHA256SUMS", "files/manifest.csv", "data/cases.csv"} <= names
    assert any(n.startswith("files/case_documents/") and n.endswith(".pdf") for n in names)
    package = json.loads(archive.read("datapackage.json"))
    assert package["nazorg:tenant"]["slug"] == "raalte"
    # The same content as the command's export (one code path): the same files.
    command = tmp_path / "command"
    cli = app.test_cli_runner()
    assert cli.invoke(args=["tenants", "export", "raalte", str(command)]).exit_code == 0
    from_command = {p.relative_to(command).as_posix() for p in command.rglob("*") if p.is_file()}
    assert names == from_command
    assert archive.read("data/cases.csv") == (command / "data" / "cases.csv").read_bytes()
    with in_tenant(raalte):
        logged = db.session.scalars(
            select(AccessLogEntry).where(AccessLogEntry.object_type == "tenant_export")
        ).all()
        assert [(e.user_id, e.action) for e in logged] == [(admin.id, "export")]
        started_by = db.session.scalars(
            select(AccessLogEntry).where(
                AccessLogEntry.object_type == "tenant", AccessLogEntry.user_id == admin.id
            )
        ).all()
        assert len(started_by) == 1  # the export itself, in the admin's name
        events = db.session.scalars(select(SecurityEvent.event)).all()
        assert "tenant_exported" in events and "tenant_export_downloaded" in events


def test_with_redis_the_job_shows_progress_and_a_second_start_adds_no_job(
    app,
    tenants,
    in_tenant,
    sign_in,
    export_dir,
    own_redis,  # noqa: F811 - the fixture imported above
):
    lochem = tenants["lochem"]
    admin, client, headers = _admin_client(sign_in, in_tenant, lochem)
    assert client.post("/admin/export/", headers=headers).status_code == 303
    assert client.post("/admin/export/", headers=headers).status_code == 303  # twice: one
    with in_tenant(lochem):
        (row,) = db.session.scalars(select(TenantExport)).all()
        assert row.status == "queued"
    page = client.get("/admin/export/", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert 'hx-trigger="every 2s"' in page and "<html" not in page  # polled as a fragment
    assert "/download" not in page
    seen: list[int] = []
    real_update = export_job._update

    def watch(tenant_id, export_id, **values):
        real_update(tenant_id, export_id, **values)
        if "tables_done" in values and values.get("status") is None:
            with in_tenant(lochem):
                seen.append(db.session.get(TenantExport, (tenant_id, export_id)).tables_done)

    export_job._update, saved = watch, export_job._update
    try:
        run_burst(app)
    finally:
        export_job._update = saved
    assert seen == sorted(seen) and len(seen) > 10  # committed table by table
    with in_tenant(lochem):
        row = db.session.get(TenantExport, (lochem.id, row.id))
        assert row.status == "done" and export_job.zip_path(row).is_file()
    assert client.get(f"/admin/export/{row.id}/download").status_code == 200


def test_only_the_municipalitys_tenant_admin_downloads_and_old_files_are_removed(
    app, tenants, in_tenant, sign_in, export_dir, monkeypatch
):
    monkeypatch.setitem(app.config, "REDIS_URL", None)
    zutphen, deventer = tenants["zutphen"], tenants["deventer"]
    _admin, client, headers = _admin_client(sign_in, in_tenant, zutphen)
    client.post("/admin/export/", headers=headers)
    with in_tenant(zutphen):
        (row,) = db.session.scalars(select(TenantExport)).all()
        path = export_job.zip_path(row)
        worker = UserFactory(role=Role.CASE_WORKER.value)
    assert path.is_file()
    assert sign_in(worker).get(f"/admin/export/{row.id}/download").status_code == 403
    _other, other_admin, _h = _admin_client(sign_in, in_tenant, deventer)
    assert other_admin.get(f"/admin/export/{row.id}/download").status_code == 404
    with in_tenant(zutphen):
        db.session.get(TenantExport, (zutphen.id, row.id)).created_at = utcnow() - timedelta(
            days=export_job.keep_days() + 1
        )
        db.session.commit()
        assert export_job.clean_up_old_exports(date.today()) == 1
        db.session.commit()
        assert db.session.get(TenantExport, (zutphen.id, row.id)).status == "expired"
    assert not path.exists()
    assert client.get(f"/admin/export/{row.id}/download").status_code == 404
