"""The regional read reaches the case file only: not accounts, sessions, secrets, logs.

The first migrations gave every tenant table the ``regional_read`` policy. The regional
coordinator needs the case file across the region, never another municipality's
password hashes, TOTP secrets, stored ID tokens, API token hashes, access or security
logs, notices, outbox payloads or retention settings.

Revision ID: e4a2b9c7d1f0
Revises: c3d9f1e2a7b8
Create Date: 2026-11-29 10:10:00

"""

from alembic import op

from app.core import rls

revision = "e4a2b9c7d1f0"
down_revision = "c3d9f1e2a7b8"
branch_labels = None
depends_on = None

NOT_REGIONAL = (
    "users",
    "user_sessions",
    "account_tokens",
    "identity_providers",
    "security_events",
    "access_log",
    "notifications",
    "job_outbox",
    "case_settings",
    "retention_policies",
    "destruction_log",
)


def upgrade() -> None:
    if not rls.is_postgresql():
        return
    for table in NOT_REGIONAL:
        op.execute(f"DROP POLICY IF EXISTS regional_read ON {table}")


def downgrade() -> None:
    if not rls.is_postgresql():
        return
    for table in NOT_REGIONAL:
        op.execute(
            f"CREATE POLICY regional_read ON {table} FOR SELECT USING (app_regional_read())"
        )
