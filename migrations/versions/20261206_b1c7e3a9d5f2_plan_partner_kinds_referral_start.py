"""The plan names functions (partner kinds), and a referral keeps its start date.

- ``task_templates.responsible`` and ``tasks.responsible`` take the partner kind codes
  shared with partners-as-data (``income``, ``debt_help``, ``addiction_care``,
  ``supported_housing``, ``care_director``, ``probation``, ``health_insurer``,
  ``mental_health_care``, ``housing_corporation``) besides the two roles
  (``aftercare_coordinator``, ``prison_caseworker``). Stored values of the old codes are
  renamed: ``work_and_income`` and ``employment_agency`` to ``income``, ``budget_advice``
  to ``debt_help``, ``outreach_unit`` to ``aftercare_coordinator``; referrals' ``partner``
  alike. The CHECK constraints are replaced.
- ``referrals.starts_on``: the day the partner's help starts (after the release for a
  partner whose help only starts then, e.g. debt help).

Revision ID: b1c7e3a9d5f2
Revises: 90c1a2b3d4e5
Create Date: 2026-12-06 04:40:00

"""

import sqlalchemy as sa
from alembic import op

revision = "b1c7e3a9d5f2"
down_revision = "90c1a2b3d4e5"
branch_labels = None
depends_on = None

OLD = (
    "aftercare_coordinator",
    "prison_caseworker",
    "work_and_income",
    "outreach_unit",
    "budget_advice",
    "addiction_care",
    "supported_housing",
    "employment_agency",
    "care_director",
)
NEW = (
    "aftercare_coordinator",
    "prison_caseworker",
    "care_director",
    "debt_help",
    "addiction_care",
    "supported_housing",
    "probation",
    "income",
    "health_insurer",
    "mental_health_care",
    "housing_corporation",
)
RENAMED = {
    "work_and_income": "income",
    "employment_agency": "income",
    "budget_advice": "debt_help",
    "outreach_unit": "aftercare_coordinator",
}
BACK = {"income": "work_and_income", "debt_help": "budget_advice"}
TABLES = ("task_templates", "tasks")


def _condition(values: tuple[str, ...]) -> str:
    return f"responsible IN ({', '.join(repr(value) for value in values)})"


def _replace_checks(values: tuple[str, ...], renames: dict[str, str], fallback: str) -> None:
    sqlite = op.get_bind().dialect.name != "postgresql"
    if sqlite:
        op.execute("PRAGMA foreign_keys=OFF")
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.drop_constraint(op.f(f"ck_{table}_responsible"), type_="check")
        rename = f"UPDATE {table} SET responsible = :new WHERE responsible = :old"  # noqa: S608 - table names from this file
        for old, new in renames.items():
            op.execute(sa.text(rename).bindparams(new=new, old=old))
        allowed = ", ".join(repr(v) for v in values)
        rest = f"UPDATE {table} SET responsible = :fallback WHERE responsible NOT IN ({allowed})"  # noqa: S608 - names and values from this file
        op.execute(sa.text(rest).bindparams(fallback=fallback))
        with op.batch_alter_table(table) as batch:
            batch.create_check_constraint(op.f(f"ck_{table}_responsible"), _condition(values))
    for old, new in renames.items():
        op.execute(
            sa.text("UPDATE referrals SET partner = :new WHERE partner = :old").bindparams(
                new=new, old=old
            )
        )
    if sqlite:
        op.execute("PRAGMA foreign_keys=ON")


def upgrade() -> None:
    _replace_checks(NEW, RENAMED, "aftercare_coordinator")
    op.add_column("referrals", sa.Column("starts_on", sa.Date(), nullable=True))


def downgrade() -> None:
    op.drop_column("referrals", "starts_on")
    _replace_checks(OLD, BACK, "aftercare_coordinator")
