"""The same intake at the same moment: one case, and every request gets its answer.

Real threads against PostgreSQL, where the race is decided by the unique keys (the
citizen number, one open case per client and detention, the message key). On SQLite
the requests would be serialised by the database lock and prove nothing.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from app.cases.intake import tokens
from app.cases.models import Case, Client
from app.extensions import db
from tests.cases.conftest import new_bsn
from tests.cases.test_intake import document
from tests.factories import UserFactory

pytestmark = pytest.mark.postgres

TODAY = date.today()
URL = "/api/v1/intake-documents"


def at_once(calls: list) -> list:
    """Run every call in its own thread, released together by a barrier."""
    barrier = threading.Barrier(len(calls))

    def run(call):
        barrier.wait()
        return call()

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(run, calls))


def counts(tenant, in_tenant) -> tuple[int, int]:
    with in_tenant(tenant):
        cases = db.session.scalar(select(func.count()).select_from(Case))
        clients = db.session.scalar(select(func.count()).select_from(Client))
    return cases, clients


@pytest.fixture
def token(tenants, in_tenant) -> str:
    with in_tenant(tenants["zutphen"]):
        issued = tokens.issue_token(tenants["zutphen"].id)
        db.session.commit()
    return issued


def post_api(app, token, body):
    def call():
        response = app.test_client().post(
            URL, json=body, headers={"Authorization": f"Bearer {token}"}
        )
        return response.status_code, response.get_json()

    return call


def test_ten_intakes_for_one_detention_of_a_known_client_at_once_make_one_case(
    app, tenants, in_tenant, token
):
    bsn = new_bsn()
    earlier = document(
        bsn=bsn,
        message_id="earlier",
        detention_start=(TODAY - timedelta(days=400)).isoformat(),
        expected_release=(TODAY - timedelta(days=300)).isoformat(),
    )
    assert post_api(app, token, earlier)()[0] == 201
    start = (TODAY - timedelta(days=3)).isoformat()
    calls = [
        post_api(app, token, document(bsn=bsn, message_id=f"dji-{n}", detention_start=start))
        for n in range(10)
    ]
    answers = at_once(calls)
    statuses = sorted(status for status, _body in answers)
    assert statuses == [200] * 9 + [201], answers
    assert len({body["case_id"] for _status, body in answers}) == 1
    assert counts(tenants["zutphen"], in_tenant) == (2, 1)


def test_ten_intakes_of_a_new_client_at_once_make_one_client_and_one_case(
    app, tenants, in_tenant, token
):
    bsn = new_bsn()
    calls = [post_api(app, token, document(bsn=bsn, message_id=f"m-{n}")) for n in range(10)]
    answers = at_once(calls)
    assert sorted(status for status, _ in answers) == [200] * 9 + [201], answers
    assert len({body["case_id"] for _status, body in answers}) == 1
    assert counts(tenants["zutphen"], in_tenant) == (1, 1)


def test_a_double_click_on_the_intake_form_gives_one_case_and_two_success_pages(
    tenants, in_tenant, worker_client
):
    with in_tenant(tenants["lochem"]):
        worker = UserFactory()
    form = {k: v for k, v in document().items() if k != "domains"}
    form.update({"housing_status": "not_arranged", "housing_need": "Woning"})
    clients = [worker_client(worker), worker_client(worker)]

    def click(client):
        return lambda: client.post("/cases/intake", data=form)

    first, second = at_once([click(c) for c in clients])
    assert first.status_code == second.status_code == 302
    assert first.headers["Location"] == second.headers["Location"]
    assert counts(tenants["lochem"], in_tenant) == (1, 1)
    page = clients[1].get(second.headers["Location"])
    assert page.status_code == 200 and form["family_name"] in page.get_data(as_text=True)
