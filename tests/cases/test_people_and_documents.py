"""People involved in a case, with history, and documents stored in the database
(issue 16, points 7 and 8)."""

from __future__ import annotations

import io
import logging
import uuid
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from app.audit.models import AccessLogEntry
from app.cases import documents, people, retention
from app.cases.errors import CaseError
from app.cases.models import Case
from app.cases.timeline import entries_for
from app.core.settings import set_setting
from app.extensions import db
from tests.cases.conftest import submission_key
from tests.factories import MINIMAL_PDF, UserFactory

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 40
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 40


def _case(in_tenant, case):
    return db.session.get(Case, (case.tenant_id, case.id))


def test_people_are_added_changed_and_ended_with_their_history(
    tenants, in_tenant, make_case, worker_client
):
    zutphen = tenants["zutphen"]
    case = make_case(zutphen)
    with in_tenant(zutphen):
        worker = UserFactory(display_name="Casemanager Zutphen")
    client = worker_client(worker)
    page = client.get(f"/cases/{case.id}?open=people").get_data(as_text=True)
    assert 'data-testid="people-panel"' in page
    key = submission_key(page, f"/cases/{case.id}/people")
    form = {
        "role": "probation_officer",
        "name": "Petra Toezicht",
        "organisation": "Reclassering Nederland",
        "contact": "0575 123456",
        "started_on": "2026-11-01",
        "submission_key": key,
    }
    assert client.post(f"/cases/{case.id}/people", data=form).status_code == 302
    assert client.post(f"/cases/{case.id}/people", data=form).status_code == 302  # twice: one
    with in_tenant(zutphen):
        (person,) = people.people_of(_case(in_tenant, case))
        assert person.role == "probation_officer" and person.name == "Petra Toezicht"
    changed = client.post(
        f"/cases/{case.id}/people/{person.id}",
        data={**form, "contact": "petra@reclassering.nl", "version": person.version},
    )
    assert changed.status_code == 302
    stale = client.post(
        f"/cases/{case.id}/people/{person.id}",
        data={**form, "name": "Iemand anders", "version": person.version},
    )
    assert stale.status_code == 409
    ended = client.post(
        f"/cases/{case.id}/people/{person.id}/end",
        data={"ended_on": "2026-12-01", "end_reason": "Toezicht afgelopen", "version": 2},
    )
    assert ended.status_code == 302
    with in_tenant(zutphen):
        (person,) = people.people_of(_case(in_tenant, case))
        assert person.contact == "petra@reclassering.nl" and person.ended_on == date(2026, 12, 1)
        kinds = [e.kind for e in entries_for(case.id)]
        assert kinds.count("person_added") == 1
        assert "person_updated" in kinds and "person_ended" in kinds
        update = next(e for e in entries_for(case.id) if e.kind == "person_updated")
        assert update.detail["changes"]["contact"] == ["0575 123456", "petra@reclassering.nl"]
    page = client.get(f"/cases/{case.id}?open=people,timeline").get_data(as_text=True)
    assert 'data-testid="people-ended"' in page and "Toezicht afgelopen" in page
    assert "Betrokkene gewijzigd" in page  # the change in the timeline, in Dutch


def test_a_person_without_a_name_or_with_a_made_up_role_is_refused_with_a_message(
    tenants, in_tenant, make_case, worker_client
):
    case = make_case(tenants["lochem"])
    with in_tenant(tenants["lochem"]):
        worker = UserFactory()
    client = worker_client(worker)
    refused = client.post(
        f"/cases/{case.id}/people", data={"role": "judge", "name": "", "contact": "06"}
    )
    assert refused.status_code == 422
    body = refused.get_data(as_text=True)
    assert 'data-testid="error-role"' in body and 'data-testid="error-name"' in body
    assert 'value="06"' in body  # the input is kept
    with in_tenant(tenants["lochem"]), pytest.raises(CaseError):
        people.add_person(_case(in_tenant, case), worker, {"role": "gp", "name": ""})


def _upload(client, case_id, content, name, kind="letter", **extra):
    return client.post(
        f"/cases/{case_id}/documents",
        data={"kind": kind, "title": "Stuk", "file": (io.BytesIO(content), name), **extra},
        content_type="multipart/form-data",
    )


def test_the_type_comes_from_the_content_and_not_the_name(
    tenants, in_tenant, make_case, worker_client
):
    raalte = tenants["raalte"]
    case = make_case(raalte)
    with in_tenant(raalte):
        worker = UserFactory()
    client = worker_client(worker)
    png_as_pdf = _upload(client, case.id, PNG, "brief.pdf")
    assert png_as_pdf.status_code == 422
    assert "van een ander soort" in png_as_pdf.get_data(as_text=True)
    script = _upload(client, case.id, b"<script>alert(1)</script>", "brief.pdf")
    assert script.status_code == 422 and "niet aangenomen" in script.get_data(as_text=True)
    exe_named_pdf = _upload(client, case.id, b"MZ\x90\x00" + b"\x00" * 60, "brief.pdf")
    assert exe_named_pdf.status_code == 422
    with in_tenant(raalte):
        assert db.session.scalar(select(func.count()).select_from(documents.CaseDocument)) == 0
    # A JPEG sent as "scan" without an extension is a JPEG: stored with its own extension.
    assert _upload(client, case.id, JPEG, "scan", kind="identity_paper").status_code == 302
    with in_tenant(raalte):
        (versions,) = documents.documents_of(_case(in_tenant, case))
        assert versions[0].media_type == "image/jpeg" and versions[0].filename == "scan.jpg"


def test_the_size_limit_is_a_setting(tenants, in_tenant, make_case, worker_client):
    olst = tenants["olst-wijhe"]
    case = make_case(olst)
    with in_tenant(olst):
        worker = UserFactory()
        set_setting(documents.MAX_KB_SETTING, 100)
        db.session.commit()
    client = worker_client(worker)
    large = MINIMAL_PDF + b"0" * (100 * 1024)
    refused = _upload(client, case.id, large, "groot.pdf")
    assert refused.status_code == 422 and "100 kB" in refused.get_data(as_text=True)
    assert _upload(client, case.id, MINIMAL_PDF, "klein.pdf").status_code == 302


def test_a_download_is_an_attachment_in_the_access_log_and_a_new_version_keeps_the_old(
    tenants, in_tenant, make_case, worker_client
):
    deventer = tenants["deventer"]
    case = make_case(deventer)
    with in_tenant(deventer):
        worker = UserFactory()
    client = worker_client(worker)
    assert _upload(client, case.id, MINIMAL_PDF, "Brief van Woning & Co (1).PDF").status_code == 302
    with in_tenant(deventer):
        ((first,),) = documents.documents_of(_case(in_tenant, case))
    second_pdf = MINIMAL_PDF + b"% tweede\n"
    again = client.post(
        f"/cases/{case.id}/documents/{first.id}/versions",
        data={"kind": "letter", "title": "Stuk", "file": (io.BytesIO(second_pdf), "v2.pdf")},
        content_type="multipart/form-data",
    )
    assert again.status_code == 302
    with in_tenant(deventer):
        ((newest, oldest),) = documents.documents_of(_case(in_tenant, case))
        assert (newest.version_number, oldest.version_number) == (2, 1)
        assert newest.series_id == oldest.series_id == first.id
    answer = client.get(f"/cases/{case.id}/documents/{oldest.id}")
    assert answer.status_code == 200 and answer.data == MINIMAL_PDF
    assert answer.headers["Content-Disposition"] == (
        'attachment; filename="Brief-van-Woning-Co-1.pdf"'
    )
    assert answer.headers["X-Content-Type-Options"] == "nosniff"
    assert answer.mimetype == "application/pdf"
    assert client.get(f"/cases/{case.id}/documents/{newest.id}").data == second_pdf
    with in_tenant(deventer):
        logged = db.session.scalars(
            select(AccessLogEntry).where(AccessLogEntry.object_type == "case_document")
        ).all()
        assert {row.object_id for row in logged} == {str(oldest.id), str(newest.id)}
        assert all(row.client_id == case.client_id and row.action == "export" for row in logged)


def test_another_municipalitys_user_gets_404_and_is_logged(
    tenants, in_tenant, make_case, sign_in, caplog
):
    case = make_case(tenants["deventer"])
    with in_tenant(tenants["deventer"]):
        document = documents.add_document(
            _case(in_tenant, case),
            "test",
            kind="consent_form",
            title="Toestemming",
            filename="t.pdf",
            content=MINIMAL_PDF,
        )
        db.session.commit()
    with in_tenant(tenants["lochem"]):
        stranger = UserFactory()
    caplog.set_level(logging.WARNING, logger="nazorg.security")
    answer = sign_in(stranger).get(f"/cases/{case.id}/documents/{document.id}")
    assert answer.status_code == 404 and MINIMAL_PDF not in answer.data
    refused = [r for r in caplog.records if r.getMessage() == "access refused"]
    assert refused and refused[0].detail == str(case.id)
    # The right case with a made-up document: 404 too, nothing sent.
    with in_tenant(tenants["deventer"]):
        owner = UserFactory()
    missing = sign_in(owner).get(f"/cases/{case.id}/documents/{uuid.uuid4()}")
    assert missing.status_code == 404


def test_the_retention_sweep_destroys_documents_and_people_with_their_case(
    tenants, in_tenant, make_case
):
    zutphen = tenants["zutphen"]
    case = make_case(zutphen)
    with in_tenant(zutphen):
        loaded = _case(in_tenant, case)
        documents.add_document(
            loaded, "test", kind="letter", title="Brief", filename="b.pdf", content=MINIMAL_PDF
        )
        people.add_person(loaded, "test", {"role": "gp", "name": "Dokter"})
        loaded.destroy_on = date.today() - timedelta(days=1)
        db.session.commit()
        (record,) = retention.destroy_due_cases(date.today())
        db.session.commit()
        assert record.counts.get("case_documents") == 1 and record.counts.get("case_people") == 1
        for model in (documents.CaseDocument, people.CasePerson):
            assert db.session.scalar(select(func.count()).select_from(model)) == 0
