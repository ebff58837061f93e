"""Partners as data and the care director's own view: each municipality's partner
organisations (with a kind), the provider workers bound to one, referrals and trajectories
pointing at a partner, and the care director's reports and invoices.

Existing referrals named a party of the plan by code; they keep the party's Dutch name as
the partner's name, and the kind where the party is one (budget advice -> debt help, work
and income and the employment agency -> income, ...). They point at no partner row: the
municipality's partners are its own data, entered by its admin (a new municipality gets
defaults at ``flask tenants add``).

Revision ID: a7c3e5f1b9d2
Revises: c2a4e6b8d0f1
Create Date: 2026-12-06 04:10:00

"""

import sqlalchemy as sa
from alembic import op

from app.core import rls

revision = "a7c3e5f1b9d2"
down_revision = "c2a4e6b8d0f1"
branch_labels = None
depends_on = None

KINDS = (
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
DOMAINS = "'identity', 'housing', 'income', 'debts', 'care', 'social_network'"
# The old fixed list (the plan's parties): (kind or None, the Dutch name it showed).
OLD_PARTIES = {
    "aftercare_coordinator": (None, "Nazorgcoördinator"),
    "prison_caseworker": (None, "Casemanager PI"),
    "work_and_income": ("income", "Team werk en inkomen"),
    "outreach_unit": (None, "Outreachend team"),
    "budget_advice": ("debt_help", "Schuldhulpverlening"),
    "addiction_care": ("addiction_care", "Verslavingszorg"),
    "supported_housing": ("supported_housing", "Beschermd en begeleid wonen"),
    "employment_agency": ("income", "UWV"),
    "care_director": ("care_director", "Zorgregisseur"),
}


def _in(values) -> str:
    return ", ".join(f"'{value}'" for value in values)


def _tenant_fk(table: str):
    return sa.ForeignKeyConstraint(
        ["tenant_id"], ["tenants.id"], name=op.f(f"fk_{table}_tenant_id_tenants")
    )


def _fk(table: str, column: str, parent: str):
    return sa.ForeignKeyConstraint(
        ["tenant_id", column],
        [f"{parent}.tenant_id", f"{parent}.id"],
        name=op.f(f"fk_{table}_tenant_id_{column}_{parent}"),
    )


def upgrade() -> None:
    op.create_table(
        "partners",
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("contact_name", sa.String(length=200), nullable=True),
        sa.Column("email", sa.String(length=320), nullable=True),
        sa.Column("phone", sa.String(length=40), nullable=True),
        sa.Column("address", sa.String(length=300), nullable=True),
        sa.Column("takes_referrals", sa.Boolean(), nullable=False),
        sa.Column("takes_trajectories", sa.Boolean(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("submission_key", sa.Uuid(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(f"kind IN ({_in(KINDS)})", name=op.f("ck_partners_kind")),
        _tenant_fk("partners"),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_partners")),
        sa.UniqueConstraint(
            "tenant_id", "submission_key", name=op.f("uq_partners_tenant_id_submission_key")
        ),
    )
    op.create_index("ix_partners_tenant_id_kind", "partners", ["tenant_id", "kind"])
    rls.protect_tenant_table("partners")

    op.create_table(
        "partner_staff",
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("partner_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("bound_by", sa.String(length=200), nullable=False),
        sa.Column("bound_at", sa.DateTime(timezone=True), nullable=False),
        _tenant_fk("partner_staff"),
        _fk("partner_staff", "partner_id", "partners"),
        _fk("partner_staff", "user_id", "users"),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_partner_staff")),
        sa.UniqueConstraint(
            "tenant_id", "user_id", name=op.f("uq_partner_staff_tenant_id_user_id")
        ),
    )
    op.create_index(
        "ix_partner_staff_tenant_id_partner_id", "partner_staff", ["tenant_id", "partner_id"]
    )
    rls.protect_tenant_table("partner_staff")

    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:  # the table is copied: keys are checked when it is complete (as e1c4a7b9d2f3)
        op.execute("PRAGMA foreign_keys=OFF")
    with op.batch_alter_table("referrals") as batch:
        batch.alter_column(
            "partner", existing_type=sa.String(length=40), type_=sa.String(length=200)
        )
        batch.add_column(sa.Column("partner_kind", sa.String(length=40), nullable=True))
        batch.add_column(sa.Column("partner_id", sa.Uuid(), nullable=True))
        batch.create_check_constraint(
            op.f("ck_referrals_partner_kind"), f"partner_kind IN ({_in(KINDS)})"
        )
        batch.create_foreign_key(
            op.f("fk_referrals_tenant_id_partner_id_partners"),
            "partners",
            ["tenant_id", "partner_id"],
            ["tenant_id", "id"],
        )
        batch.create_index("ix_referrals_tenant_id_partner_id", ["tenant_id", "partner_id"])
    _migrate_referrals()
    if sqlite:
        op.execute("PRAGMA foreign_keys=ON")

    with op.batch_alter_table("trajectories") as batch:
        batch.add_column(sa.Column("partner_id", sa.Uuid(), nullable=True))
        batch.add_column(sa.Column("shared_domains", sa.JSON(), nullable=True))
        batch.create_foreign_key(
            op.f("fk_trajectories_tenant_id_partner_id_partners"),
            "partners",
            ["tenant_id", "partner_id"],
            ["tenant_id", "id"],
        )
        batch.create_index("ix_trajectories_tenant_id_partner_id", ["tenant_id", "partner_id"])

    op.create_table(
        "trajectory_reports",
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("trajectory_id", sa.Uuid(), nullable=False),
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("domain", sa.String(length=30), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("proposed_end", sa.Date(), nullable=True),
        sa.Column("reported_by", sa.String(length=200), nullable=False),
        sa.Column("reported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("submission_key", sa.Uuid(), nullable=True),
        sa.CheckConstraint(
            "kind IN ('progress', 'end_proposed')", name=op.f("ck_trajectory_reports_kind")
        ),
        sa.CheckConstraint(f"domain IN ({DOMAINS})", name=op.f("ck_trajectory_reports_domain")),
        _tenant_fk("trajectory_reports"),
        _fk("trajectory_reports", "trajectory_id", "trajectories"),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_trajectory_reports")),
        sa.UniqueConstraint(
            "tenant_id",
            "submission_key",
            name=op.f("uq_trajectory_reports_tenant_id_submission_key"),
        ),
    )
    op.create_index(
        "ix_trajectory_reports_tenant_id_trajectory_id",
        "trajectory_reports",
        ["tenant_id", "trajectory_id"],
    )
    rls.protect_tenant_table("trajectory_reports")

    op.create_table(
        "trajectory_invoices",
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("trajectory_id", sa.Uuid(), nullable=False),
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("amount_cents", sa.Integer(), nullable=False),
        sa.Column("invoice_date", sa.Date(), nullable=False),
        sa.Column("reference", sa.String(length=100), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("submitted_by", sa.String(length=200), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_by", sa.String(length=200), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("rejection_reason", sa.Text(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("submission_key", sa.Uuid(), nullable=True),
        sa.CheckConstraint(
            "status IN ('submitted', 'approved', 'rejected')",
            name=op.f("ck_trajectory_invoices_status"),
        ),
        _tenant_fk("trajectory_invoices"),
        _fk("trajectory_invoices", "trajectory_id", "trajectories"),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_trajectory_invoices")),
        sa.UniqueConstraint(
            "tenant_id",
            "submission_key",
            name=op.f("uq_trajectory_invoices_tenant_id_submission_key"),
        ),
    )
    op.create_index(
        "ix_trajectory_invoices_tenant_id_trajectory_id",
        "trajectory_invoices",
        ["tenant_id", "trajectory_id"],
    )
    op.create_index(
        "ix_trajectory_invoices_tenant_id_status", "trajectory_invoices", ["tenant_id", "status"]
    )
    rls.protect_tenant_table("trajectory_invoices")


def _migrate_referrals() -> None:
    """Each old party code becomes its Dutch name and kind, in every municipality (row-level
    security is forced on the owner too: one municipality at a time)."""
    bind = op.get_bind()
    postgres = bind.dialect.name == "postgresql"
    tenant_ids = [row[0] for row in bind.execute(sa.text("SELECT id FROM tenants"))]
    for tenant_id in tenant_ids if postgres else [None]:
        if postgres:
            bind.execute(
                sa.text("SELECT set_config('app.tenant_id', :t, true)"), {"t": str(tenant_id)}
            )
        for code, (kind, name) in OLD_PARTIES.items():
            bind.execute(
                sa.text(
                    "UPDATE referrals SET partner = :name, partner_kind = :kind "
                    "WHERE partner = :code"
                ),
                {"name": name, "kind": kind, "code": code},
            )
    if postgres:
        bind.execute(sa.text("SELECT set_config('app.tenant_id', '', true)"))


def downgrade() -> None:
    op.drop_table("trajectory_invoices")
    op.drop_table("trajectory_reports")
    with op.batch_alter_table("trajectories") as batch:
        batch.drop_index("ix_trajectories_tenant_id_partner_id")
        batch.drop_constraint(
            op.f("fk_trajectories_tenant_id_partner_id_partners"), type_="foreignkey"
        )
        batch.drop_column("shared_domains")
        batch.drop_column("partner_id")
    with op.batch_alter_table("referrals") as batch:
        batch.drop_index("ix_referrals_tenant_id_partner_id")
        batch.drop_constraint(
            op.f("fk_referrals_tenant_id_partner_id_partners"), type_="foreignkey"
        )
        batch.drop_constraint(op.f("ck_referrals_partner_kind"), type_="check")
        batch.drop_column("partner_id")
        batch.drop_column("partner_kind")
    op.drop_table("partner_staff")
    op.drop_table("partners")
