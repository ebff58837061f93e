"""Phases from the dates, the closing outcome, monitor windows and voided measurements.

- (The release preparation weeks and the six-month window are settings in the
  settings store, ``cases.release_preparation_weeks`` and ``cases.six_month_window_days``:
  no column.)
- ``cases.close_outcome``: the outcome chosen at closing (a fixed list, CHECK).
- ``life_domain_snapshots``: ``voided_at`` and ``void_reason``; the unique key on
  (case, domain, moment) becomes a partial unique index over the valid (not voided)
  measurements, so a voided measurement stays as history and can be taken again.

Revision ID: e4f1a7c2b9d3
Revises: d5e8b2a4c9f1
Create Date: 2026-12-06 02:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "e4f1a7c2b9d3"
down_revision = "d5e8b2a4c9f1"
branch_labels = None
depends_on = None

OUTCOMES = ("goal_reached", "moved_out", "back_in_detention", "lost_contact", "deceased", "other")
OLD_UNIQUE = "uq_life_domain_snapshots_tenant_id_case_id_domain_moment"


def upgrade() -> None:
    op.add_column("cases", sa.Column("close_outcome", sa.String(length=30), nullable=True))
    op.add_column(
        "life_domain_snapshots", sa.Column("voided_at", sa.DateTime(timezone=True), nullable=True)
    )
    op.add_column("life_domain_snapshots", sa.Column("void_reason", sa.Text(), nullable=True))
    check = "close_outcome IN (" + ", ".join(repr(v) for v in OUTCOMES) + ")"
    sqlite = op.get_bind().dialect.name != "postgresql"
    if sqlite:
        op.execute("PRAGMA foreign_keys=OFF")
    with op.batch_alter_table("cases") as batch:
        batch.create_check_constraint(op.f("ck_cases_close_outcome"), check)
    with op.batch_alter_table("life_domain_snapshots") as batch:
        batch.drop_constraint(op.f(OLD_UNIQUE), type_="unique")
    if sqlite:
        op.execute("PRAGMA foreign_keys=ON")
    op.create_index(
        "uq_life_domain_snapshots_valid",
        "life_domain_snapshots",
        ["tenant_id", "case_id", "domain", "moment"],
        unique=True,
        postgresql_where=sa.text("voided_at IS NULL"),
        sqlite_where=sa.text("voided_at IS NULL"),
    )


def downgrade() -> None:
    op.drop_index("uq_life_domain_snapshots_valid", table_name="life_domain_snapshots")
    op.execute("DELETE FROM life_domain_snapshots WHERE voided_at IS NOT NULL")
    sqlite = op.get_bind().dialect.name != "postgresql"
    if sqlite:
        op.execute("PRAGMA foreign_keys=OFF")
    with op.batch_alter_table("life_domain_snapshots") as batch:
        batch.create_unique_constraint(
            op.f(OLD_UNIQUE), ["tenant_id", "case_id", "domain", "moment"]
        )
        batch.drop_column("void_reason")
        batch.drop_column("voided_at")
    with op.batch_alter_table("cases") as batch:
        batch.drop_constraint(op.f("ck_cases_close_outcome"), type_="check")
        batch.drop_column("close_outcome")
    if sqlite:
        op.execute("PRAGMA foreign_keys=ON")
