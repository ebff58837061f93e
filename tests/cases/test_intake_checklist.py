"""The right person (issue 16, point 2): a citizen number that belongs to a known client
with another date of birth or name is never merged. The document creates no case and
changes nothing of that client: it waits in the check list until a case worker decides
(same person, other person, refuse); after "other person" it is refused with the reason.
Through the API, the form and the upload."""

from __future__ import annotations

import io
import json
import re

import pytest
from sqlalchemy import func, select

from app.cases.intake import tokens
from app.cases.intake.checklist import CheckStatus, IntakeCheck
from app.cases.intake.models import IntakeMessage
from app.cases.models import Case, Client
from app.extensions import db
from tests.cases.conftest import new_bsn
from tests.cases.test_intake_versions import API, TODAY, document
from tests.factories import UserFactory

REASON = "Andere persoon: geboortedatum wijkt af, BSN van de inrichting is fout"


def state(in_tenant, tenant, bsn: str) -> dict:
    """What the municipality holds on the citizen number: the client, its cases, messages
    and checks."""
    with in_tenant(tenant):
        client = db.session.scalars(select(Client).where(Client.bsn == bsn)).one()
        cases = db.session.scalars(select(Case).where(Case.client_id == client.id)).all()
        case_ids = [c.id for c in cases]
        messages = db.session.scalar(
            select(func.count())
            .select_from(IntakeMessage)
            .where(IntakeMessage.case_id.in_(case_ids))
        )
        checks = db.session.scalars(
            select(IntakeCheck).where(IntakeCheck.client_id == client.id)
        ).all()
        result = {
            "client": (
                client.given_name,
                client.family_name,
                client.date_of_birth.isoformat(),
                client.address,
                client.version,
            ),
            "cases": sorted((c.facility, c.detention_start.isoformat()) for c in cases),
            "messages": messages,
            "checks": [(c.status, c.reason, c.source) for c in checks],
            "check_ids": [c.id for c in checks],
        }
        db.session.expunge_all()
        return result


@pytest.fixture
def post(app, tenants, in_tenant):
    """``post(slug)``: a sender of documents to the municipality's intake API."""

    def make(slug: str):
        with in_tenant(tenants[slug]):
            token = tokens.issue_token(tenants[slug].id)
            db.session.commit()

        def send(doc):
            return app.test_client().post(
                API, json=doc, headers={"Authorization": f"Bearer {token}"}
            )

        return send

    return make


@pytest.fixture
def deventer_worker(tenants, in_tenant, worker_client):
    with in_tenant(tenants["deventer"]):
        worker = UserFactory()
    return worker_client(worker)


@pytest.mark.parametrize(
    "other",
    [{"date_of_birth": "1979-01-01"}, {"family_name": "Jansen"}, {"given_name": "Kees"}],
)
def test_a_document_of_another_person_waits_and_after_other_person_is_refused_with_the_reason(
    tenants,
    in_tenant,
    post,
    deventer_worker,
    other,
):
    deventer = tenants["deventer"]
    send = post("deventer")
    bsn = new_bsn()
    assert send(document(bsn, message_id="own", address="Brink 1, Deventer")).status_code == 201
    before = state(in_tenant, deventer, bsn)

    stranger = document(bsn, message_id="other", facility="PI Vught", address="Elders 9", **other)
    stranger["detention_start"] = TODAY.isoformat()  # another detention: would open a case
    answer = send(stranger)
    # Waiting, as JSON: no case, and nothing of the known client changed.
    assert answer.status_code == 202
    assert answer.json["status"] == "waiting" and answer.json["case_id"] is None
    assert "controlelijst" in answer.json["message"]
    now = state(in_tenant, deventer, bsn)
    assert now["client"] == before["client"]
    assert now["cases"] == before["cases"] and now["messages"] == before["messages"]
    assert now["checks"] == [("waiting", None, "api")]
    check_id = now["check_ids"][0]
    assert answer.json["check_id"] == str(check_id)
    # The same document again waits once, not twice.
    assert send(stranger).status_code == 202
    assert len(state(in_tenant, deventer, bsn)["checks"]) == 1

    # The case worker sees it in the list, and both records side by side.
    listing = deventer_worker.get("/cases/intake/checks").get_data(as_text=True)
    assert f"/cases/intake/checks/{check_id}" in listing
    page = deventer_worker.get(f"/cases/intake/checks/{check_id}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'data-testid="side-by-side"' in html and 'data-testid="differs"' in html
    assert bsn not in html  # masked

    # "Other person": refused with the reason, recorded; nothing else changes.
    decided = deventer_worker.post(
        f"/cases/intake/checks/{check_id}", data={"decision": "other_person", "reason": REASON}
    )
    assert decided.status_code == 302
    after = state(in_tenant, deventer, bsn)
    assert after["checks"] == [("other_person", REASON, "api")]
    assert after["client"] == before["client"] and after["cases"] == before["cases"]
    listing = deventer_worker.get("/cases/intake/checks").get_data(as_text=True)
    assert 'data-testid="no-checks"' in listing and REASON in listing
    assert "Een andere persoon: geweigerd" in listing
    again = send(stranger)
    assert again.status_code == 422
    (error,) = again.json["errors"]
    assert error["field"] == "bsn" and REASON in error["message"]
    assert state(in_tenant, deventer, bsn)["cases"] == before["cases"]


def test_same_person_takes_the_document_in_for_the_known_client(
    tenants,
    in_tenant,
    post,
    deventer_worker,
):
    deventer = tenants["deventer"]
    send = post("deventer")
    bsn = new_bsn()
    assert send(document(bsn, message_id="own")).status_code == 201
    typo = document(bsn, message_id="typo", date_of_birth="1988-12-04", facility="PI Vught")
    typo["detention_start"] = TODAY.isoformat()
    check_id = send(typo).json["check_id"]
    answer = deventer_worker.post(
        f"/cases/intake/checks/{check_id}", data={"decision": "same_person"}
    )
    assert answer.status_code == 302 and "/cases/" in answer.headers["Location"]
    after = state(in_tenant, deventer, bsn)
    # A new detention of the known client: a second case; the client's own data is kept.
    assert [facility for facility, _start in after["cases"]] == ["PI Vught", "PI Zwolle"]
    assert after["client"][2] == "1988-04-12"
    assert after["checks"] == [("same_person", None, "api")]
    # Received now: the same message again is a duplicate of that case.
    repeat = send(typo)
    assert repeat.status_code == 200 and repeat.json["status"] == "duplicate"
    # Decided once: a second decision is refused with a message.
    twice = deventer_worker.post(
        f"/cases/intake/checks/{check_id}", data={"decision": "refused", "reason": "x"}
    )
    assert twice.status_code == 422
    assert "Over dit document is al besloten." in twice.get_data(as_text=True)


def test_other_person_or_a_refusal_needs_a_reason(
    tenants,
    in_tenant,
    post,
    deventer_worker,
):
    send = post("deventer")
    bsn = new_bsn()
    send(document(bsn, message_id="own"))
    check_id = send(document(bsn, message_id="x", date_of_birth="1970-01-01")).json["check_id"]
    for decision in ("other_person", "refused"):
        answer = deventer_worker.post(
            f"/cases/intake/checks/{check_id}", data={"decision": decision, "reason": "  "}
        )
        assert answer.status_code == 422
        assert "Schrijf op waarom." in answer.get_data(as_text=True)
    nothing = deventer_worker.post(f"/cases/intake/checks/{check_id}", data={})
    assert nothing.status_code == 422 and "Kies een besluit." in nothing.get_data(as_text=True)
    assert state(in_tenant, tenants["deventer"], bsn)["checks"] == [("waiting", None, "api")]


def test_the_form_and_the_upload_put_the_document_in_the_check_list(
    tenants, in_tenant, worker_client
):
    zutphen = tenants["zutphen"]
    with in_tenant(zutphen):
        worker = UserFactory()
    client = worker_client(worker)
    bsn = new_bsn()
    first = {k: v for k, v in document(bsn).items() if k != "domains"}
    assert client.post("/cases/intake", data=first).status_code == 302
    before = state(in_tenant, zutphen, bsn)
    other = {**first, "date_of_birth": "1970-07-07"}
    waiting = client.post("/cases/intake", data=other)
    assert waiting.status_code == 302
    assert re.search(r"/cases/intake/checks/[0-9a-f-]{36}$", waiting.headers["Location"])
    body = client.post(
        "/cases/intake/upload",
        data={"file": (io.BytesIO(json.dumps([{**other, "message_id": "u1"}]).encode()), "o.json")},
        content_type="multipart/form-data",
    ).get_data(as_text=True)
    assert "Regel 1: " in body and "wacht op de controlelijst" in body
    after = state(in_tenant, zutphen, bsn)
    assert sorted(s for s, _r, _src in after["checks"]) == ["waiting", "waiting"]
    assert sorted(src for _s, _r, src in after["checks"]) == ["form", "upload"]
    assert after["client"] == before["client"] and after["cases"] == before["cases"]


def test_another_municipalitys_check_is_not_found(tenants, in_tenant, post, worker_client):
    send = post("deventer")
    bsn = new_bsn()
    send(document(bsn, message_id="own"))
    check_id = send(document(bsn, message_id="x", date_of_birth="1970-01-01")).json["check_id"]
    with in_tenant(tenants["lochem"]):
        lochem_worker = UserFactory()
    stranger = worker_client(lochem_worker)
    assert stranger.get(f"/cases/intake/checks/{check_id}").status_code == 404
    refused = stranger.post(f"/cases/intake/checks/{check_id}", data={"decision": "same_person"})
    assert refused.status_code == 404
    assert CheckStatus.WAITING.value in [
        s for s, _r, _src in state(in_tenant, tenants["deventer"], bsn)["checks"]
    ]
