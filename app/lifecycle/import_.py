"""Load an export (``app.lifecycle.export``) into another installation (``flask tenants import``).

The target municipality is created from the package (or, if it exists, must own no row
at all); every row keeps its uuid, since a tenant-owned key is ``(tenant_id, id)`` and
cannot collide with another municipality's rows, so every link between rows is kept as
it was. ``tenant_id`` is rewritten to the target's id, and so is any other integer
``*tenant_id`` column that named the exported municipality itself (the access log's
``actor_tenant_id``); one naming another municipality of the old installation is kept
as it was written. One transaction, as the schema owner, in a session bound to the
target (row-level security applies). Secrets were never exported: local accounts
need a new invitation or password reset.
"""

from __future__ import annotations

import csv
import json
import logging
import sys
import uuid
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Float,
    Integer,
    LargeBinary,
    Numeric,
    Table,
    TypeDecorator,
    Uuid,
    select,
)

from app.core.tenancy import bind_tenant
from app.extensions import db
from app.lifecycle.catalogue import owner_database, tenant_tables
from app.lifecycle.export import (
    DATA_DIR,
    FILES_DIR,
    FORMAT_VERSION,
    PACKAGE_FILE,
    verify_checksums,
)
from app.lifecycle.onboarding import (
    LifecycleRefused,
    lock_and_next_id,
    refuse_second_centre,
    resolve_region,
)
from app.tenants.api import Tenant

security_log = logging.getLogger("nazorg.security")
BATCH = 1000


def from_cell(column, raw: str, directory: Path | None = None):
    if raw == "":
        return None if column.nullable else _empty_for(column)
    kind = column.type.impl if isinstance(column.type, TypeDecorator) else column.type
    if isinstance(kind, LargeBinary):
        return _read_file(directory, raw)
    if isinstance(kind, Uuid):
        return uuid.UUID(raw)
    if isinstance(kind, Boolean):
        return raw == "true"
    if isinstance(kind, Integer):
        return int(raw)
    if isinstance(kind, Numeric) and not isinstance(kind, Float):
        return Decimal(raw)
    if isinstance(kind, Float):
        return float(raw)
    if isinstance(kind, DateTime):
        return datetime.fromisoformat(raw)
    if isinstance(kind, Date):
        return date.fromisoformat(raw)
    if isinstance(kind, JSON):
        return json.loads(raw)
    return raw


def _read_file(directory: Path | None, relative: str) -> bytes:
    """The content of a file of the package (the path was checked against SHA256SUMS)."""
    parts = Path(relative).parts
    if directory is None or not parts or parts[0] != FILES_DIR or ".." in parts:
        raise LifecycleRefused(f"{relative}: not a file of this package")
    path = directory / relative
    if not path.is_file():
        raise LifecycleRefused(f"{relative}: missing from the package")
    return path.read_bytes()


def _empty_for(column):
    return "" if not isinstance(column.type, JSON) else None


def read_package(directory: Path) -> dict:
    verify_checksums(directory)
    package = json.loads((directory / PACKAGE_FILE).read_text(encoding="utf-8"))
    if package.get("nazorg:format") != FORMAT_VERSION:
        raise LifecycleRefused("not an export of this format version")
    return package


def import_tenant(directory: Path, slug: str | None = None) -> tuple[int, dict[str, int]]:
    directory = Path(directory)
    package = read_package(directory)
    source = package["nazorg:tenant"]
    slug = slug or source["slug"]
    tables = {table.name: table for table in tenant_tables()}
    unknown = [r["name"] for r in package["resources"] if r["name"] not in tables]
    if unknown:
        raise LifecycleRefused(f"this installation has no table {', '.join(unknown)}")
    resources = {r["name"]: r for r in package["resources"]}
    csv.field_size_limit(sys.maxsize)  # a notice of detention can be a long JSON cell
    with owner_database():
        try:
            target = _target(slug, source)
            bind_tenant(db.session, target.id)
            _refuse_non_empty(target)
            connection = db.session.connection()
            counts = {}
            for name, table in tables.items():  # parents first
                if name in resources:
                    path = directory / DATA_DIR / f"{name}.csv"
                    counts[name] = _load(
                        connection, table, path, source["id"], target.id, directory
                    )
            db.session.commit()
        except Exception:
            db.session.rollback()
            raise
        target_id = target.id
    security_log.info(
        "tenant imported",
        extra={
            "tenant": target_id,
            "slug": slug,
            "rows": sum(counts.values()),
            "result": "success",
        },
    )
    return target_id, counts


def _target(slug: str, source: dict) -> Tenant:
    tenant = db.session.scalars(select(Tenant).where(Tenant.slug == slug)).one_or_none()
    if tenant is not None:
        return tenant
    if db.session.scalar(select(Tenant.id).where(Tenant.name == source["name"])) is not None:
        raise LifecycleRefused(f"a municipality named {source['name']!r} exists under another slug")
    next_id = lock_and_next_id()
    region = resolve_region(slug, source["is_centre"], source.get("region"))
    if source["is_centre"]:
        refuse_second_centre(region)
    tenant = Tenant(
        id=next_id,
        slug=slug,
        name=source["name"],
        is_centre=source["is_centre"],
        region=region,
    )
    db.session.add(tenant)
    db.session.flush()
    return tenant


def _refuse_non_empty(tenant: Tenant) -> None:
    connection = db.session.connection()
    for table in tenant_tables():
        found = connection.execute(
            select(table.c.tenant_id).where(table.c.tenant_id == tenant.id).limit(1)
        ).first()
        if found is not None:
            raise LifecycleRefused(
                f"{tenant.slug} is not empty ({table.name} has rows): import only into an"
                " empty municipality"
            )


def _load(
    connection, table: Table, path: Path, source_id: int, target_id: int, directory: Path
) -> int:
    rewritten = [
        c.name
        for c in table.columns
        if c.name.endswith("tenant_id") and isinstance(c.type, Integer)
    ]
    rows: list[dict] = []
    total = 0
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        missing = [name for name in reader.fieldnames or () if name not in table.c]
        if missing:
            raise LifecycleRefused(f"{table.name}: this installation has no column {missing}")
        for cells in reader:
            row = {name: from_cell(table.c[name], raw, directory) for name, raw in cells.items()}
            for name in rewritten:
                if row.get(name) == source_id or name == "tenant_id":
                    row[name] = target_id
            rows.append(row)
            if len(rows) == BATCH:
                total += _insert(connection, table, rows)
        total += _insert(connection, table, rows)
    return total


def _insert(connection, table: Table, rows: list[dict]) -> int:
    if not rows:
        return 0
    connection.execute(table.insert(), rows)
    count = len(rows)
    rows.clear()
    return count
