"""Calling every endpoint as every role: signed-in callers, URLs with made objects, row counts.

Shared by the route walk, the canary test and the mass-assignment test.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, text
from werkzeug.routing import Rule

from app.auth.models import User
from app.core.context import tenant_app_context
from app.extensions import db
from app.tenants.models import Tenant
from tests.csrf import csrf_token
from tests.security import matrix, registry

# Written as a side effect of any request (who looked, who signed in): not the data that a
# GET must leave alone.
LOG_TABLES = {"access_log", "security_events", "user_sessions", "pending_sign_ins"}
KEPT_TABLES = {"tenants", "alembic_version"}
# Rows a sign-in touches (last_sign_in_at): the walk signs in again after session endpoints,
# so for these only the count is watched.
COUNT_ONLY_TABLES = {"users"}
# Endpoints that end or replace the caller's session: sign in again after calling them.
SESSION_ENDPOINT_PREFIXES = ("auth.", "local.")


@dataclass
class Caller:
    """A test client acting as ``user`` (None: an anonymous visitor), with its CSRF token."""

    app: Flask
    user: User | None
    sign_in: object
    client: FlaskClient = field(init=False)
    token: str = field(init=False)

    def __post_init__(self) -> None:
        self.renew()

    @property
    def actor(self) -> str:
        return self.user.role if self.user is not None else matrix.ANONYMOUS

    def renew(self) -> None:
        if self.user is None:
            self.client = self.app.test_client()
            self.token = csrf_token(self.client, "/auth/sign-in")
        else:
            self.client = self.sign_in(self.user)
            self.token = csrf_token(self.client, "/notifications/")

    def call(
        self,
        endpoint: str,
        method: str,
        url: str,
        *,
        form: dict | None = None,
        json: dict | None = None,
        headers: dict | None = None,
        htmx: bool = False,
        query: dict | None = None,
    ):
        all_headers = {"X-CSRFToken": self.token, **(headers or {})}
        if htmx:
            all_headers["HX-Request"] = "true"
        # Buffered: a streamed answer (the export) is read and closed here, in its own
        # request context; left open, it was closed later by the garbage collector, which
        # popped the wrong context ("Popped wrong request context" in CI's warnings).
        if method == "GET":
            response = self.client.get(url, headers=all_headers, query_string=query, buffered=True)
        elif json is not None:
            response = self.client.post(url, json=json, headers=all_headers, buffered=True)
        else:
            data = {"csrf_token": self.token, **(form or {})}
            response = self.client.open(
                url, method=method, data=data, headers=all_headers, buffered=True
            )
        if endpoint.startswith(SESSION_ENDPOINT_PREFIXES):
            self.renew()
        return response


def make_user(app: Flask, tenant: Tenant, role: str, **fields) -> User:
    from tests.factories import UserFactory

    with app.app_context(), tenant_app_context(tenant.id):
        db.session().expire_on_commit = False
        user = UserFactory(role=role, **fields)
        db.session.expunge(user)
    return user


def rule_of(app: Flask, endpoint: str) -> Rule:
    return next(r for r in app.url_map.iter_rules() if r.endpoint == endpoint)


def url_for_rule(app: Flask, rule: Rule, values: dict) -> str:
    from flask import url_for

    with app.test_request_context():
        return url_for(rule.endpoint, **values)


def fill(rule: Rule, own: registry.Bundle, target: registry.Bundle, *, scope: bool = False):
    """URL values: tenant-owned objects from ``target``, the rest from ``own``."""
    values = {}
    for name in sorted(rule.arguments):
        spec = registry.argument(name, rule.endpoint)
        bundle = target if spec.tenant_owned else own
        if scope and spec.out_of_scope is not None:
            values[name] = spec.out_of_scope(bundle, rule.endpoint)
        else:
            values[name] = spec.make(bundle, rule.endpoint)
    return values


def _specs(rule: Rule) -> list[registry.Argument]:
    """Every argument's entry in the registry; an unknown name raises UnknownArgument."""
    return [registry.argument(name, rule.endpoint) for name in sorted(rule.arguments)]


def has_tenant_owned_argument(rule: Rule) -> bool:
    return any(spec.tenant_owned for spec in _specs(rule))


def has_scoped_argument(rule: Rule) -> bool:
    return any(spec.out_of_scope is not None for spec in _specs(rule))


def body_for(endpoint: str, bundle: registry.Bundle) -> dict:
    """{"form": ...} or {"json": ...}: the valid body of a POST endpoint ({} for a GET)."""
    if endpoint in registry.VALID_JSON:
        return {"json": registry.VALID_JSON[endpoint](bundle)}
    if endpoint in registry.VALID_FORMS:
        return {"form": registry.VALID_FORMS[endpoint](bundle)}
    return {}


# --- row counts -----------------------------------------------------------------------------


class RowCounter:
    """Rows per (table, tenant) of the data tables, read past the tenant scope.

    PostgreSQL: as the owner role, once per tenant (RLS is forced on the owner too).
    SQLite: plainly.
    """

    def __init__(self, app: Flask, tenant_ids: list[int]) -> None:
        self.tenant_ids = tenant_ids
        with app.app_context():
            watched = [
                t
                for t in db.metadata.sorted_tables
                if t.name not in LOG_TABLES | KEPT_TABLES and "tenant_id" in t.c
            ]
            self.tables = [t.name for t in watched]
            owner_url = app.config.get("MIGRATION_DATABASE_URI") or os.environ.get(
                "MIGRATION_DATABASE_URL"
            )
            self.postgres = app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql")
            self.engine = create_engine(owner_url) if self.postgres else db.engine
        self.query = text(
            " UNION ALL ".join(
                f"SELECT '{t.name}', tenant_id, {self._fingerprint(t)} FROM {t.name}"  # noqa: S608 - names from metadata
                " GROUP BY tenant_id"
                for t in watched
            )
        )

    @staticmethod
    def _fingerprint(table) -> str:
        """The row count, and where the table has them the newest change time and the sum
        of versions, as one text: an UPDATE changes it as surely as an INSERT."""
        parts = ["CAST(count(*) AS TEXT)"]
        if table.name in COUNT_ONLY_TABLES:
            return parts[0]
        if "updated_at" in table.c:
            parts.append("COALESCE(CAST(max(updated_at) AS TEXT), '')")
        if "version" in table.c:
            parts.append("COALESCE(CAST(sum(version) AS TEXT), '')")
        return " || '/' || ".join(parts)

    def counts(self) -> dict[tuple[str, int], tuple[int, str]]:
        found: dict[tuple[str, int], tuple[int, str]] = {}
        if not self.postgres:
            with self.engine.connect() as connection:
                for table, tenant, fingerprint in connection.execute(self.query):
                    found[(table, tenant)] = _split(fingerprint)
            return found
        with self.engine.connect() as connection:
            for tenant_id in self.tenant_ids:
                with connection.begin():
                    connection.execute(
                        text("SELECT set_config('app.tenant_id', :t, true)"), {"t": str(tenant_id)}
                    )
                    for table, tenant, fingerprint in connection.execute(self.query):
                        found[(table, tenant)] = _split(fingerprint)
        return found

    def close(self) -> None:
        if self.postgres:
            self.engine.dispose()


def _split(fingerprint: str) -> tuple[int, str]:
    count, _, rest = fingerprint.partition("/")
    return int(count), rest


NO_ROWS = (0, "")


def changed(before: dict, after: dict) -> dict:
    keys = set(before) | set(after)
    return {
        k: (before.get(k, NO_ROWS), after.get(k, NO_ROWS))
        for k in keys
        if before.get(k, NO_ROWS) != after.get(k, NO_ROWS)
    }


def one_row_added(change: tuple) -> bool:
    """A change that is exactly one new row (its fingerprint's other parts may move too)."""
    before, after = change
    return after[0] == before[0] + 1
