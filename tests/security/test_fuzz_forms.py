"""Property-based fuzzing of every form, search and API endpoint (hypothesis).

Starting from the endpoint's valid body (tests/security/registry.py), hypothesis drops
fields, adds unexpected ones and replaces values with odd unicode, NUL bytes, huge
strings, wrong types, impossible dates (2026-02-30) and negative or enormous numbers.
Whatever comes in, the answer is never a 5xx; a 4xx explains itself: in Dutch on a page
(a field message or an alert, never an untranslated English text), as JSON with a title
from the API.

Deterministic (``derandomize``) and modest: a few examples per endpoint keep the whole
file well under a minute. Every example works on fresh objects, so that one example's
change (a transfer, a phase) does not turn the next into a 404.
"""

from __future__ import annotations

import json
import os
import re
from functools import cache
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.security import matrix, registry, walker

# FUZZ_EXAMPLES=200 FUZZ_RANDOM=1 explores further by hand; CI runs the fixed examples.
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "10"))
FUZZ_SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=os.environ.get("FUZZ_RANDOM") != "1",
    database=None,
    suppress_health_check=list(HealthCheck),
)
CATALOGUE = Path(__file__).resolve().parents[2] / "app/translations/nl/LC_MESSAGES/messages.po"

# Fields the views read beyond those of the valid body.
EXTRA_FIELDS = {
    "cases.update_details": [
        "postal_address",
        "intended_address",
        "prolific_offender",
        "benefit_recipient",
        "case_worker_id",
    ],
    "cases.change_phase": ["reason", "outcome"],
    "cases.confirm_responsible": ["responsible_outside_name"],
    "cases.trajectory_add": ["reason"],
    "cases.admin_settings_save": ["release_preparation_weeks", "six_month_window_days"],
    "cases.referral_outcome": ["reason", "outcome"],
    "cases.admin_template_add": ["description", "short_stay_offset_days", "long_stay_only"],
    "cases.admin_template_save": ["description", "short_stay_offset_days", "long_stay_only"],
    "cases.intake_submit": [
        "address",
        "postal_address",
        "intended_address",
        "responsible_municipality",
        "message_id",
        "prolific_offender",
        "benefit_recipient",
        "care_status",
        "care_need",
        "debts_situation",
    ],
    "accounts.identity_provider": ["required_acr"],
}
# Searches and filters: GET endpoints and the query parameters they read.
QUERY_FIELDS = {
    "cases.case_list": ["q", "phase", "worker", "release_within", "overdue", "target", "sort"],
    "cases.export_case_list": ["q", "phase", "worker", "release_within", "page", "desc"],
    "audit.client_report": ["van", "tot"],
    "audit.employee_report": ["van", "tot"],
}

odd_text = st.text(alphabet=st.characters(exclude_categories=("Cs",)), max_size=30)
nasty = st.one_of(
    odd_text,
    st.sampled_from(
        [
            "\x00",
            "a\x00b",
            "‮evil‬",
            "Ā̴̡͖̓" * 5,
            "💥🧨",
            "<script>alert(1)</script>",
            "' OR 1=1 --",
            '=HYPERLINK("http://x")',
            "   ",
            "",
            "x" * 100_000,
        ]
    ),
    st.sampled_from(
        ["-1", "-999999", "0", "1.5", "1e9", "99999999999999999999", "NaN", "٣", "0x10", "+7"]
    ),
    st.sampled_from(
        [
            "2026-02-30",
            "2026-13-01",
            "0000-01-01",
            "0001-01-01",
            "9999-12-31",
            "31-12-2026",
            "2026/01/01",
            "20260101",
            "-2026-01-01",
        ]
    ),
    st.uuids().map(str),
)
json_nasty = st.one_of(
    nasty,
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=3),
)
DROP = object()


def changes(names: list[str], values) -> st.SearchStrategy[dict]:
    """Fields to set (to a drawn value) or to drop (DROP), unexpected ones included."""
    keys = st.sampled_from(sorted(set(names) | {"unexpected_field"}))
    return st.dictionaries(keys, st.one_of(values, st.just(DROP)), min_size=1, max_size=4)


@cache
def english_msgids() -> frozenset[str]:
    """Interface texts as written in the code: seeing one on a Dutch page means untranslated."""
    with CATALOGUE.open("rb") as handle:
        catalogue = read_po(handle)
    found = set()
    for message in catalogue:
        msgid = message.id[0] if isinstance(message.id, tuple) else message.id
        if msgid and len(msgid) >= 12 and "%(" not in msgid and message.string != msgid:
            found.add(msgid)
    return frozenset(found)


ERROR_MARKERS = re.compile(
    r'utrecht-form-field-error-message|utrecht-form-field--invalid|role="alert"|'
    r'data-testid="error|utrecht-alert--warning'
)


def explanation_problems(endpoint: str, response, htmx: bool) -> list[str]:
    status = response.status_code
    if status >= 500:
        return [f"{status}: a server error"]
    if not 400 <= status < 500:
        return []
    body = response.get_data().decode("utf-8", "replace")
    if endpoint.startswith("intake_api."):
        try:
            title = json.loads(body).get("title")
        except (ValueError, AttributeError):
            return [f"{status}: the API answered without JSON"]
        return [] if title else [f"{status}: JSON without a title"]
    if status == 404 and "<" not in body:
        return []
    problems = []
    if not ERROR_MARKERS.search(body):
        problems.append(f"{status}: no message on the page")
    untranslated = [m for m in english_msgids() if m in body]
    if untranslated:
        problems.append(f"{status}: English on the page: {untranslated[:3]}")
    return problems


def fuzz_targets(app) -> list[tuple[str, str]]:
    found = []
    for endpoint, method in sorted(matrix.routes(app)):
        if (endpoint, method) not in matrix.entries():
            continue
        if (
            method == "POST"
            and (endpoint in registry.VALID_FORMS or endpoint in registry.VALID_JSON)
            or method == "GET"
            and endpoint in QUERY_FIELDS
        ):
            found.append((endpoint, method))
    return found


def test_every_post_endpoint_has_a_valid_body(app):
    """A new form must get a valid body in the registry, or it is neither walked nor fuzzed."""
    missing = [
        endpoint
        for endpoint, method in matrix.routes(app)
        if method == "POST"
        and endpoint not in registry.VALID_FORMS
        and endpoint not in registry.VALID_JSON
    ]
    assert not missing, f"add these to registry.VALID_FORMS or VALID_JSON: {sorted(missing)}"


def _endpoint_names():
    """Collected without the app: every name a target can have (a stale one fails)."""
    gets = [(e, "GET") for e in QUERY_FIELDS]
    posts = [(e, "POST") for e in (*registry.VALID_FORMS, *registry.VALID_JSON)]
    return sorted(gets + posts)


def prepare_target(app, tenants, sign_in, monkeypatch, endpoint: str, method: str):
    """A Deventer caller allowed on the endpoint, its rule, headers and the fields to vary."""
    if (endpoint, method) not in fuzz_targets(app):
        pytest.fail(f"{endpoint} {method} is in the fuzz registry but is no route: remove it")
    monkeypatch.setitem(app.config, "REDIS_URL", None)
    home = tenants["deventer"]
    rule = walker.rule_of(app, endpoint)
    actor = next(a for a in matrix.ACTORS if matrix.answer(endpoint, method, a).allowed)
    user = None if actor == matrix.ANONYMOUS else walker.make_user(app, home, actor)
    caller = walker.Caller(app, user, sign_in)
    headers = None
    if endpoint.startswith("intake_api."):
        headers = {"Authorization": f"Bearer {registry.api_token_for(app, home)}"}
    if method == "GET":
        names = QUERY_FIELDS[endpoint]
    else:
        sample = walker.body_for(endpoint, registry.Bundle(app, home, user))
        base = next(iter(sample.values())) if sample else {}
        names = [n for n in base if n != "file"] + EXTRA_FIELDS.get(endpoint, [])
    return home, rule, user, caller, headers, names


@pytest.mark.parametrize(("endpoint", "method"), _endpoint_names())
def test_bad_input_gets_a_clear_4xx_never_a_5xx(
    app, tenants, sign_in, monkeypatch, endpoint, method
):
    home, rule, user, caller, headers, names = prepare_target(
        app, tenants, sign_in, monkeypatch, endpoint, method
    )
    json_body = endpoint in registry.VALID_JSON
    values = nasty if method == "GET" or not json_body else json_nasty
    problems: list[str] = []

    @FUZZ_SETTINGS
    @given(change=changes(names, values), htmx=st.booleans())
    def call(change, htmx):
        bundle = registry.Bundle(app, home, user)
        url = walker.url_for_rule(app, rule, walker.fill(rule, bundle, bundle))
        if method == "GET":
            query = {k: v for k, v in change.items() if v is not DROP}
            response = caller.call(endpoint, method, url, htmx=htmx, query=query)
        else:
            kind, base = next(iter(walker.body_for(endpoint, bundle).items()), ("form", {}))
            body = {**base}
            for key, value in change.items():
                if value is DROP:
                    body.pop(key, None)
                else:
                    body[key] = value
            if kind == "form":
                body = {k: v if isinstance(v, str | tuple) else str(v) for k, v in body.items()}
            response = caller.call(
                endpoint, method, url, headers=headers, htmx=htmx, **{kind: body}
            )
        for problem in explanation_problems(endpoint, response, htmx):
            shown = {
                k: (v[:40] + "…" if isinstance(v, str) and len(v) > 40 else v)
                for k, v in change.items()
                if v is not DROP
            }
            dropped = [k for k, v in change.items() if v is DROP]
            problems.append(f"{problem} (htmx={htmx}, set {shown!r}, dropped {dropped})")

    call()
    assert not problems, f"{method} {endpoint}:\n" + "\n".join(sorted(set(problems))[:15])


# Every field of every form also gets each of these, one at a time (deterministic).
BOUNDARY_VALUES = [
    "2026-02-30",
    "9999-12-31",
    "0001-01-01",
    "99999999999999999999",
    "-1",
    "a\x00b",
    "x" * 100_000,
]


@pytest.mark.parametrize(("endpoint", "method"), _endpoint_names())
def test_boundary_values_in_every_field_get_a_clear_4xx_never_a_5xx(
    app, tenants, sign_in, monkeypatch, endpoint, method
):
    home, rule, user, caller, headers, names = prepare_target(
        app, tenants, sign_in, monkeypatch, endpoint, method
    )
    shared = registry.Bundle(app, home, user)
    problems = []
    for name in names:
        for value in BOUNDARY_VALUES:
            bundle = shared if method == "GET" else registry.Bundle(app, home, user)
            url = walker.url_for_rule(app, rule, walker.fill(rule, bundle, bundle))
            if method == "GET":
                response = caller.call(endpoint, method, url, query={name: value})
            else:
                kind, base = next(iter(walker.body_for(endpoint, bundle).items()), ("form", {}))
                body = {kind: {**base, name: value}}
                response = caller.call(endpoint, method, url, headers=headers, **body)
            for problem in explanation_problems(endpoint, response, False):
                problems.append(f"{name}={value[:30]!r}: {problem}")
    assert not problems, f"{method} {endpoint}:\n" + "\n".join(problems)


upload_content = st.one_of(
    st.binary(max_size=200),
    st.sampled_from(
        [
            b"\xff\xfe\x00n\x00i\x00e\x00t",
            b"given_name;family_name\n\x00;\x00\n",
            b'{"documents": [{"bsn": 123, "date_of_birth": "2026-02-30"}]}',
            b'[1, "two", null, {"given_name": ["x"]}]',
            b'{"documents": {}}',
            b"message_id,bsn,date_of_birth\n" + b"x,000000000,2026-02-30\n" * 500,
            "given_name;family_name;date_of_birth;bsn\nÅ;Ö;1990-02-29;111222333\n".encode(),
        ]
    ),
)


def test_any_upload_gets_an_answer_never_a_5xx(app, tenants, sign_in, monkeypatch):
    import io

    monkeypatch.setitem(app.config, "REDIS_URL", None)
    home = tenants["deventer"]
    caller = walker.Caller(app, walker.make_user(app, home, "case_worker"), sign_in)
    problems: list[str] = []

    @FUZZ_SETTINGS
    @given(content=upload_content, name=st.sampled_from(["a.csv", "a.json", "a.txt", "", "a"]))
    def call(content, name):
        form = {"file": (io.BytesIO(content), name)}
        response = caller.call("cases.intake_upload", "POST", "/cases/intake/upload", form=form)
        for problem in explanation_problems("cases.intake_upload", response, False):
            problems.append(f"{problem} ({name!r}, {content[:60]!r})")

    call()
    assert not problems, "\n".join(problems)


PATH_VALUES = ["\x00", "a\x00b", "x" * 3000, "nergens", "..", "%", "💥", "Ā̴̡͖̓", "0", "-1"]


def test_odd_text_in_the_url_never_gives_a_5xx(app, tenants, sign_in):
    """Text parts of a URL (a municipality's name, a link's token, a monitor moment)."""
    from werkzeug.routing import UnicodeConverter

    home = tenants["deventer"]
    callers = [
        walker.Caller(app, None, sign_in),
        walker.Caller(app, walker.make_user(app, home, "case_worker"), sign_in),
    ]
    problems = []
    for (endpoint, method), rule in sorted(matrix.routes(app).items()):
        texts = [
            name
            for name, converter in rule._converters.items()
            if type(converter) is UnicodeConverter
        ]
        if not texts or method not in ("GET", "POST"):
            continue
        bundle = registry.Bundle(app, home, callers[1].user)
        values = walker.fill(rule, bundle, bundle)
        for name in texts:
            for value in PATH_VALUES:
                url = walker.url_for_rule(app, rule, {**values, name: value})
                for caller in callers:
                    response = caller.call(endpoint, method, url, form={})
                    if response.status_code >= 500:
                        problems.append(
                            f"{caller.actor} {method} {url[:80]!r}: {response.status_code}"
                        )
    assert not problems, "\n".join(problems)
