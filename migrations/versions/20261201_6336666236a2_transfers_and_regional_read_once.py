"""A transfer is a state machine with a row per transfer; the regional read is an allow-list
evaluated once per statement.

``case_transfers``: one row per transfer in the sending municipality (started, copied,
done), at most one unfinished per case; no regional read.

The regional read policies are rewritten as ``USING ((SELECT app_regional_read()))``:
PostgreSQL ORs them with the tenant policy into ``tenant_id = app_current_tenant() OR
(SELECT app_regional_read())``, an init plan evaluated once per statement instead of a
function call per row (PITFALLS). Only the tables whose model declares
``__regional_read__ = True`` (the case file) keep the policy; ``task_templates`` (a
municipality's settings, not the file) loses it. ``rls.protect_tenant_table`` now
defaults to no regional read, so the earlier migrations create none on a fresh database
and this one creates them: both ways end in the same catalogue.

Revision ID: 6336666236a2
Revises: a7c3e5f9b2d4
Create Date: 2026-12-01 21:20:00

"""

import sqlalchemy as sa
from alembic import op

from app.core import rls

revision = "6336666236a2"
down_revision = "a7c3e5f9b2d4"
branch_labels = None
depends_on = None

# The models declaring ``__regional_read__ = True`` at this revision (frozen here).
REGIONAL = (
    "clients",
    "cases",
    "life_domains",
    "life_domain_snapshots",
    "case_phase_changes",
    "case_notes",
    "case_note_revisions",
    "tasks",
    "domain_consents",
    "referrals",
    "trajectories",
    "intake_messages",
    "case_events",
)
NO_LONGER_REGIONAL = ("task_templates",)


def upgrade() -> None:
    op.create_table(
        "case_transfers",
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("transferred_case_id", sa.Uuid(), nullable=False),
        sa.Column("target_tenant_id", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("actor_name", sa.String(length=200), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "state IN ('started', 'copied', 'done')", name=op.f("ck_case_transfers_state")
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_case_transfers_tenant_id_tenants")
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_case_transfers")),
    )
    op.create_index(
        "ix_case_transfers_tenant_id_transferred_case_id",
        "case_transfers",
        ["tenant_id", "transferred_case_id"],
    )
    op.create_index(
        "uq_case_transfers_tenant_id_transferred_case_id_unfinished",
        "case_transfers",
        ["tenant_id", "transferred_case_id"],
        unique=True,
        postgresql_where=sa.text("state <> 'done'"),
        sqlite_where=sa.text("state <> 'done'"),
    )
    rls.protect_tenant_table("case_transfers")

    for table in REGIONAL + NO_LONGER_REGIONAL:
        rls.drop_regional_read_policy(table)
    for table in REGIONAL:
        # Frozen: regions (and ``app_regional_tenants``) came later.
        rls.create_regional_read_policy(table, "(SELECT app_regional_read())")


def downgrade() -> None:
    if rls.is_postgresql():
        for table in REGIONAL + NO_LONGER_REGIONAL:
            rls.drop_regional_read_policy(table)
            op.execute(
                f"CREATE POLICY regional_read ON {table} FOR SELECT USING (app_regional_read())"
            )
    op.drop_index(
        "uq_case_transfers_tenant_id_transferred_case_id_unfinished", table_name="case_transfers"
    )
    op.drop_index("ix_case_transfers_tenant_id_transferred_case_id", table_name="case_transfers")
    op.drop_table("case_transfers")
