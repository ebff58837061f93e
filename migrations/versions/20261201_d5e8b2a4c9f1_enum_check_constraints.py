"""Enums stored with a CHECK constraint: every column that holds a StrEnum's value
refuses anything else (``app.core.db.enum_check`` declares the same on the models).

``case_transfers.state`` has had its CHECK since the transfer's own migration (the
model now declares it with ``enum_check``, under the same name). The allowed values
are written out here, as they stand today: a later migration that
adds a member drops and re-creates that column's constraint.

SQLite cannot add a constraint to an existing table, so batch mode re-creates the
tables; foreign keys are switched off for the copy (the pragma only takes effect outside
a transaction, which is how alembic runs SQLite) so that dropping a parent table does not
trip its children's references.

Revision ID: d5e8b2a4c9f1
Revises: c3a9d4e1f072
Create Date: 2026-12-01 22:50:00

"""

from alembic import op

revision = "d5e8b2a4c9f1"
down_revision = "c3a9d4e1f072"
branch_labels = None
depends_on = None

ENUM_COLUMNS = {
    "access_log": {
        "action": ("read", "change", "search", "export", "print", "reveal"),
    },
    "task_templates": {
        "domain": ("identity", "housing", "income", "debts", "care", "social_network"),
        "phase": ("in_detention", "release_preparation", "after_release"),
        "responsible": (
            "aftercare_coordinator",
            "prison_caseworker",
            "work_and_income",
            "outreach_unit",
            "budget_advice",
            "addiction_care",
            "supported_housing",
            "employment_agency",
            "care_director",
        ),
        "anchor": ("release", "actual_release", "detention_start", "intake"),
    },
    "users": {
        "role": (
            "case_worker",
            "tenant_admin",
            "regional_coordinator",
            "volunteer",
            "provider_worker",
            "privacy_officer",
        ),
    },
    "cases": {
        "phase": (
            "registered",
            "in_detention",
            "release_preparation",
            "after_release",
            "closed",
            "reopened",
        ),
    },
    "case_phase_changes": {
        "from_phase": (
            "registered",
            "in_detention",
            "release_preparation",
            "after_release",
            "closed",
            "reopened",
        ),
        "to_phase": (
            "registered",
            "in_detention",
            "release_preparation",
            "after_release",
            "closed",
            "reopened",
        ),
    },
    "domain_consents": {
        "domain": ("identity", "housing", "income", "debts", "care", "social_network"),
        "basis": ("consent_given", "consent_withdrawn", "statutory"),
    },
    "life_domain_snapshots": {
        "domain": ("identity", "housing", "income", "debts", "care", "social_network"),
        "moment": ("intake", "release", "six_months"),
        "status": ("arranged", "not_arranged", "unknown", "not_applicable"),
    },
    "life_domains": {
        "domain": ("identity", "housing", "income", "debts", "care", "social_network"),
        "status": ("arranged", "not_arranged", "unknown", "not_applicable"),
    },
    "referrals": {
        "domain": ("identity", "housing", "income", "debts", "care", "social_network"),
        "status": ("sent", "accepted", "rejected", "done"),
    },
    "tasks": {
        "domain": ("identity", "housing", "income", "debts", "care", "social_network"),
        "phase": ("in_detention", "release_preparation", "after_release"),
        "responsible": (
            "aftercare_coordinator",
            "prison_caseworker",
            "work_and_income",
            "outreach_unit",
            "budget_advice",
            "addiction_care",
            "supported_housing",
            "employment_agency",
            "care_director",
        ),
        "status": ("open", "done", "not_applicable"),
        "anchor": ("release", "actual_release", "detention_start", "intake"),
    },
    "trajectories": {
        "status": ("proposed", "active", "completed", "cancelled"),
    },
}


def _condition(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(value) for value in values)})"


def _name(table: str, column: str) -> str:
    return op.f(f"ck_{table}_{column}")


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table, columns in ENUM_COLUMNS.items():
            for column, values in columns.items():
                op.create_check_constraint(_name(table, column), table, _condition(column, values))
        return
    op.execute("PRAGMA foreign_keys=OFF")
    for table, columns in ENUM_COLUMNS.items():
        with op.batch_alter_table(table) as batch:
            for column, values in columns.items():
                batch.create_check_constraint(_name(table, column), _condition(column, values))
    op.execute("PRAGMA foreign_keys=ON")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table, columns in ENUM_COLUMNS.items():
            for column in columns:
                op.drop_constraint(_name(table, column), table, type_="check")
        return
    op.execute("PRAGMA foreign_keys=OFF")
    for table, columns in ENUM_COLUMNS.items():
        with op.batch_alter_table(table) as batch:
            for column in columns:
                batch.drop_constraint(_name(table, column), type_="check")
    op.execute("PRAGMA foreign_keys=ON")
