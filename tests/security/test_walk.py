"""The route walk: every role (and an anonymous visitor) × every endpoint and method × an
object of its own municipality, of another municipality, and outside the user's scope, with
and without ``HX-Request``, gets the answer of security/authorization-matrix.toml.

- denied: 403 for a signed-in user (the same answer whatever the object), a sign-in
  redirect for an anonymous visitor; 404 for the roles of ``REFUSED_AS_NOT_FOUND`` (a
  volunteer never learns that a case page or another area exists);
- allowed, own object: a success, redirect or validation answer (never 403, 404 or 5xx);
- allowed, another municipality's object or one outside the scope: 404, never 403, and
  never that object's data;
- a GET, and any refused request, changes no data (row counts of the data tables).

The mentor portal's circles have the scope dimension: a circle the volunteer is not in.
"""

from __future__ import annotations

import pytest

from app.core.permissions import Role, refused_as_not_found
from tests.security import matrix, registry, walker

OWN, OTHER, SCOPE = "own municipality", "other municipality", "outside scope"
# Endpoints whose allowed answer is fixed by configuration, with the reason.
FIXED_ANSWERS = {
    "auth.demo_sign_in": ({404}, "the demo sign-in answers only in development"),
    # The walk has no identity provider (404), or one it cannot reach once the admin's walk
    # has saved the settings (401, sign-in failed); tests/auth/ sign in through a real one.
    "auth.oidc_login": ({401, 404}, "no reachable identity provider"),
    "auth.oidc_callback": ({401, 404}, "no reachable identity provider"),
}
# A GET may add one row to these tables, and only these.
GET_MAY_RECORD = {
    # The export is recorded on the case's timeline as well as in the access log.
    "cases.export_case_pdf": {"case_events"},
    "cases.export_case_list": {"case_events"},
}
SIGN_IN_PATH = "/auth/sign-in"


@pytest.fixture
def walk_world(app, tenants, sign_in, monkeypatch):
    # Jobs run inline: the walk tests who may do what, not the queue (tests/jobs/ do that).
    monkeypatch.setitem(app.config, "REDIS_URL", None)
    home, away = tenants["deventer"], tenants["lochem"]
    counter = walker.RowCounter(app, [home.id, away.id])
    yield home, away, counter
    counter.close()


def expectation_failures(
    actor: str, endpoint: str, method: str, variant: str, response, foreign_marker: str
) -> list[str]:
    answer = matrix.answer(endpoint, method, actor)
    status = response.status_code
    where = f"{actor} {method} {endpoint} ({variant})"
    body = response.get_data().decode("utf-8", "replace")
    if status >= 500:
        return [f"{where}: {status}"]
    if not answer.allowed:
        if actor == matrix.ANONYMOUS:
            location = response.headers.get("HX-Redirect") or response.headers.get("Location", "")
            if status not in (302, 204) or SIGN_IN_PATH not in location:
                return [f"{where}: expected a sign-in redirect, got {status}"]
            return []
        if refused_as_not_found(actor, endpoint):
            if status != 404:
                return [f"{where}: denied to this role as not found (404), but answered {status}"]
            return []
        if status not in (403, 404):
            return [f"{where}: denied, but answered {status}"]
        return []
    if variant.startswith(OWN):
        fixed = FIXED_ANSWERS.get(endpoint)
        if fixed is not None:
            return [] if status in fixed[0] else [f"{where}: {status}, expected {fixed[0]}"]
        if status in (403, 404):
            return [f"{where}: allowed, but answered {status}"]
        return []
    failures = []
    expected = 401 if endpoint.startswith("intake_api.") else 404
    if status != expected:
        failures.append(f"{where}: expected {expected}, got {status}")
    if foreign_marker in body:
        failures.append(f"{where}: the answer shows the other object's data")
    return failures


@pytest.mark.parametrize("actor", matrix.ACTORS)
def test_every_role_on_every_endpoint_gets_the_matrix_answer(app, walk_world, sign_in, actor):
    home, away, counter = walk_world
    if actor == matrix.ANONYMOUS:
        user = other_user = None
    else:
        user = walker.make_user(app, home, actor)
        other_user = walker.make_user(app, away, actor)
    caller = walker.Caller(app, user, sign_in)
    api_headers = {
        OWN: {"Authorization": f"Bearer {registry.api_token_for(app, home)}"},
        # The token of another municipality, sent along with the user's session.
        OTHER: {"Authorization": f"Bearer {registry.api_token_for(app, away)}"},
    }
    shared_own = registry.Bundle(app, home, user)
    shared_other = registry.Bundle(app, away, other_user)
    foreign_marker = f"Wandelaar{away.id}"
    failures: list[str] = []
    denied_answers: dict[tuple[str, str], set[int]] = {}

    for (endpoint, method), rule in sorted(matrix.routes(app).items()):
        if (endpoint, method) not in matrix.entries():
            continue  # test_matrix_file.py reports it
        answer = matrix.answer(endpoint, method, actor)
        variants = [OWN]
        api = endpoint.startswith("intake_api.")
        if walker.has_tenant_owned_argument(rule) or (api and user is not None):
            variants.append(OTHER)
        if walker.has_scoped_argument(rule):
            variants.append(SCOPE)
        for variant in variants:
            for htmx in (False, True):
                fresh = method != "GET" and answer.allowed and variant == OWN
                own = registry.Bundle(app, home, user) if fresh else shared_own
                target = shared_other if variant == OTHER else own
                url = walker.url_for_rule(
                    app, rule, walker.fill(rule, own, target, scope=variant == SCOPE)
                )
                body = walker.body_for(endpoint, own) if method != "GET" else {}
                headers = api_headers[variant] if api else None
                watch = method == "GET" or not answer.allowed or variant != OWN
                before = counter.counts() if watch else None
                response = caller.call(endpoint, method, url, headers=headers, htmx=htmx, **body)
                failures += expectation_failures(
                    actor, endpoint, method, f"{variant}, htmx={htmx}", response, foreign_marker
                )
                if watch:
                    difference = walker.changed(before, counter.counts())
                    if method == "GET" and variant == OWN:
                        difference = {
                            key: counts
                            for key, counts in difference.items()
                            if not (
                                key[0] in GET_MAY_RECORD.get(endpoint, ())
                                and walker.one_row_added(counts)
                            )
                        }
                    if difference:
                        failures.append(
                            f"{actor} {method} {endpoint} ({variant}, htmx={htmx}) changed "
                            f"data: {difference}"
                        )
                if not answer.allowed and actor != matrix.ANONYMOUS:
                    denied_answers.setdefault((endpoint, method), set()).add(response.status_code)

    # A refusal by role must not tell whether the object exists or whose it is.
    for (endpoint, method), statuses in denied_answers.items():
        if len(statuses) > 1:
            failures.append(f"{actor} {method} {endpoint}: refusals differ: {sorted(statuses)}")
    assert not failures, f"{len(failures)} failure(s):\n" + "\n".join(failures)


def test_the_walk_refuses_an_url_argument_it_does_not_know(app):
    from werkzeug.routing import Rule

    rule = Rule("/cases/<uuid:case_id>/orbits/<uuid:orbit_id>", endpoint="cases.orbit")
    rule.bind(app.url_map.__class__())
    with pytest.raises(registry.UnknownArgument, match="orbit_id"):
        walker.has_tenant_owned_argument(rule)


def test_every_role_of_the_code_is_walked():
    assert set(matrix.ACTORS) == {r.value for r in Role} | {matrix.ANONYMOUS}


def test_no_get_changes_data_in_an_untouched_municipality(app, tenants, sign_in, monkeypatch):
    """The walk's GETs come after other requests have set a municipality up; here every GET
    is the first thing that happens in its municipality (defaults saved on a first visit
    would show)."""
    monkeypatch.setitem(app.config, "REDIS_URL", None)
    fresh = tenants["zutphen"]
    counter = walker.RowCounter(app, [fresh.id])
    callers: dict[str, walker.Caller] = {}
    changes = []
    try:
        for (endpoint, method), rule in sorted(matrix.routes(app).items()):
            if method != "GET" or (endpoint, method) not in matrix.entries():
                continue
            actor = next(a for a in matrix.ACTORS if matrix.answer(endpoint, method, a).allowed)
            if actor not in callers:
                user = None if actor == matrix.ANONYMOUS else walker.make_user(app, fresh, actor)
                callers[actor] = walker.Caller(app, user, sign_in)
            caller = callers[actor]
            bundle = registry.Bundle(app, fresh, caller.user)
            url = walker.url_for_rule(app, rule, walker.fill(rule, bundle, bundle))
            before = counter.counts()
            caller.call(endpoint, method, url)
            difference = {
                key: counts
                for key, counts in walker.changed(before, counter.counts()).items()
                if not (key[0] in GET_MAY_RECORD.get(endpoint, ()) and walker.one_row_added(counts))
            }
            if difference:
                changes.append(f"{actor} GET {endpoint}: {difference}")
    finally:
        counter.close()
    assert not changes, "\n".join(changes)


def test_the_row_watch_sees_an_update_not_only_an_insert(app, tenants, in_tenant):
    """The 'GET changes nothing' checks rely on it: an UPDATE must show as a change."""
    from app.cases.models import Case
    from app.extensions import db
    from tests.factories import CaseFactory

    home = tenants["raalte"]
    with in_tenant(home):
        case = CaseFactory()
    counter = walker.RowCounter(app, [home.id])
    try:
        before = counter.counts()
        with in_tenant(home):
            db.session.get(Case, (home.id, case.id)).facility = "PI Ter Apel"
            db.session.commit()
        difference = walker.changed(before, counter.counts())
    finally:
        counter.close()
    assert ("cases", home.id) in difference
    assert not walker.one_row_added(difference[("cases", home.id)])
