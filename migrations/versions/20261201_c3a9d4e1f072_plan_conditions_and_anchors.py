"""The plan's conditions and anchors: a template carries conditions, a task keeps its
anchor and offset, and a task the conditions no longer hold for is "not_applicable".

Templates already installed keep no conditions (every task applies, as before) until
the municipality edits them or goes back to the default. Their after-release tasks
counted from "release" followed the actual release already; they get that anchor by
name. Existing tasks get the anchor and offset of their template where it still exists
(PostgreSQL: the offset from the case's dates); the rest keep their dates, moved by hand.

Revision ID: c3a9d4e1f072
Revises: b7c41e2a9d05
Create Date: 2026-12-01 22:10:00

"""

import sqlalchemy as sa
from alembic import op

revision = "c3a9d4e1f072"
down_revision = "3b8e51c0d7a2"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("task_templates", sa.Column("conditions", sa.JSON(), nullable=True))
    op.add_column("tasks", sa.Column("anchor", sa.String(length=20), nullable=True))
    op.add_column("tasks", sa.Column("offset_days", sa.Integer(), nullable=True))
    with op.batch_alter_table("tasks") as batch:
        batch.alter_column(
            "status",
            existing_type=sa.String(length=10),
            type_=sa.String(length=20),
            existing_nullable=False,
        )
    op.execute(
        "UPDATE task_templates SET anchor = 'actual_release' "
        "WHERE anchor = 'release' AND phase = 'after_release'"
    )
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(
        """
        UPDATE tasks AS t
        SET anchor = tt.anchor,
            offset_days = t.due_date - CASE tt.anchor
                WHEN 'detention_start' THEN c.detention_start
                WHEN 'actual_release' THEN COALESCE(c.actual_release, c.expected_release)
                WHEN 'intake' THEN CAST(c.created_at AS date)
                ELSE c.expected_release
            END
        FROM task_templates AS tt, cases AS c
        WHERE tt.tenant_id = t.tenant_id AND tt.id = t.template_id
          AND c.tenant_id = t.tenant_id AND c.id = t.case_id
          AND CASE tt.anchor
                WHEN 'detention_start' THEN c.detention_start
                WHEN 'actual_release' THEN COALESCE(c.actual_release, c.expected_release)
                WHEN 'intake' THEN CAST(c.created_at AS date)
                ELSE c.expected_release
              END IS NOT NULL
        """
    )


def downgrade() -> None:
    op.execute("UPDATE tasks SET status = 'done' WHERE status = 'not_applicable'")
    op.execute("UPDATE task_templates SET anchor = 'release' WHERE anchor = 'actual_release'")
    with op.batch_alter_table("tasks") as batch:
        batch.alter_column(
            "status",
            existing_type=sa.String(length=20),
            type_=sa.String(length=10),
            existing_nullable=False,
        )
    op.drop_column("tasks", "offset_days")
    op.drop_column("tasks", "anchor")
    op.drop_column("task_templates", "conditions")
