"""What the prison caseworker delivers with the intake: prison number, legal title, date of
judgement, kind of release, probation and the prison caseworker's contact on the case; and
the prisons a municipality adds to the shipped list.

Revision ID: e1a6c3f8b247
Revises: e1b7c2d9a4f3
Create Date: 2026-12-06 02:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "e1a6c3f8b247"
down_revision = "e1b7c2d9a4f3"
branch_labels = None
depends_on = None

LEGAL_TITLES = ("remand", "not_final_judgement", "final_judgement", "substitute_custody", "other")
RELEASE_TYPES = (
    "regular",
    "conditional_release",
    "electronic_supervision",
    "released_from_remand",
)
CHECKS = {"legal_title": LEGAL_TITLES, "release_type": RELEASE_TYPES}


def _condition(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(value) for value in values)})"


def _sqlite() -> bool:
    return op.get_bind().dialect.name == "sqlite"


def upgrade() -> None:
    # SQLite re-creates ``cases`` for the CHECKs: foreign keys off for the copy (as in
    # d5e8b2a4c9f1), so that its children's references do not trip.
    if _sqlite():
        op.execute("PRAGMA foreign_keys=OFF")
    with op.batch_alter_table("cases") as batch:
        batch.add_column(sa.Column("prison_number", sa.String(40), nullable=True))
        batch.add_column(sa.Column("legal_title", sa.String(30), nullable=True))
        batch.add_column(sa.Column("judgement_date", sa.Date(), nullable=True))
        batch.add_column(sa.Column("release_type", sa.String(30), nullable=True))
        batch.add_column(
            sa.Column("probation_involved", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch.add_column(sa.Column("probation_officer", sa.String(200), nullable=True))
        batch.add_column(sa.Column("prison_caseworker_name", sa.String(200), nullable=True))
        batch.add_column(sa.Column("prison_caseworker_contact", sa.String(200), nullable=True))
        for column, values in CHECKS.items():
            batch.create_check_constraint(op.f(f"ck_cases_{column}"), _condition(column, values))
    if _sqlite():
        op.execute("PRAGMA foreign_keys=ON")


def downgrade() -> None:
    if _sqlite():
        op.execute("PRAGMA foreign_keys=OFF")
    with op.batch_alter_table("cases") as batch:
        for column in CHECKS:
            batch.drop_constraint(op.f(f"ck_cases_{column}"), type_="check")
        for column in (
            "prison_caseworker_contact",
            "prison_caseworker_name",
            "probation_officer",
            "probation_involved",
            "release_type",
            "judgement_date",
            "legal_title",
            "prison_number",
        ):
            batch.drop_column(column)
    if _sqlite():
        op.execute("PRAGMA foreign_keys=ON")
