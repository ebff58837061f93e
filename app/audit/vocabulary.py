"""The words of an access request: what the packages holding client data tell the
platform about their tables, so that ``app.audit.subject_access`` names no feature.

Two ways to say it, both read here:

- on the model: ``mapped_column(..., info={"label": _l("Outcome")})`` gives a column its
  Dutch name, ``info={"technical": True}`` keeps it out of the citizen's PDF (the JSON
  keeps it), and ``__table_args__ = ({"info": {"label": _l("Circles")}},)`` names the table;
- in ``init_app``: ``add_vocabulary(app, Vocabulary(...))`` for what a feature shares by
  column name across its tables, the code lists of coded columns (``codes``), and the
  extra fields a table's rows carry (``describers``: a timeline entry's sentence).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from flask import Flask

from app.core.registry import entries
from app.extensions import db

REGISTRY = "subject_access_vocabulary"


@dataclass(frozen=True)
class Vocabulary:
    tables: Mapping[str, object] = field(default_factory=dict)
    columns: Mapping[str, object] = field(default_factory=dict)
    # column name -> the text a person reads for a stored code
    codes: Mapping[str, Callable[[object], str]] = field(default_factory=dict)
    # table -> column -> reader, where a table gives a column name another code list
    table_codes: Mapping[str, Mapping[str, Callable[[object], str]]] = field(default_factory=dict)
    technical: frozenset[str] = frozenset()
    # Columns that keep who acted; ``system_actor`` there means the portal itself.
    actor_columns: frozenset[str] = frozenset()
    system_actor: str | None = None
    # table -> factory of (row -> extra fields of the answer); a factory runs once per answer
    describers: Mapping[str, Callable[[], Callable[[object], dict]]] = field(default_factory=dict)


def add_vocabulary(app: Flask, vocabulary: Vocabulary) -> None:
    entries(REGISTRY, app).append(vocabulary)


def vocabularies() -> list[Vocabulary]:
    return list(entries(REGISTRY))


def _model_columns():
    for table in db.metadata.sorted_tables:
        for column in table.columns:
            yield table, column


def table_labels() -> dict[str, object]:
    labels: dict[str, object] = {}
    for vocabulary in vocabularies():
        labels.update(vocabulary.tables)
    for table in db.metadata.sorted_tables:
        if "label" in table.info:
            labels[table.name] = table.info["label"]
    return labels


def column_labels() -> dict[str, object]:
    labels: dict[str, object] = {}
    for vocabulary in vocabularies():
        labels.update(vocabulary.columns)
    for _table, column in _model_columns():
        if "label" in column.info:
            labels.setdefault(column.key, column.info["label"])
    return labels


def technical_columns(base: frozenset[str]) -> frozenset[str]:
    technical = set(base)
    for vocabulary in vocabularies():
        technical |= vocabulary.technical
    technical |= {column.key for _t, column in _model_columns() if column.info.get("technical")}
    return frozenset(technical)


def reader(table: str, column: str) -> Callable[[object], str] | None:
    for vocabulary in vocabularies():
        found = vocabulary.table_codes.get(table, {}).get(column)
        if found is not None:
            return found
    for vocabulary in vocabularies():
        found = vocabulary.codes.get(column)
        if found is not None:
            return found
    return None


def is_system_actor(column: str, value) -> bool:
    return any(
        column in vocabulary.actor_columns and value == vocabulary.system_actor
        for vocabulary in vocabularies()
    )


def describers() -> dict[str, Callable[[object], dict]]:
    """table -> (row -> extra fields), each factory run once for this answer."""
    made: dict[str, Callable[[object], dict]] = {}
    for vocabulary in vocabularies():
        for table, factory in vocabulary.describers.items():
            made[table] = factory()
    return made
