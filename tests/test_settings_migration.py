"""Migration f1a8c3d5e7b9 copies each municipality's saved file settings and retention
periods into the settings store (on a fresh SQLite file, whatever database the suite uses)."""

from __future__ import annotations

import json

import flask_migrate
from sqlalchemy import text

from app import create_app
from app.extensions import db

REVISION = "f1a8c3d5e7b9"


def test_saved_settings_are_copied_into_the_store(tmp_path, monkeypatch):
    # Its own SQLite file: the environment's databases (which win over overrides) are unset.
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("MIGRATION_DATABASE_URL", raising=False)
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/m.sqlite"})
    with app.app_context():
        flask_migrate.upgrade(revision=f"{REVISION}-1")
        # No migration writes municipalities (they are data: ``flask tenants add``).
        db.session.execute(
            text("INSERT INTO tenants (slug, name, is_centre) VALUES ('deventer', 'Deventer', 1)")
        )
        tenant = db.session.execute(text("SELECT min(id) FROM tenants")).scalar()
        db.session.execute(
            text(
                "INSERT INTO case_settings (tenant_id, id, created_at, updated_at, "
                "social_network_domain, trajectory_default_cost_cents, care_director_name, "
                "api_token_hash) VALUES (:t, :id, '2026-01-01 00:00:00', "
                "'2026-01-01 00:00:00', 1, 170000, 'Stichting Nazorg', 'abc')"
            ),
            {"t": tenant, "id": "0f0e0d0c0b0a09080706050403020100"},
        )
        db.session.execute(
            text(
                "INSERT INTO retention_policies (tenant_id, id, closed_case_years, "
                "detention_notice_months, access_log_years, security_log_years) "
                "VALUES (:t, :id, 7, 3, 4, 6)"
            ),
            {"t": tenant, "id": "000102030405060708090a0b0c0d0e0f"},
        )
        db.session.commit()
        flask_migrate.upgrade(revision=REVISION)
        stored = dict(
            db.session.execute(
                text("SELECT key, value FROM tenant_settings WHERE tenant_id = :t"), {"t": tenant}
            ).all()
        )
        token = db.session.execute(text("SELECT api_token_hash FROM case_settings")).scalar()
        assert db.engine.dialect.name == "sqlite"
        db.session.remove()
        db.engine.dispose()
    # SQLite gives a JSON number back as a number (its column affinity), the rest as text.
    decoded = {k: json.loads(v) if isinstance(v, str) else v for k, v in stored.items()}
    assert decoded == {
        "cases.social_network_domain": True,
        "cases.trajectory_default_cost_euros": 1700,
        "cases.care_director_name": "Stichting Nazorg",
        "retention.closed_case_years": 7,
        "retention.detention_notice_months": 3,
        "retention.access_log_years": 4,
        "retention.security_log_years": 6,
    }
    assert token == "abc"  # the intake API token stays where it was
