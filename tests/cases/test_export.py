"""The whole file as PDF; each export passes the record_export seam (the access log, issue 6)."""

from __future__ import annotations

import logging
import shutil
import subprocess

from app.cases import notes
from app.cases.models import Case
from app.cases.timeline import entries_for
from app.extensions import db
from tests.factories import UserFactory


def test_the_whole_file_as_pdf(tenants, in_tenant, make_case, sign_in, caplog, tmp_path):
    case = make_case(
        tenants["olst-wijhe"],
        plan=True,
        client={"given_name": "Priscilla", "family_name": "Nijland"},
    )
    with in_tenant(tenants["olst-wijhe"]):
        worker = UserFactory()
        notes.add_note(db.session.get(Case, (case.tenant_id, case.id)), worker, "Gesprek in PI")
        db.session.commit()
    with caplog.at_level(logging.INFO, logger="nazorg.access"):
        response = sign_in(worker).get(f"/cases/{case.id}/export.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF")
    assert 'filename="nazorgdossier-Nijland-' in response.headers["Content-Disposition"]
    assert any(getattr(r, "kind", None) == "case_file_pdf" for r in caplog.records)
    with in_tenant(tenants["olst-wijhe"]):
        assert entries_for(case.id)[0].kind == "exported"
    if shutil.which("pdftotext"):
        pdf = tmp_path / "file.pdf"
        pdf.write_bytes(response.data)
        text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True).stdout
        assert "Priscilla Nijland" in text and "Gesprek in PI" in text and "Huisvesting" in text


def test_another_tenants_file_cannot_be_exported(tenants, in_tenant, make_case, sign_in):
    case = make_case(tenants["olst-wijhe"])
    with in_tenant(tenants["raalte"]):
        worker = UserFactory()
    assert sign_in(worker).get(f"/cases/{case.id}/export.pdf").status_code == 404
    assert sign_in(worker).get(f"/cases/{case.id}/export.pdf").data[:4] != b"%PDF"
