"""The migrations build exactly the schema the models describe."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from app.extensions import db


def test_migrated_schema_matches_the_models(app):
    with app.app_context(), db.engine.connect() as connection:
        context = MigrationContext.configure(connection)
        differences = compare_metadata(context, db.metadata)
    assert differences == []


def test_the_five_municipalities_exist_with_deventer_as_centre(tenants):
    assert sorted(tenants) == ["deventer", "lochem", "olst-wijhe", "raalte", "zutphen"]
    assert [slug for slug, t in tenants.items() if t.is_centre] == ["deventer"]
