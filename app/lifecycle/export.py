"""Everything a municipality owns, in open formats: ``flask tenants export SLUG DIR``.

The directory holds ``data/<table>.csv`` per tenant-owned table (UTF-8, a header row,
rows in primary-key order), ``datapackage.json`` (a Frictionless Data Package: a
Tabular Data Resource per table with its Table Schema: fields, types, Dutch titles,
primary and foreign keys) and ``SHA256SUMS`` (``sha256sum -c`` checks it). The tables
come from the generic walk (``app.lifecycle.catalogue``): a table added later is exported
without being named. Secret tables and columns are left out and the package says which.
Documents (any binary column: the case documents' content, an upload still waiting) are
written as files under ``files/<table>/`` and the cell holds the file's path in the
package; ``files/manifest.csv`` lists each file with its table, row, size, SHA-256, media
type and original name. The raw intake messages are rows of ``intake_messages``.

Cell format: empty is NULL; booleans ``true``/``false``; dates and times ISO 8601; JSON
columns as compact JSON with sorted keys; uuids in their canonical form.
"""

from __future__ import annotations

import csv
import hashlib
import json
import logging
import uuid
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from pathlib import Path
from types import SimpleNamespace

from flask import current_app
from flask_babel import force_locale
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

from app.audit.labels import column_label, table_label
from app.audit.models import AccessAction
from app.audit.services import record_access
from app.auth.api import record_security_event
from app.core.context import tenant_app_context
from app.core.db import utcnow
from app.extensions import db
from app.lifecycle.catalogue import (
    exported_columns,
    exported_tables,
    is_secret_column,
    tenant_tables,
)
from app.tenants.api import Tenant

security_log = logging.getLogger("nazorg.security")

FORMAT_VERSION = 1
DATA_DIR = "data"
FILES_DIR = "files"
MANIFEST_FILE = f"{FILES_DIR}/manifest.csv"
MANIFEST_COLUMNS = (
    "path",
    "table",
    "id",
    "column",
    "size_bytes",
    "sha256",
    "media_type",
    "filename",
)
PACKAGE_FILE = "datapackage.json"
CHECKSUM_FILE = "SHA256SUMS"
# Who the access log names for an export by the platform's operator (no portal account).
PLATFORM_ACTOR_ID = uuid.UUID("00000000-0000-5000-8000-00000000e1f0")


class ExportRefused(Exception):
    pass


@dataclass
class ExportResult:
    directory: Path
    counts: dict[str, int]
    checksum: str  # SHA-256 of SHA256SUMS: names this export in the removal record


# --- values -------------------------------------------------------------------------------


def is_binary(column) -> bool:
    kind = column.type.impl if isinstance(column.type, TypeDecorator) else column.type
    return isinstance(kind, LargeBinary)


def field_type(column) -> dict:
    kind = column.type.impl if isinstance(column.type, TypeDecorator) else column.type
    if isinstance(kind, LargeBinary):
        return {"type": "string", "description": "path of the file in this package (files/...)"}
    if isinstance(kind, Uuid):
        return {"type": "string", "format": "uuid"}
    if isinstance(kind, Boolean):
        return {"type": "boolean"}
    if isinstance(kind, Integer):
        return {"type": "integer"}
    if isinstance(kind, Numeric | Float):
        return {"type": "number"}
    if isinstance(kind, DateTime):
        return {"type": "datetime"}
    if isinstance(kind, Date):
        return {"type": "date"}
    if isinstance(kind, JSON):
        return {"type": "any", "description": "JSON"}
    return {"type": "string"}


def to_cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, dict | list):
        return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(value)


# --- the package --------------------------------------------------------------------------


def _field(column) -> dict:
    spec = {"name": column.name, "title": column_label(column.name), **field_type(column)}
    constraints = {}
    if not column.nullable:
        constraints["required"] = True
    length = getattr(column.type, "length", None)
    if length and spec["type"] == "string" and "format" not in spec:
        constraints["maxLength"] = length
    if constraints:
        spec["constraints"] = constraints
    return spec


def _foreign_keys(table: Table, exported: set[str]) -> list[dict]:
    keys = []
    for constraint in table.foreign_key_constraints:
        referred = constraint.referred_table.name
        if referred not in exported:
            continue  # tenants: the one municipality, described in the package itself
        # Every row of a package has the one tenant_id, so the key within the package is
        # the rest (and a NULL reference then means "none", as in SQL's MATCH SIMPLE).
        pairs = [
            (element.parent.name, element.column.name)
            for element in constraint.elements
            if element.parent.name != "tenant_id"
        ]
        keys.append(
            {
                "fields": [own for own, _ in pairs],
                "reference": {"resource": referred, "fields": [theirs for _, theirs in pairs]},
            }
        )
    return keys


def _schema(table: Table, exported: set[str]) -> dict:
    schema = {
        "fields": [_field(column) for column in exported_columns(table)],
        "primaryKey": [column.name for column in table.primary_key.columns],
        "missingValues": [""],
    }
    foreign = _foreign_keys(table, exported)
    if foreign:
        schema["foreignKeys"] = foreign
    return schema


def _left_out() -> dict:
    return {
        "tables": [t.name for t in tenant_tables() if t not in exported_tables()],
        "columns": {
            t.name: [c.name for c in t.columns if is_secret_column(c)]
            for t in exported_tables()
            if any(is_secret_column(c) for c in t.columns)
        },
    }


def describe(tenant: Tenant, counts: dict[str, int], exported_at: datetime) -> dict:
    names = {table.name for table in exported_tables()}
    left_out = _left_out()
    return {
        "profile": "tabular-data-package",
        "name": f"nazorgportaal-{tenant.slug}",
        "title": f"Nazorgportaal: {tenant.name}",
        "description": (
            "Every row this municipality owns in the Nazorgportaal, one CSV file per table. "
            "Left out, and never exported: secrets (password and token hashes, TOTP secrets, "
            "the API token), sign-in sessions, single-use links and the job queue (tables "
            + ", ".join(left_out["tables"])
            + "); local accounts need a new invitation or password reset after an import."
        ),
        "created": exported_at.isoformat(),
        "resources": [
            {
                "name": table.name,
                "title": table_label(table.name),
                "path": f"{DATA_DIR}/{table.name}.csv",
                "profile": "tabular-data-resource",
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8",
                "dialect": {"delimiter": ",", "header": True},
                "schema": _schema(table, names),
                "nazorg:rows": counts[table.name],
            }
            for table in exported_tables()
        ],
        "nazorg:format": FORMAT_VERSION,
        "nazorg:tenant": {
            "id": tenant.id,
            "slug": tenant.slug,
            "name": tenant.name,
            "is_centre": tenant.is_centre,
            "region": tenant.region,
        },
        "nazorg:left_out": left_out,
        "nazorg:files": {
            "manifest": MANIFEST_FILE,
            "description": (
                "Documents and other binary values are files under files/<table>/; the cell "
                "in the table holds the file's path. The manifest lists each file with its "
                "table, row id, column, size, SHA-256, media type and original file name."
            ),
        },
    }


# --- writing ------------------------------------------------------------------------------


def _write_table(
    connection, table: Table, tenant_id: int, path: Path, manifest: list[list[str]] | None = None
) -> int:
    columns = exported_columns(table)
    query = (
        select(*columns).where(table.c.tenant_id == tenant_id).order_by(*table.primary_key.columns)
    )
    binary = {column.name for column in columns if is_binary(column)}
    names = [column.name for column in columns]
    rows = 0
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(names)
        for row in connection.execute(query):
            cells = [to_cell(value) for value in row]
            for index, name in enumerate(names):
                if name in binary and row[index] is not None:
                    cells[index] = _write_file(path.parent.parent, table, row, name, manifest)
            writer.writerow(cells)
            rows += 1
    return rows


def _write_file(directory: Path, table: Table, row, column: str, manifest) -> str:
    """Write one binary value as a file of the package; its path (relative) for the cell."""
    mapping = row._mapping
    key = "-".join(str(mapping[c.name]) for c in table.primary_key.columns if c.name != "tenant_id")
    filename = str(mapping.get("filename") or "")
    suffix = Path(filename).suffix if filename else ".bin"
    relative = f"{FILES_DIR}/{table.name}/{key}-{column}{suffix}"
    target = directory / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    content = bytes(mapping[column])
    target.write_bytes(content)
    if manifest is not None:
        manifest.append(
            [
                relative,
                table.name,
                key,
                column,
                str(len(content)),
                hashlib.sha256(content).hexdigest(),
                str(mapping.get("media_type") or ""),
                filename,
            ]
        )
    return relative


def _write_manifest(directory: Path, manifest: list[list[str]]) -> None:
    path = directory / MANIFEST_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(MANIFEST_COLUMNS)
        writer.writerows(sorted(manifest))


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 16), b""):
            digest.update(block)
    return digest.hexdigest()


def write_checksums(directory: Path) -> str:
    files = sorted(
        p.relative_to(directory).as_posix()
        for p in directory.rglob("*")
        if p.is_file() and p.name != CHECKSUM_FILE
    )
    lines = "".join(f"{sha256(directory / name)}  {name}\n" for name in files)
    (directory / CHECKSUM_FILE).write_text(lines, encoding="utf-8")
    return sha256(directory / CHECKSUM_FILE)


def verify_checksums(directory: Path) -> str:
    """The SHA-256 of the checksum list after every file listed in it matched."""
    listing = directory / CHECKSUM_FILE
    if not listing.is_file():
        raise ExportRefused(f"{directory} has no {CHECKSUM_FILE}: not an export")
    for line in listing.read_text(encoding="utf-8").splitlines():
        expected, _, name = line.partition("  ")
        path = directory / name
        if ".." in Path(name).parts or not path.is_file() or sha256(path) != expected:
            raise ExportRefused(f"{name}: missing or changed since the export")
    return sha256(listing)


def export_tenant(slug: str, directory: Path, progress=None, actor=None) -> ExportResult:
    """Write the export of ``slug`` to ``directory``. ``progress(done, total)`` is called
    after each table (the export job's progress); ``actor`` is who the logs name (the
    tenant admin who started the job), the platform's operator by default (the command)."""
    tenant = db.session.scalars(select(Tenant).where(Tenant.slug == slug)).one_or_none()
    if tenant is None:
        raise ExportRefused(f"no municipality {slug!r}")
    directory = Path(directory)
    if directory.exists() and any(directory.iterdir()):
        raise ExportRefused(f"{directory} is not empty")
    (directory / DATA_DIR).mkdir(parents=True, exist_ok=True)
    exported_at = utcnow()
    counts: dict[str, int] = {}
    manifest: list[list[str]] = []
    tables = exported_tables()
    with tenant_app_context(tenant.id):
        # One transaction with one snapshot: the tables agree with each other.
        options = {"isolation_level": "REPEATABLE READ"} if _is_postgresql() else {}
        connection = db.session.connection(execution_options=options)
        for number, table in enumerate(tables, start=1):
            path = directory / DATA_DIR / f"{table.name}.csv"
            counts[table.name] = _write_table(connection, table, tenant.id, path, manifest)
            if progress is not None:
                progress(number, len(tables) + 1)
        db.session.rollback()
    _write_manifest(directory, manifest)
    with force_locale("nl"):  # the titles in Dutch, as the portal shows them
        package = describe(tenant, counts, exported_at)
    (directory / PACKAGE_FILE).write_text(
        json.dumps(package, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    checksum = write_checksums(directory)
    _log_export(tenant, counts, checksum, actor)
    return ExportResult(directory=directory, counts=counts, checksum=checksum)


def _log_export(tenant: Tenant, counts: dict[str, int], checksum: str, actor=None) -> None:
    """One access-log entry and one security event in the municipality's own logs, written
    after the files, so the export does not contain its own record."""

    operator = actor or SimpleNamespace(
        id=PLATFORM_ACTOR_ID,
        display_name="Platform (flask tenants export)",
        tenant_id=tenant.id,
        role="platform_operator",
    )
    detail = f"complete export, {sum(counts.values())} rows, sha256 {checksum[:16]}"
    record_access(
        operator,
        tenant_id=tenant.id,
        client_id=None,
        object_type="tenant",
        object_id=str(tenant.id),
        action=AccessAction.EXPORT,
        detail=detail,
    )
    record_security_event(tenant.id, LifecycleEvent.TENANT_EXPORTED, "success", detail=detail)
    current_app.logger.info("tenant %s exported", tenant.slug)


def _is_postgresql() -> bool:
    return db.engine.dialect.name == "postgresql"


class LifecycleEvent(StrEnum):
    """Security-log events of the lifecycle commands (beside app.auth.events.Event)."""

    TENANT_EXPORTED = "tenant_exported"
    TENANT_EXPORT_DOWNLOADED = "tenant_export_downloaded"
