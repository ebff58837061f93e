"""Bad JSON, extreme dates, old-Excel CSV and huge numbers at the intake: a clear 4xx,
never a 5xx, and nothing stored other than what was sent.

The case forms' fuzzing is in test_fuzz_forms.py; this file covers the JSON side (every
JSON route, the intake API with and without a token, the upload) and the intake document.
"""

from __future__ import annotations

import io
import json
import uuid
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select

from app.cases.models import Case, Client
from app.extensions import db
from tests.cases.conftest import new_bsn
from tests.security import matrix, registry, walker
from tests.security.test_fuzz_forms import FUZZ_SETTINGS

API = "/api/v1/intake-documents"
NESTED = "[" * 1000 + "]" * 1000  # 2 KB: Python's parser recurses once per bracket
NESTED_OBJECT = '{"a":' * 500 + "1" + "}" * 500
HUGE_NUMBER = "1" * 5000  # Python refuses it with "Exceeds the limit (4300 digits)"
ENGLISH = ("Exceeds the limit", "digits", "Traceback", "RecursionError", "Expecting")


def assert_clear_json_refusal(response, status: int = 400) -> str:
    assert response.status_code == status, response.get_data(as_text=True)[:300]
    assert response.is_json
    title = response.json["title"]
    assert title and not any(word in title for word in ENGLISH)
    return title


@pytest.fixture
def token(app, tenants) -> str:
    return registry.api_token_for(app, tenants["deventer"])


def stored(tenant, in_tenant, bsn: str):
    with in_tenant(tenant):
        client = db.session.scalars(select(Client).where(Client.bsn == bsn)).one_or_none()
        if client is None:
            return None
        case = db.session.scalars(select(Case).where(Case.client_id == client.id)).one()
        db.session.expunge_all()
        return client, case


# --- nested JSON and huge numbers ------------------------------------------------------


@pytest.mark.parametrize("body", [NESTED, NESTED_OBJECT])
@pytest.mark.parametrize("with_token", [True, False])
def test_deeply_nested_json_on_the_api_is_a_clear_400(app, token, body, with_token):
    headers = {"Content-Type": "application/json"}
    if with_token:
        headers["Authorization"] = f"Bearer {token}"
    response = app.test_client().post(API, data=body, headers=headers)
    assert "te diep genest" in assert_clear_json_refusal(response)


def test_deeply_nested_json_on_every_post_route_never_gives_a_5xx(app, tenants, sign_in):
    home = tenants["deventer"]
    worker = walker.make_user(app, home, "case_worker")
    callers = [walker.Caller(app, None, sign_in), walker.Caller(app, worker, sign_in)]
    bundle = registry.Bundle(app, home, worker)
    problems = []
    for endpoint, method in sorted(matrix.routes(app)):
        if method != "POST":
            continue
        rule = walker.rule_of(app, endpoint)
        url = walker.url_for_rule(app, rule, walker.fill(rule, bundle, bundle))
        for caller in callers:
            headers = {"X-CSRFToken": caller.token, "Content-Type": "application/json"}
            response = caller.client.post(url, data=NESTED, headers=headers)
            if endpoint.startswith(walker.SESSION_ENDPOINT_PREFIXES):
                caller.renew()
            if response.status_code >= 500:
                problems.append(f"{endpoint} as {caller.actor}: {response.status_code}")
    assert not problems, problems


def test_a_number_of_5000_digits_is_refused_in_dutch(app, token):
    body = json.dumps(registry.VALID_JSON["intake_api.receive_document"](None))
    body = body.replace('"message_id": ', f'"extra": {HUGE_NUMBER}, "message_id": ', 1)
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    response = app.test_client().post(API, data=body, headers=headers)
    assert "getal" in assert_clear_json_refusal(response)


def test_nan_and_infinity_are_not_json(app, token):
    for constant in ("NaN", "Infinity", "-Infinity"):
        response = app.test_client().post(
            API,
            data=f'{{"given_name": {constant}}}',
            headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        )
        assert_clear_json_refusal(response)


# --- the upload ------------------------------------------------------------------------


def upload(app, tenants, sign_in, name: str, content: bytes):
    worker = walker.make_user(app, tenants["deventer"], "case_worker")
    caller = walker.Caller(app, worker, sign_in)
    form = {"file": (io.BytesIO(content), name)}
    return caller.call("cases.intake_upload", "POST", "/cases/intake/upload", form=form)


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (NESTED.encode(), "te diep genest"),
        (f'[{{"given_name": {HUGE_NUMBER}}}]'.encode(), "te groot getal"),
    ],
)
def test_an_upload_of_bad_json_is_refused_in_dutch(app, tenants, sign_in, content, expected):
    response = upload(app, tenants, sign_in, "batch.json", content)
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert expected in body and not any(word in body for word in ENGLISH)


CSV_HEADER = "given_name;family_name;date_of_birth;bsn;facility;detention_start"


def test_csv_with_carriage_returns_only_is_read_line_by_line(app, tenants, in_tenant, sign_in):
    first, second = new_bsn(), new_bsn()
    lines = [CSV_HEADER, f"Piet;Jansen;1980-01-01;{first};PI Almelo;2026-11-01"]
    lines.append(f"Els;Smit;1975-03-03;{second};PI Zwolle;2026-10-01")
    response = upload(app, tenants, sign_in, "oud.csv", ("\r".join(lines) + "\r").encode())
    assert response.status_code == 200
    assert "2 nieuwe dossiers" in response.get_data(as_text=True)
    client, case = stored(tenants["deventer"], in_tenant, second)
    assert (client.given_name, client.family_name, case.facility) == ("Els", "Smit", "PI Zwolle")
    assert case.detention_start == date(2026, 10, 1)


def test_a_row_with_fewer_or_more_columns_than_the_header_is_refused(
    app, tenants, in_tenant, sign_in
):
    short, long_, good = new_bsn(), new_bsn(), new_bsn()
    lines = [
        CSV_HEADER,
        f"Piet;Jansen;1980-01-01;{short}",
        f"Ali;Kaya;1990-02-02;{long_};PI Almelo;2026-11-01;extra",
        f"Els;Smit;1975-03-03;{good};PI Zwolle;2026-10-01",
    ]
    body = upload(app, tenants, sign_in, "a.csv", "\n".join(lines).encode()).get_data(as_text=True)
    assert "Regel 2: de regel heeft 4 kolommen, de kopregel 6" in body
    assert "Regel 3: de regel heeft 7 kolommen, de kopregel 6" in body
    assert "1 nieuwe dossiers" in body
    assert stored(tenants["deventer"], in_tenant, short) is None
    assert stored(tenants["deventer"], in_tenant, long_) is None


# --- extreme dates and what is stored --------------------------------------------------


def valid_document() -> dict:
    doc = registry.VALID_JSON["intake_api.receive_document"](None)
    return {**doc, "bsn": new_bsn(), "message_id": f"fuzz-{uuid.uuid4().hex}"}


@pytest.mark.parametrize(
    "value",
    [
        "0001-01-01",
        "9999-12-31",
        "1899-12-31",
        "2101-01-01",
        "1980-W01-1",
        "19800101",
        "1980-001",
        "2026-02-30",
        "2026-1-5",
        " 2026-01-05x",
        20260105,
        "2026-01-05T00:00",
    ],
)
@pytest.mark.parametrize("field", ["detention_start", "expected_release", "date_of_birth"])
def test_implausible_or_odd_dates_are_refused_naming_the_field(app, token, field, value):
    doc = {**valid_document(), field: value}
    if field != "detention_start":
        doc.pop("detention_start", None)
    response = app.test_client().post(API, json=doc, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 422, (field, value, response.json)
    assert field in [error["field"] for error in response.json["errors"]]


@pytest.mark.parametrize("value", ["1900-01-01", "2100-12-31"])
def test_the_edges_of_the_plausible_range_are_stored_as_sent(app, tenants, in_tenant, token, value):
    doc = {**valid_document(), "expected_release": value}
    doc.pop("detention_start", None)
    if value == "1900-01-01":
        doc["date_of_birth"] = value
        doc.pop("expected_release")
    response = app.test_client().post(API, json=doc, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 201, response.json
    client, case = stored(tenants["deventer"], in_tenant, doc["bsn"])
    if value == "1900-01-01":
        assert client.date_of_birth.isoformat() == value
    else:
        assert case.expected_release.isoformat() == value


TEXT_FIELDS = {"given_name": 120, "family_name": 120, "facility": 200, "address": 500}
texts = st.one_of(
    st.text(max_size=130),
    st.text(alphabet="ab ", min_size=115, max_size=505),
    st.integers(min_value=-(10**40), max_value=10**40),
    st.booleans(),
    st.none(),
    st.lists(st.text(max_size=3), max_size=2),
)


def test_any_text_is_stored_as_sent_or_refused_naming_the_field(app, tenants, in_tenant, token):
    problems = []

    @FUZZ_SETTINGS
    @given(field=st.sampled_from(sorted(TEXT_FIELDS)), value=texts)
    def call(field, value):
        doc = {**valid_document(), field: value}
        response = app.test_client().post(
            API, json=doc, headers={"Authorization": f"Bearer {token}"}
        )
        if response.status_code >= 500 or not response.is_json:
            problems.append(f"{field}={value!r}: {response.status_code}")
            return
        if response.status_code != 201:
            fields = [e["field"] for e in response.json.get("errors", [])]
            if response.status_code == 422 and field not in fields:
                problems.append(f"{field}={value!r}: refused without naming it: {fields}")
            return
        client, case = stored(tenants["deventer"], in_tenant, doc["bsn"])
        saved = getattr(case if field == "facility" else client, field)
        sent = value.strip() if isinstance(value, str) else value
        if saved != sent and (sent or saved):
            problems.append(f"{field}={value!r}: stored as {saved!r}")

    call()
    assert not problems, "\n".join(problems)
