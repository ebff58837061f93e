"""What hangs on a client or a case: the one walk that retention and access requests share.

A table belongs to a root when a foreign key points at it, or (for history tables that
keep no foreign key) a uuid column ``case_id``/``client_id`` does; transitively, so a
note's revisions come with the note. A table added by a later feature is found without
anyone listing it. The logs are left out: they keep their own period.

The roots (and the name of the uuid column a history table uses for each) are declared by
the feature that owns them, in its ``init_app``: ``register_walk_root(app, Client,
"client_id")``. The platform names no feature's table.
"""

from __future__ import annotations

from flask import Flask
from sqlalchemy import Uuid, select

from app.core.db import TenantScoped
from app.core.registry import entries
from app.extensions import db

KEPT = ("access_log", "destruction_log")


def register_walk_root(app: Flask, model: type, reference: str) -> None:
    """Declare ``model`` a root of the walk (a client, a case): what hangs on it is found
    through foreign keys, or through a uuid column ``reference`` (a history table that
    keeps no foreign key, so that it outlives the row)."""
    entries("walk_roots", app).append((model.__tablename__, reference))


def named_references() -> dict[str, str]:
    """The registered roots: table name -> the uuid column that names a row of it."""
    return dict(entries("walk_roots"))


def _reference_column(table, parent: str, references: dict[str, str]):
    for constraint in table.foreign_key_constraints:
        if constraint.referred_table.name == parent:
            names = [c for c in constraint.column_keys if c != "tenant_id"]
            if len(names) == 1:
                return table.c[names[0]]
    name = references.get(parent)
    if name and name in table.c and isinstance(table.c[name].type, Uuid):
        return table.c[name]
    return None


def dependents(root: type, root_ids) -> list[tuple[type, object]]:
    """(model, select of ids) for every row hanging on the root rows, in dependency order:
    every table comes after each table its foreign keys point at (copy in this order,
    delete in reverse). Each table is selected through the first parent it was found by."""
    models = {m.local_table.name: m.class_ for m in db.Model.registry.mappers}
    position = {t.name: i for i, t in enumerate(db.metadata.sorted_tables)}
    candidates = [
        models[t.name]
        for t in db.metadata.sorted_tables
        if t.name in models and issubclass(models[t.name], TenantScoped) and t.name not in KEPT
    ]
    references = named_references()
    selectors = {root.__tablename__: select(root.id).where(root.id.in_(root_ids))}
    ordered: list[tuple[type, object]] = []
    found = True
    while found:  # until no table joins: a table may name a parent found later
        found = False
        for cls in candidates:
            if cls.__tablename__ in selectors:
                continue
            for parent, parent_ids in list(selectors.items()):
                column = _reference_column(cls.__table__, parent, references)
                if column is not None:
                    selectors[cls.__tablename__] = select(cls.id).where(
                        getattr(cls, column.key).in_(parent_ids)
                    )
                    ordered.append((cls, selectors[cls.__tablename__]))
                    found = True
                    break
    # Found in a later round does not mean a child: sort by the foreign keys' order.
    return sorted(ordered, key=lambda pair: position[pair[0].__tablename__])


def direct_references(root: type) -> list[tuple[type, object]]:
    """(model, column) of every table whose rows point at a row of ``root`` directly (a
    foreign key, or the registered uuid column): what to repoint when two roots become one."""
    references = named_references()
    models = {m.local_table.name: m.class_ for m in db.Model.registry.mappers}
    found = []
    for table in db.metadata.sorted_tables:
        cls = models.get(table.name)
        if cls is None or not issubclass(cls, TenantScoped) or table.name in KEPT:
            continue
        if table.name == root.__tablename__:
            continue
        column = _reference_column(table, root.__tablename__, references)
        if column is not None:
            found.append((cls, getattr(cls, column.key)))
    return found
