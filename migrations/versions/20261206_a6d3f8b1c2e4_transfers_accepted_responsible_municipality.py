"""Transfers that are accepted, and the municipality of responsibility as a reference.

``case_transfers``: a transfer is first *offered* (with its reason) and answered by the
receiver (accepted: the move follows; or *declined*, with a reason); the partial unique
index of the open transfer leaves declined ones out. ``incoming_transfers``: the
receiver's row of an offer (what the transfer offers, its answer); tenant-owned, no
regional read. ``trajectories`` loses its foreign key to ``cases``: a trajectory stays
with the municipality that committed it when its case is transferred.

``clients``: the intended address after detention; the free-text municipality of
responsibility becomes a reference: ``responsible_tenant`` (a region municipality's
tenant slug, or ``outside``), ``responsible_outside_name`` (the name outside the region),
and who confirmed it and when. Existing values: a name or slug of a municipality of the
client's region becomes that slug; any other text is kept as "outside the region" with
that name; none of them counts as confirmed.

Revision ID: a6d3f8b1c2e4
Revises: a7c3e5f1b9d2
Create Date: 2026-12-06 04:00:00

"""

import sqlalchemy as sa
from alembic import op

from app.core import rls

revision = "a6d3f8b1c2e4"
down_revision = "a7c3e5f1b9d2"
branch_labels = None
depends_on = None

OLD_STATES = ("started", "copied", "done")
STATES = ("offered", "started", "copied", "done", "declined")
INCOMING_STATES = ("offered", "accepting", "accepted", "declined")


def _in(values) -> str:
    return ", ".join(f"'{value}'" for value in values)


def upgrade() -> None:
    # --- case_transfers: offered and declined ---------------------------------------------
    op.drop_index(
        "uq_case_transfers_tenant_id_transferred_case_id_unfinished", table_name="case_transfers"
    )
    with op.batch_alter_table("case_transfers") as batch:
        batch.add_column(sa.Column("reason", sa.Text(), nullable=True))
        batch.add_column(sa.Column("decided_by", sa.String(200), nullable=True))
        batch.add_column(sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("decline_reason", sa.Text(), nullable=True))
        batch.drop_constraint(op.f("ck_case_transfers_state"), type_="check")
        batch.create_check_constraint(op.f("ck_case_transfers_state"), f"state IN ({_in(STATES)})")
    op.create_index(
        "uq_case_transfers_tenant_id_transferred_case_id_unfinished",
        "case_transfers",
        ["tenant_id", "transferred_case_id"],
        unique=True,
        postgresql_where=sa.text("state NOT IN ('done', 'declined')"),
        sqlite_where=sa.text("state NOT IN ('done', 'declined')"),
    )

    # --- incoming_transfers ---------------------------------------------------------------
    op.create_table(
        "incoming_transfers",
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("source_tenant_id", sa.Integer(), nullable=False),
        sa.Column("source_name", sa.String(120), nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("offered_by", sa.String(200), nullable=False),
        sa.Column("offered_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("offer_summary", sa.JSON(), nullable=True),
        sa.Column("case_worker_id", sa.Uuid(), nullable=True),
        sa.Column("decided_by", sa.String(200), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decline_reason", sa.Text(), nullable=True),
        sa.CheckConstraint(
            f"state IN ({_in(INCOMING_STATES)})", name=op.f("ck_incoming_transfers_state")
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenants.id"], name=op.f("fk_incoming_transfers_tenant_id_tenants")
        ),
        sa.ForeignKeyConstraint(
            ["tenant_id", "case_worker_id"],
            ["users.tenant_id", "users.id"],
            name=op.f("fk_incoming_transfers_tenant_id_case_worker_id_users"),
        ),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_incoming_transfers")),
    )
    op.create_index(
        "ix_incoming_transfers_tenant_id_case_id", "incoming_transfers", ["tenant_id", "case_id"]
    )
    op.create_index(
        "ix_incoming_transfers_tenant_id_case_worker_id",
        "incoming_transfers",
        ["tenant_id", "case_worker_id"],
    )
    op.create_index(
        "ix_incoming_transfers_tenant_id_state", "incoming_transfers", ["tenant_id", "state"]
    )
    rls.protect_tenant_table("incoming_transfers")

    # --- trajectories stay with the sender ------------------------------------------------
    with op.batch_alter_table("trajectories") as batch:
        batch.drop_constraint(op.f("fk_trajectories_tenant_id_case_id_cases"), type_="foreignkey")

    # --- clients: the municipality of responsibility as a reference -----------------------
    with op.batch_alter_table("clients") as batch:
        batch.add_column(sa.Column("intended_address", sa.Text(), nullable=True))
        batch.add_column(sa.Column("responsible_tenant", sa.String(60), nullable=True))
        batch.add_column(sa.Column("responsible_outside_name", sa.String(120), nullable=True))
        batch.add_column(sa.Column("responsible_confirmed_by", sa.String(200), nullable=True))
        batch.add_column(
            sa.Column("responsible_confirmed_at", sa.DateTime(timezone=True), nullable=True)
        )
    # The owner migrates (RLS forced applies to the owner too: the statement runs per
    # tenant, bound like the portal's own sessions).
    bind = op.get_bind()
    tenants = bind.execute(sa.text("SELECT id, slug, name, region FROM tenants")).all()
    for tenant_id, _slug, _name, region in tenants:
        if rls.is_postgresql():
            bind.execute(
                sa.text("SELECT set_config('app.tenant_id', :t, true)"), {"t": str(tenant_id)}
            )
        region_names = {
            (name or "").strip().lower(): slug
            for _id, slug, name, other_region in tenants
            if other_region == region
        } | {
            slug.lower(): slug for _id, slug, _n, other_region in tenants if other_region == region
        }
        rows = bind.execute(
            sa.text(
                "SELECT id, responsible_municipality FROM clients "
                "WHERE tenant_id = :t AND responsible_municipality IS NOT NULL"
            ),
            {"t": tenant_id},
        ).all()
        for client_id, text in rows:
            text = (text or "").strip()
            if not text:
                continue
            slug = region_names.get(text.lower())
            bind.execute(
                sa.text(
                    "UPDATE clients SET responsible_tenant = :slug, "
                    "responsible_outside_name = :outside WHERE tenant_id = :t AND id = :id"
                ),
                {
                    "slug": slug or "outside",
                    "outside": None if slug else text[:120],
                    "t": tenant_id,
                    "id": client_id,
                },
            )
    with op.batch_alter_table("clients") as batch:
        batch.drop_column("responsible_municipality")


def downgrade() -> None:
    with op.batch_alter_table("clients") as batch:
        batch.add_column(sa.Column("responsible_municipality", sa.String(120), nullable=True))
    bind = op.get_bind()
    for (tenant_id,) in bind.execute(sa.text("SELECT id FROM tenants")).all():
        if rls.is_postgresql():
            bind.execute(
                sa.text("SELECT set_config('app.tenant_id', :t, true)"), {"t": str(tenant_id)}
            )
        bind.execute(
            sa.text(
                "UPDATE clients SET responsible_municipality = COALESCE("
                "responsible_outside_name, (SELECT name FROM tenants "
                "WHERE tenants.slug = clients.responsible_tenant)) WHERE tenant_id = :t"
            ),
            {"t": tenant_id},
        )
    with op.batch_alter_table("clients") as batch:
        batch.drop_column("responsible_confirmed_at")
        batch.drop_column("responsible_confirmed_by")
        batch.drop_column("responsible_outside_name")
        batch.drop_column("responsible_tenant")
        batch.drop_column("intended_address")
    with op.batch_alter_table("trajectories") as batch:
        batch.create_foreign_key(
            op.f("fk_trajectories_tenant_id_case_id_cases"),
            "cases",
            ["tenant_id", "case_id"],
            ["tenant_id", "id"],
        )
    op.drop_table("incoming_transfers")
    op.drop_index(
        "uq_case_transfers_tenant_id_transferred_case_id_unfinished", table_name="case_transfers"
    )
    op.execute("DELETE FROM case_transfers WHERE state IN ('offered', 'declined')")
    with op.batch_alter_table("case_transfers") as batch:
        batch.drop_constraint(op.f("ck_case_transfers_state"), type_="check")
        batch.create_check_constraint(
            op.f("ck_case_transfers_state"), f"state IN ({_in(OLD_STATES)})"
        )
        batch.drop_column("decline_reason")
        batch.drop_column("decided_at")
        batch.drop_column("decided_by")
        batch.drop_column("reason")
    op.create_index(
        "uq_case_transfers_tenant_id_transferred_case_id_unfinished",
        "case_transfers",
        ["tenant_id", "transferred_case_id"],
        unique=True,
        postgresql_where=sa.text("state <> 'done'"),
        sqlite_where=sa.text("state <> 'done'"),
    )
