"""Messages from the prison as versions: each received message keeps its kind (start of
detention, basic document, transfer, leave, end of detention) and the life domains'
information it gave.

Revision ID: f2b7d4a9c358
Revises: e1a6c3f8b247
Create Date: 2026-12-06 02:10:00

"""

import sqlalchemy as sa
from alembic import op

revision = "f2b7d4a9c358"
down_revision = "e1a6c3f8b247"
branch_labels = None
depends_on = None

KINDS = ("detention_start", "basic_document", "transfer", "leave", "end_of_detention")


def upgrade() -> None:
    with op.batch_alter_table("intake_messages") as batch:
        batch.add_column(
            sa.Column("kind", sa.String(30), nullable=False, server_default="basic_document")
        )
        batch.add_column(sa.Column("domains", sa.JSON(), nullable=True))
        batch.create_check_constraint(
            op.f("ck_intake_messages_kind"),
            f"kind IN ({', '.join(repr(kind) for kind in KINDS)})",
        )


def downgrade() -> None:
    with op.batch_alter_table("intake_messages") as batch:
        batch.drop_constraint(op.f("ck_intake_messages_kind"), type_="check")
        batch.drop_column("domains")
        batch.drop_column("kind")
