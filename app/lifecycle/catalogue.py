"""The tables a municipality owns, found from the metadata, never from a list.

A table is tenant-owned when its model declares ``TenantScoped``; the order is the
foreign-key order of ``metadata.sorted_tables`` (parents first), so an export, an import
and a removal (in reverse) follow the same walk, and a table added later is included
without anyone naming it. Secrets are marked on the model: a column with
``info={"secret": True}`` or a table with ``__table_args__ = (..., {"info": {"secret": True}})``
never leaves the installation.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

from flask import current_app
from sqlalchemy import Column, Table, create_engine

from app.core.db import TenantScoped
from app.extensions import db

# A column whose name looks like one of these must say whether it is a secret (a test checks).
SECRET_LOOKING = re.compile(r"hash|secret|password|totp|(^|_)token($|_)")


def tenant_tables() -> list[Table]:
    """Every tenant-owned table, parents before children: each table whose ``tenant_id``
    refers to ``tenants`` (what ``TenantScoped`` gives a model; a test holds the two equal),
    so that a table defined without a model is found as well."""
    return [table for table in db.metadata.sorted_tables if _owned_by_a_tenant(table)]


def _owned_by_a_tenant(table: Table) -> bool:
    column = table.c.get("tenant_id")
    return column is not None and any(
        key.column.table.name == "tenants" for key in column.foreign_keys
    )


def tenant_scoped_model_tables() -> set[str]:
    return {
        mapper.local_table.name
        for mapper in db.Model.registry.mappers
        if issubclass(mapper.class_, TenantScoped)
    }


def is_secret_table(table: Table) -> bool:
    return bool(table.info.get("secret"))


def is_secret_column(column: Column) -> bool:
    return bool(column.info.get("secret"))


def exported_tables() -> list[Table]:
    return [table for table in tenant_tables() if not is_secret_table(table)]


def exported_columns(table: Table) -> list[Column]:
    return [column for column in table.columns if not is_secret_column(column)]


def unmarked_secret_looking_columns() -> list[str]:
    """``table.column`` of every exported column that looks like a secret but is not marked
    either way (``info={"secret": True}`` or ``False``)."""
    return [
        f"{table.name}.{column.name}"
        for table in exported_tables()
        for column in table.columns
        if SECRET_LOOKING.search(column.name) and "secret" not in column.info
    ]


@contextmanager
def owner_database() -> Iterator[None]:
    """Within the block, ``db.session`` of a new app context connects as the schema owner
    (``MIGRATION_DATABASE_URI``, as ``flask db upgrade`` does): only the owner may write the
    shared ``tenants`` table. Row-level security is forced, so the owner still sees one
    tenant's rows only in a session bound to that tenant. Without an owner URL (SQLite, the
    demo) the portal's own connection is the owner."""
    url = current_app.config.get("MIGRATION_DATABASE_URI")
    app = current_app._get_current_object()
    with app.app_context():
        if not url or url == app.config["SQLALCHEMY_DATABASE_URI"]:
            yield
            return
        engines = db.engines  # this app's engines; None is the default bind
        portal = engines[None]
        owner = create_engine(url)
        engines[None] = owner
        try:
            yield
        finally:
            db.session.remove()
            engines[None] = portal
            owner.dispose()
