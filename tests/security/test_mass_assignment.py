"""``tenant_id``, ``role``, ``version`` and ``id`` in a posted form or JSON body are ignored
or refused, never applied, on every POST endpoint.

Each POST endpoint is called by a role the matrix allows, twice with its valid body
(registry.VALID_FORMS / VALID_JSON) on fresh objects: once as it is, once with the four
fields added. The second call must answer as the first (ignored) or with a 4xx
(refused), and afterwards no row anywhere carries the injected id, version or role, and no
municipality but the user's own (and a transfer's receiver) has a row more or less.
A field an endpoint legitimately takes (the role on the role form, the version of an edit)
is not injected there.
"""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import text

from app.core.permissions import Role
from tests.security import matrix, registry, walker

INJECTED_VERSION = 987_654
INJECTED_ROLE = Role.TENANT_ADMIN.value


def post_endpoints(app) -> list[tuple[str, str]]:
    return sorted(
        (endpoint, method)
        for (endpoint, method) in matrix.routes(app)
        if method == "POST" and (endpoint, method) in matrix.entries()
    )


def acting_role(endpoint: str, method: str) -> str:
    """The first role the matrix allows; a signed-in one when there is any."""
    allowed = [a for a in matrix.ACTORS if matrix.answer(endpoint, method, a).allowed]
    assert allowed, f"no role may call {endpoint}"
    return allowed[0]


class Traces:
    """Rows carrying the injected id, version or role, read past the tenant scope."""

    def __init__(self, counter: walker.RowCounter, app) -> None:
        from app.extensions import db

        self.counter = counter
        parts = []
        with app.app_context():
            for table in db.metadata.sorted_tables:
                if table.name not in counter.tables and table.name != "users":
                    continue
                if "id" in table.c:
                    parts.append(
                        f"SELECT '{table.name}.id', count(*) FROM {table.name} "  # noqa: S608
                        "WHERE CAST(id AS TEXT) IN (:dashed, :plain)"
                    )
                if "version" in table.c:
                    parts.append(
                        f"SELECT '{table.name}.version', count(*) FROM {table.name} "  # noqa: S608
                        "WHERE version = :version"
                    )
        self.query = text(" UNION ALL ".join(parts))

    def found(self, injected_id: uuid.UUID) -> dict[str, int]:
        values = {
            "dashed": str(injected_id),
            "plain": injected_id.hex,
            "version": INJECTED_VERSION,
        }
        found: dict[str, int] = {}
        engine = self.counter.engine
        with engine.connect() as connection:
            for tenant_id in self.counter.tenant_ids if self.counter.postgres else [None]:
                with connection.begin():
                    if tenant_id is not None:
                        connection.execute(
                            text("SELECT set_config('app.tenant_id', :t, true)"),
                            {"t": str(tenant_id)},
                        )
                    for name, count in connection.execute(self.query, values):
                        if count:
                            found[name] = found.get(name, 0) + count
        return found


@pytest.fixture
def setting(app, tenants, monkeypatch):
    monkeypatch.setitem(app.config, "REDIS_URL", None)
    ordered = sorted(tenants.values(), key=lambda t: t.id)
    home = tenants["deventer"]
    counter = walker.RowCounter(app, [t.id for t in ordered])
    yield home, ordered, counter
    counter.close()


def role_counts(app, tenants) -> dict[tuple[int, str], int]:
    from sqlalchemy import func, select

    from app.auth.models import User
    from app.core.context import tenant_app_context
    from app.extensions import db

    counts = {}
    for tenant in tenants:
        with app.app_context(), tenant_app_context(tenant.id):
            for role, count in db.session.execute(
                select(User.role, func.count()).group_by(User.role)
            ):
                counts[(tenant.id, role)] = count
    return counts


def test_injected_tenant_role_version_and_id_are_never_applied(app, setting, sign_in):
    home, ordered, counter = setting
    traces = Traces(counter, app)
    transfer_target = registry._other_tenant_id(registry.Bundle(app, home))
    injected_tenant = next(t for t in reversed(ordered) if t.id not in (home.id, transfer_target))
    callers: dict[str, walker.Caller] = {}
    failures: list[str] = []
    checked = 0

    for endpoint, method in post_endpoints(app):
        rule = walker.rule_of(app, endpoint)
        actor = acting_role(endpoint, method)
        if actor not in callers:
            user = None if actor == matrix.ANONYMOUS else walker.make_user(app, home, actor)
            callers[actor] = walker.Caller(app, user, sign_in)
        caller = callers[actor]
        headers = None
        if endpoint.startswith("intake_api."):
            headers = {"Authorization": f"Bearer {registry.api_token_for(app, home)}"}

        statuses = []
        for inject in (False, True):
            bundle = registry.Bundle(app, home, caller.user)
            url = walker.url_for_rule(app, rule, walker.fill(rule, bundle, bundle))
            body = walker.body_for(endpoint, bundle)
            injected_id = uuid.uuid4()
            if inject:
                extra = {"tenant_id": str(injected_tenant.id), "id": str(injected_id)}
                kind, values = next(iter(body.items())) if body else ("form", {})
                if "role" not in values:
                    extra["role"] = INJECTED_ROLE
                if "version" not in values:
                    extra["version"] = str(INJECTED_VERSION)
                if kind == "json":
                    extra = {
                        k: int(v) if k in ("tenant_id", "version") else v for k, v in extra.items()
                    }
                body = {kind: {**values, **extra}}
            roles_before = role_counts(app, ordered)
            before = counter.counts()
            response = caller.call(endpoint, method, url, headers=headers, **body)
            statuses.append(response.status_code)
            if not inject:
                continue
            checked += 1
            where = f"{actor} POST {endpoint}"
            difference = walker.changed(before, counter.counts())
            elsewhere = {
                key: change
                for key, change in difference.items()
                if key[1] not in (home.id, transfer_target)
            }
            if elsewhere:
                failures.append(f"{where}: rows changed in another municipality: {elsewhere}")
            if any(key[1] == injected_tenant.id for key in difference):
                failures.append(f"{where}: wrote to the injected municipality")
            found = traces.found(injected_id)
            if found:
                failures.append(f"{where}: the injected id or version was applied: {found}")
            roles_after = role_counts(app, ordered)
            gained = {
                key: (roles_before.get(key, 0), count)
                for key, count in roles_after.items()
                if key[1] == INJECTED_ROLE and count > roles_before.get(key, 0)
            }
            if gained:
                failures.append(f"{where}: someone became {INJECTED_ROLE}: {gained}")
        plain, injected = statuses
        if injected >= 500 or (injected != plain and not 400 <= injected < 500):
            failures.append(f"{actor} POST {endpoint}: {plain} without, {injected} with the fields")

    assert checked >= 30
    assert not failures, "\n".join(failures)
    # The trace query does see rows: it finds a case by its id.
    known = registry.Bundle(app, home).case().id
    assert traces.found(known) == {"cases.id": 1}
