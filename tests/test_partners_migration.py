"""Migration a7c3e5f1b9d2 turns the referrals' old party codes into the party's Dutch name
and, where the party is one, its partner kind (on a fresh SQLite file)."""

from __future__ import annotations

import flask_migrate
from sqlalchemy import text

from app import create_app
from app.extensions import db

REVISION = "a7c3e5f1b9d2"


def test_old_referrals_get_a_name_and_a_kind(tmp_path, monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("MIGRATION_DATABASE_URL", raising=False)
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/m.sqlite"})
    with app.app_context():
        flask_migrate.upgrade(revision=f"{REVISION}-1")
        db.session.execute(
            text(
                "INSERT INTO tenants (slug, name, is_centre, region) "
                "VALUES ('deventer', 'Deventer', 1, 'deventer')"
            )
        )
        tenant = db.session.execute(text("SELECT min(id) FROM tenants")).scalar()
        db.session.commit()
        # Referrals without their case (the case's many columns are beside the point).
        raw = db.engine.raw_connection()
        raw.execute("PRAGMA foreign_keys=OFF")
        for number, code in enumerate(("budget_advice", "outreach_unit", "addiction_care")):
            raw.execute(
                "INSERT INTO referrals (tenant_id, id, case_id, domain, partner, status, "
                "sent_on, referred_by, version, created_at, updated_at) VALUES (?, ?, ?, "
                "'debts', ?, 'sent', '2026-11-01', 'Casemanager', 1, "
                "'2026-11-01 00:00:00', '2026-11-01 00:00:00')",
                (tenant, f"{number:032x}", "f" * 32, code),
            )
        raw.commit()
        raw.execute("PRAGMA foreign_keys=ON")
        raw.close()
        flask_migrate.upgrade(revision=REVISION)
        rows = db.session.execute(
            text("SELECT partner, partner_kind, partner_id FROM referrals ORDER BY id")
        ).all()
        db.session.remove()
        db.engine.dispose()
    assert [tuple(row) for row in rows] == [
        ("Schuldhulpverlening", "debt_help", None),
        ("Outreachend team", None, None),
        ("Verslavingszorg", "addiction_care", None),
    ]
