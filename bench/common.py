"""What the benchmarks share: an emptied schema, and the portal migrated onto it."""

from __future__ import annotations

import os

import flask_migrate
from sqlalchemy import create_engine, text

from app import create_app


def reset_schema(owner_url: str) -> None:
    engine = create_engine(owner_url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def migrated_app():
    """The app on ``DATABASE_URL`` (PostgreSQL, row-level security), its schema emptied and
    migrated by ``MIGRATION_DATABASE_URL``'s owner."""
    url, owner = os.environ["DATABASE_URL"], os.environ["MIGRATION_DATABASE_URL"]
    if not url.startswith("postgresql"):
        raise SystemExit("the benchmark measures PostgreSQL with row-level security")
    reset_schema(owner)
    app = create_app(
        "testing",
        {"SQLALCHEMY_DATABASE_URI": url, "MIGRATION_DATABASE_URI": owner, "REDIS_URL": None},
    )
    with app.app_context():
        flask_migrate.upgrade()
    return app
