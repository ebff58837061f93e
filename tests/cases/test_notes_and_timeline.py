"""Notes with author and edit history; a timeline of every change to the case."""

from __future__ import annotations

import pytest

from app.cases import notes
from app.cases.errors import CaseError
from app.cases.models import Case
from app.cases.timeline import entries_for
from app.extensions import db
from tests.cases.conftest import submission_key
from tests.factories import UserFactory


def test_notes_keep_their_author_and_every_earlier_text(
    tenants, in_tenant, make_case, worker_client
):
    case = make_case(tenants["raalte"])
    with in_tenant(tenants["raalte"]):
        author = UserFactory(display_name="Fatima")
        colleague = UserFactory(display_name="Dennis")
    client = worker_client(author)
    assert (
        client.post(f"/cases/{case.id}/notes", data={"body": "Eerste gesprek"}).status_code == 302
    )
    with in_tenant(tenants["raalte"]):
        note = notes.notes_of(db.session.get(Case, (case.tenant_id, case.id)))[0]
    htmx = {"HX-Request": "true"}
    edited = client.post(
        f"/cases/{case.id}/notes/{note.id}",
        headers=htmx,
        data={"body": "Eerste gesprek, cliënt gemotiveerd", "version": note.version},
    )
    body = edited.get_data(as_text=True)
    assert edited.status_code == 200 and "cliënt gemotiveerd" in body
    assert "Eerdere versies (1)" in body and "Eerste gesprek" in body and "Fatima" in body
    refused = worker_client(colleague).post(
        f"/cases/{case.id}/notes/{note.id}",
        headers=htmx,
        data={"body": "Overschreven", "version": note.version + 1},
    )
    assert refused.status_code == 422 and "Alleen de auteur" in refused.get_data(as_text=True)
    with in_tenant(tenants["raalte"]):
        saved = notes.access_note(db.session.get(Case, (case.tenant_id, case.id)), note.id)
        assert saved.body == "Eerste gesprek, cliënt gemotiveerd"
        assert [r.body for r in saved.revisions] == ["Eerste gesprek"]
        with pytest.raises(CaseError):
            notes.add_note(db.session.get(Case, (case.tenant_id, case.id)), author, "   ")


def test_the_timeline_records_every_change(tenants, in_tenant, make_case, worker_client):
    case = make_case(tenants["deventer"], plan=True)
    with in_tenant(tenants["deventer"]):
        worker = UserFactory(display_name="Kim")
        loaded = db.session.get(Case, (case.tenant_id, case.id))
        housing = loaded.domain("housing")
    client = worker_client(worker)
    client.post(
        f"/cases/{case.id}/domains/{housing.id}",
        data={"status": "arranged", "version": housing.version, "need": "", "notes": ""},
    )
    client.post(f"/cases/{case.id}/phase", data={"phase": "in_detention", "version": case.version})
    client.post(f"/cases/{case.id}/snapshots/intake")
    client.post(f"/cases/{case.id}/notes", data={"body": "Gebeld met PI"})
    with in_tenant(tenants["deventer"]):
        kinds = [e.kind for e in entries_for(case.id)]
    for kind in ("opened", "plan_generated", "domain_updated", "phase", "snapshot", "note_added"):
        assert kind in kinds, kind
    page = client.get(f"/cases/{case.id}?open=timeline").get_data(as_text=True)
    timeline = page.split('data-testid="timeline"')[1]
    assert "Leefgebied Huisvesting gewijzigd" in timeline and "Kim" in timeline
    assert "Fase gewijzigd van Aangemeld naar In detentie" in timeline


def test_a_double_submit_adds_one_note(tenants, in_tenant, make_case, worker_client):
    case = make_case(tenants["zutphen"])
    with in_tenant(tenants["zutphen"]):
        worker = UserFactory()
    client = worker_client(worker)
    url = f"/cases/{case.id}/notes"
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    data = {"submission_key": submission_key(page, url), "body": "Gebeld met de reclassering"}
    first, second = client.post(url, data=data), client.post(url, data=data)
    assert first.status_code == second.status_code == 302
    assert first.headers["Location"] == second.headers["Location"]
    with in_tenant(tenants["zutphen"]):
        loaded = db.session.get(Case, (case.tenant_id, case.id))
        assert [n.body for n in notes.notes_of(loaded)] == ["Gebeld met de reclassering"]
        assert [e.kind for e in entries_for(case.id)].count("note_added") == 1
    # A key that is not one the portal made is refused, and the text stays.
    refused = client.post(url, data={"submission_key": "x", "body": "Tweede notitie"})
    assert refused.status_code == 422 and "Tweede notitie" in refused.get_data(as_text=True)
