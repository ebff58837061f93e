"""The volunteer programme: volunteers, their training and their status history (rows of
the centre municipality's tenant).

Revision ID: e1c4a7b9d2f3
Revises: f2b7d4a9c358
Create Date: 2026-12-06 02:00:00

"""

import sqlalchemy as sa
from alembic import op

from app.core import rls

revision = "e1c4a7b9d2f3"
down_revision = "f2b7d4a9c358"
branch_labels = None
depends_on = None

STATUSES = "'aangemeld', 'gescreend', 'getraind', 'actief', 'gepauzeerd', 'gestopt'"
MODULES = "'introduction', 'circles_method', 'boundaries_and_signals'"
GENDERS = "'none', 'men', 'women'"
PHASES = "'vorming', 'intensief', 'regulier', 'afbouw', 'afsluiting', 'afgesloten'"
OLD_ROLES = (
    "case_worker",
    "tenant_admin",
    "regional_coordinator",
    "volunteer",
    "provider_worker",
    "privacy_officer",
)
NEW_ROLES = (*OLD_ROLES, "circle_coordinator")


def _replace_role_check(roles: tuple[str, ...]) -> None:
    """The users' role CHECK with ``roles`` (the circle coordinator is a new role)."""
    condition = "role IN ({})".format(", ".join(f"'{role}'" for role in roles))
    if op.get_bind().dialect.name == "postgresql":
        op.drop_constraint(op.f("ck_users_role"), "users", type_="check")
        op.create_check_constraint(op.f("ck_users_role"), "users", condition)
        return
    op.execute("PRAGMA foreign_keys=OFF")
    with op.batch_alter_table("users") as batch:
        batch.drop_constraint(op.f("ck_users_role"), type_="check")
        batch.create_check_constraint(op.f("ck_users_role"), condition)
    op.execute("PRAGMA foreign_keys=ON")


def _tenant_fk(table: str):
    return sa.ForeignKeyConstraint(
        ["tenant_id"], ["tenants.id"], name=op.f(f"fk_{table}_tenant_id_tenants")
    )


def _volunteer_fk(table: str):
    return sa.ForeignKeyConstraint(
        ["tenant_id", "volunteer_id"],
        ["volunteers.tenant_id", "volunteers.id"],
        name=op.f(f"fk_{table}_tenant_id_volunteer_id_volunteers"),
    )


def upgrade() -> None:
    _replace_role_check(NEW_ROLES)
    op.create_table(
        "volunteers",
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("first_name", sa.String(length=100), nullable=False),
        sa.Column("last_name", sa.String(length=100), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("phone", sa.String(length=30), nullable=True),
        sa.Column("postcode", sa.String(length=7), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("languages", sa.JSON(), nullable=False),
        sa.Column("availability", sa.JSON(), nullable=False),
        sa.Column("excluded_offences", sa.JSON(), nullable=False),
        sa.Column("gender_preference", sa.String(length=20), nullable=False),
        sa.Column("skills", sa.Text(), nullable=False),
        sa.Column("motivation", sa.Text(), nullable=False),
        sa.Column("intake_notes", sa.Text(), nullable=False),
        sa.Column("vog_issued_on", sa.Date(), nullable=True),
        sa.Column("vog_profile", sa.String(length=100), nullable=True),
        sa.Column("vog_reminded_for", sa.Date(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("submission_key", sa.Uuid(), nullable=True),
        sa.Column("user_id", sa.Uuid(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(f"status IN ({STATUSES})", name=op.f("ck_volunteers_status")),
        sa.CheckConstraint(
            f"gender_preference IN ({GENDERS})", name=op.f("ck_volunteers_gender_preference")
        ),
        _tenant_fk("volunteers"),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_volunteers")),
        sa.UniqueConstraint(
            "tenant_id", "submission_key", name=op.f("uq_volunteers_tenant_id_submission_key")
        ),
        sa.UniqueConstraint("tenant_id", "user_id", name=op.f("uq_volunteers_tenant_id_user_id")),
    )
    rls.protect_tenant_table("volunteers")

    op.create_table(
        "volunteer_trainings",
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("volunteer_id", sa.Uuid(), nullable=False),
        sa.Column("module", sa.String(length=40), nullable=False),
        sa.Column("completed_on", sa.Date(), nullable=False),
        sa.CheckConstraint(f"module IN ({MODULES})", name=op.f("ck_volunteer_trainings_module")),
        _tenant_fk("volunteer_trainings"),
        _volunteer_fk("volunteer_trainings"),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_volunteer_trainings")),
        sa.UniqueConstraint(
            "tenant_id",
            "volunteer_id",
            "module",
            name=op.f("uq_volunteer_trainings_tenant_id_volunteer_id_module"),
        ),
    )
    op.create_index(
        "ix_volunteer_trainings_tenant_id_volunteer_id",
        "volunteer_trainings",
        ["tenant_id", "volunteer_id"],
    )
    rls.protect_tenant_table("volunteer_trainings")

    op.create_table(
        "volunteer_status_changes",
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("volunteer_id", sa.Uuid(), nullable=False),
        sa.Column("from_status", sa.String(length=20), nullable=True),
        sa.Column("to_status", sa.String(length=20), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("changed_by", sa.String(length=200), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.CheckConstraint(
            f"from_status IN ({STATUSES})", name=op.f("ck_volunteer_status_changes_from_status")
        ),
        sa.CheckConstraint(
            f"to_status IN ({STATUSES})", name=op.f("ck_volunteer_status_changes_to_status")
        ),
        _tenant_fk("volunteer_status_changes"),
        _volunteer_fk("volunteer_status_changes"),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_volunteer_status_changes")),
    )
    op.create_index(
        "ix_volunteer_status_changes_tenant_id_volunteer_id",
        "volunteer_status_changes",
        ["tenant_id", "volunteer_id"],
    )
    rls.protect_tenant_table("volunteer_status_changes")

    op.create_table(
        "programme_referrals",
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("source_tenant_id", sa.Integer(), nullable=False),
        sa.Column("source_case_id", sa.Uuid(), nullable=False),
        sa.Column("referred_by_id", sa.Uuid(), nullable=True),
        sa.Column("referred_by_name", sa.String(length=200), nullable=False),
        sa.Column("first_name", sa.String(length=100), nullable=True),
        sa.Column("municipality", sa.String(length=120), nullable=True),
        sa.Column("languages", sa.JSON(), nullable=False),
        sa.Column("availability", sa.JSON(), nullable=False),
        sa.Column("needs", sa.Text(), nullable=False),
        sa.Column("places_to_avoid", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "status IN ('waiting', 'in_circle')", name=op.f("ck_programme_referrals_status")
        ),
        _tenant_fk("programme_referrals"),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_programme_referrals")),
        sa.UniqueConstraint(
            "tenant_id",
            "source_tenant_id",
            "source_case_id",
            name=op.f("uq_programme_referrals_tenant_id_source_tenant_id_source_case_id"),
        ),
    )
    rls.protect_tenant_table("programme_referrals")

    op.create_table(
        "circles",
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("referral_id", sa.Uuid(), nullable=True),
        sa.Column("coordinator_id", sa.Uuid(), nullable=True),
        sa.Column("coordinator_name", sa.String(length=200), nullable=False),
        sa.Column("phase", sa.String(length=20), nullable=False),
        sa.Column("covenant_signed_on", sa.Date(), nullable=True),
        sa.Column("planned_end", sa.Date(), nullable=True),
        sa.Column("closed_reason", sa.String(length=200), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(f"phase IN ({PHASES})", name=op.f("ck_circles_phase")),
        _tenant_fk("circles"),
        sa.ForeignKeyConstraint(
            ["tenant_id", "referral_id"],
            ["programme_referrals.tenant_id", "programme_referrals.id"],
            name=op.f("fk_circles_tenant_id_referral_id_programme_referrals"),
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_circles")),
    )
    op.create_index("ix_circles_tenant_id_referral_id", "circles", ["tenant_id", "referral_id"])
    rls.protect_tenant_table("circles")

    op.create_table(
        "circle_members",
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("circle_id", sa.Uuid(), nullable=False),
        sa.Column("volunteer_id", sa.Uuid(), nullable=False),
        sa.Column("joined_on", sa.Date(), nullable=False),
        sa.Column("left_on", sa.Date(), nullable=True),
        _tenant_fk("circle_members"),
        sa.ForeignKeyConstraint(
            ["tenant_id", "circle_id"],
            ["circles.tenant_id", "circles.id"],
            name=op.f("fk_circle_members_tenant_id_circle_id_circles"),
        ),
        _volunteer_fk("circle_members"),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_circle_members")),
    )
    op.create_index(
        "ix_circle_members_tenant_id_circle_id", "circle_members", ["tenant_id", "circle_id"]
    )
    op.create_index(
        "ix_circle_members_tenant_id_volunteer_id",
        "circle_members",
        ["tenant_id", "volunteer_id"],
    )
    rls.protect_tenant_table("circle_members")

    op.create_table(
        "circle_professionals",
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("circle_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("organisation", sa.String(length=200), nullable=False),
        sa.Column("role", sa.String(length=200), nullable=False),
        _tenant_fk("circle_professionals"),
        sa.ForeignKeyConstraint(
            ["tenant_id", "circle_id"],
            ["circles.tenant_id", "circles.id"],
            name=op.f("fk_circle_professionals_tenant_id_circle_id_circles"),
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_circle_professionals")),
    )
    op.create_index(
        "ix_circle_professionals_tenant_id_circle_id",
        "circle_professionals",
        ["tenant_id", "circle_id"],
    )
    rls.protect_tenant_table("circle_professionals")

    for table, extra in (
        (
            "circle_meetings",
            [
                sa.Column("held_on", sa.Date(), nullable=False),
                sa.Column("duration_minutes", sa.Integer(), nullable=False),
                sa.Column("present", sa.JSON(), nullable=False),
                sa.Column("minutes", sa.Text(), nullable=False),
            ],
        ),
        (
            "circle_signals",
            [
                sa.Column("level", sa.String(length=20), nullable=False),
                sa.Column("body", sa.Text(), nullable=False),
                sa.CheckConstraint(
                    "level IN ('informatie', 'zorg', 'acuut')",
                    name=op.f("ck_circle_signals_level"),
                ),
            ],
        ),
    ):
        op.create_table(
            table,
            sa.Column("tenant_id", sa.Integer(), nullable=False),
            sa.Column("id", sa.Uuid(), nullable=False),
            sa.Column("circle_id", sa.Uuid(), nullable=False),
            sa.Column("volunteer_id", sa.Uuid(), nullable=False),
            *extra,
            sa.Column("submission_key", sa.Uuid(), nullable=True),
            sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
            sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
            _tenant_fk(table),
            sa.ForeignKeyConstraint(
                ["tenant_id", "circle_id"],
                ["circles.tenant_id", "circles.id"],
                name=op.f(f"fk_{table}_tenant_id_circle_id_circles"),
            ),
            _volunteer_fk(table),
            sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f(f"pk_{table}")),
            sa.UniqueConstraint(
                "tenant_id", "submission_key", name=op.f(f"uq_{table}_tenant_id_submission_key")
            ),
        )
        op.create_index(f"ix_{table}_tenant_id_circle_id", table, ["tenant_id", "circle_id"])
        op.create_index(f"ix_{table}_tenant_id_volunteer_id", table, ["tenant_id", "volunteer_id"])
        rls.protect_tenant_table(table)


def downgrade() -> None:
    op.drop_table("circle_signals")
    op.drop_table("circle_meetings")
    op.drop_table("circle_professionals")
    op.drop_table("circle_members")
    op.drop_table("circles")
    op.drop_table("programme_referrals")
    op.drop_index(
        "ix_volunteer_status_changes_tenant_id_volunteer_id",
        table_name="volunteer_status_changes",
    )
    op.drop_table("volunteer_status_changes")
    op.drop_index("ix_volunteer_trainings_tenant_id_volunteer_id", table_name="volunteer_trainings")
    op.drop_table("volunteer_trainings")
    op.drop_table("volunteers")
    _replace_role_check(OLD_ROLES)
