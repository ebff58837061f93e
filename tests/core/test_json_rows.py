"""``core.db.json_rows``: a group's rows as one JSON array of arrays, on both databases
(PostgreSQL, the database of record, and SQLite, the demo's), so that a short list can
come as a column of another statement."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import Column, MetaData, String, Table, Uuid, create_engine, select

from app.core.db import json_rows
from app.extensions import db

metadata = MetaData()
people = Table(
    "json_rows_people",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("name", String(50)),
    Column("team", String(10)),
    prefixes=["TEMPORARY"],  # the portal's role may not create tables, a temporary one it may
)
ROWS = [
    {"id": uuid.UUID(int=1), "name": 'Anna "de" Vries', "team": "a"},
    {"id": uuid.UUID(int=2), "name": "Bert", "team": "a"},
    {"id": uuid.UUID(int=3), "name": "Carla", "team": "b"},
]


def read(connection, team: str):
    team_rows = select(json_rows(people.c.id, people.c.name)).where(people.c.team == team)
    # As a column of another statement, the way a page reads it.
    return connection.execute(select(team_rows.scalar_subquery().label("rows"))).scalar()


def check(connection) -> None:
    metadata.create_all(connection)
    connection.execute(people.insert(), ROWS)
    found = read(connection, "a")
    assert sorted((uuid.UUID(key), name) for key, name in found) == [
        (uuid.UUID(int=1), 'Anna "de" Vries'),
        (uuid.UUID(int=2), "Bert"),
    ]
    assert read(connection, "nobody") == []  # PostgreSQL's json_agg alone gives NULL


def test_on_sqlite():
    engine = create_engine("sqlite://")
    with engine.begin() as connection:
        check(connection)


@pytest.mark.postgres
def test_on_postgresql(app):
    with app.app_context(), db.engine.connect() as connection:
        try:
            check(connection)
        finally:
            connection.rollback()
