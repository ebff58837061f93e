"""Counting the SQL statements a piece of code sends (in the style of Zulip's
``queries_captured``): a ``before_cursor_execute`` listener on the engine.

    with queries_captured(app) as statements:
        client.get("/cases/")
    assert len(statements) == 9

An ``executemany`` counts once: it is one statement sent with several parameter sets.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine

from app.extensions import db


def engine_of(source: Flask | Engine | None) -> Engine:
    if isinstance(source, Engine):
        return source
    if source is None:
        return db.engine  # the current app's
    with source.app_context():
        return db.engine


@contextmanager
def queries_captured(source: Flask | Engine | None = None) -> Iterator[list[str]]:
    """The statements sent on the engine of ``source`` (an app, an engine, or the current app)."""
    engine = engine_of(source)
    captured: list[str] = []

    def capture(connection, cursor, statement, parameters, context, executemany):
        captured.append(statement)

    event.listen(engine, "before_cursor_execute", capture)
    try:
        yield captured
    finally:
        event.remove(engine, "before_cursor_execute", capture)


def inserts_into(statements: list[str], table: str) -> list[str]:
    return [s for s in statements if s.lstrip().upper().startswith(f"INSERT INTO {table.upper()}")]
