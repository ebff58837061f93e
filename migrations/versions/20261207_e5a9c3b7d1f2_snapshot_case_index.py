"""An index of a case's measurements: the foreign key (tenant_id, case_id) of
life_domain_snapshots was covered only by the partial unique index of the valid ones,
which cannot serve a read of all of them (voided ones included): the case page read
every measurement of the municipality to find the case's (2.9 ms at 20,000 cases).

Revision ID: e5a9c3b7d1f2
Revises: b4e7c1d9a2f6
Create Date: 2026-12-07 01:00:00

"""

from alembic import op

revision = "e5a9c3b7d1f2"
down_revision = "b4e7c1d9a2f6"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_life_domain_snapshots_tenant_id_case_id",
        "life_domain_snapshots",
        ["tenant_id", "case_id"],
    )


def downgrade() -> None:
    op.drop_index("ix_life_domain_snapshots_tenant_id_case_id", table_name="life_domain_snapshots")
