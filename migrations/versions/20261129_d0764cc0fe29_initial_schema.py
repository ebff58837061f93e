"""Initial schema: the five tenants, users, clients, cases and life domains.

On PostgreSQL also the context functions, row-level security on every
tenant-owned table and the grants of the portal role (app.core.rls).

Revision ID: d0764cc0fe29
Revises: 
Create Date: 2026-11-29 07:14:50.000871

"""
import sqlalchemy as sa
from alembic import op

from app.core import rls


# revision identifiers, used by Alembic.
revision = 'd0764cc0fe29'
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('tenants',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('is_centre', sa.Boolean(), nullable=False),
    sa.CheckConstraint('id > 0', name=op.f('ck_tenants_positive_id')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tenants')),
    sa.UniqueConstraint('slug', name=op.f('uq_tenants_slug'))
    )
    # The municipalities are data, added by ``flask tenants add`` / ``add-region-defaults``,
    # not by a migration: installations that ran the first version of this migration keep
    # the five rows it wrote (5f2c8a1e9b37 puts them in one region).
    rls.grant_read_only("tenants")
    rls.create_context_functions()
    op.create_table('clients',
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('given_name', sa.String(length=120), nullable=False),
    sa.Column('family_name', sa.String(length=120), nullable=False),
    sa.Column('date_of_birth', sa.Date(), nullable=False),
    sa.Column('bsn', sa.String(length=9), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_clients_tenant_id_tenants')),
    sa.PrimaryKeyConstraint('tenant_id', 'id', name=op.f('pk_clients')),
    sa.UniqueConstraint('tenant_id', 'bsn', name=op.f('uq_clients_tenant_id_bsn'))
    )
    op.create_table('users',
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('display_name', sa.String(length=200), nullable=False),
    sa.Column('email', sa.String(length=320), nullable=True),
    sa.Column('role', sa.String(length=40), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('issuer', sa.String(length=500), nullable=False),
    sa.Column('subject', sa.String(length=255), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_users_tenant_id_tenants')),
    sa.PrimaryKeyConstraint('tenant_id', 'id', name=op.f('pk_users')),
    sa.UniqueConstraint('tenant_id', 'issuer', 'subject', name=op.f('uq_users_tenant_id_issuer_subject'))
    )
    op.create_table('cases',
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('client_id', sa.Uuid(), nullable=False),
    sa.Column('case_worker_id', sa.Uuid(), nullable=True),
    sa.Column('phase', sa.String(length=30), nullable=False),
    sa.Column('facility', sa.String(length=200), nullable=True),
    sa.Column('detention_start', sa.Date(), nullable=True),
    sa.Column('expected_release', sa.Date(), nullable=True),
    sa.Column('actual_release', sa.Date(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id', 'case_worker_id'], ['users.tenant_id', 'users.id'], name=op.f('fk_cases_tenant_id_case_worker_id_users')),
    sa.ForeignKeyConstraint(['tenant_id', 'client_id'], ['clients.tenant_id', 'clients.id'], name=op.f('fk_cases_tenant_id_client_id_clients')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_cases_tenant_id_tenants')),
    sa.PrimaryKeyConstraint('tenant_id', 'id', name=op.f('pk_cases'))
    )
    op.create_index('ix_cases_tenant_id_expected_release', 'cases', ['tenant_id', 'expected_release'])
    op.create_table('life_domains',
    sa.Column('tenant_id', sa.Integer(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('case_id', sa.Uuid(), nullable=False),
    sa.Column('domain', sa.String(length=30), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=30), nullable=False),
    sa.Column('need', sa.Text(), nullable=True),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id', 'case_id'], ['cases.tenant_id', 'cases.id'], name=op.f('fk_life_domains_tenant_id_case_id_cases')),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], name=op.f('fk_life_domains_tenant_id_tenants')),
    sa.PrimaryKeyConstraint('tenant_id', 'id', name=op.f('pk_life_domains')),
    sa.UniqueConstraint('tenant_id', 'case_id', 'domain', name=op.f('uq_life_domains_tenant_id_case_id_domain'))
    )
    for table in ("clients", "users", "cases", "life_domains"):
        rls.protect_tenant_table(table)


def downgrade():
    op.drop_table('life_domains')
    op.drop_table('cases')
    op.drop_table('users')
    op.drop_table('clients')
    op.drop_table('tenants')
    if rls.is_postgresql():
        op.execute("DROP FUNCTION IF EXISTS app_regional_read()")
        op.execute("DROP FUNCTION IF EXISTS app_current_tenant()")
