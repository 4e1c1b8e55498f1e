"""payroll components, wage types, batch payment date, identity code

Revision ID: 225fb22c7cbf
Revises: c222f6525c0e
Create Date: 2026-12-01 18:40:00

Payout items keep their income components (payout_components); the payroll
system's wage types become a table; a batch has a payment date instead of a
stored payroll CSV (the payroll file is built on download); the expert's
personal identity code is kept encrypted.
"""
from alembic import op
import sqlalchemy as sa

import app.common.types


# revision identifiers, used by Alembic.
revision = '225fb22c7cbf'
down_revision = 'c222f6525c0e'
branch_labels = None
depends_on = None

COMPONENTS = ('fee', 'kilometre_allowance', 'passenger_supplement', 'public_transport', 'parking',
              'daily_allowance_full', 'daily_allowance_partial', 'travel_correction',
              'daily_allowance_correction')


def upgrade():
    op.create_table('payout_components',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('payout_item_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('component', sa.String(length=40), nullable=False),
    sa.Column('assignment_type', sa.String(length=40), nullable=True),
    sa.Column('quantity', app.common.types.FixedDecimal(2), nullable=True),
    sa.Column('rate', app.common.types.FixedDecimal(4), nullable=True),
    sa.Column('amount', app.common.types.Money(), nullable=False),
    sa.Column('withholding', app.common.types.Money(), nullable=False),
    sa.Column('net', app.common.types.Money(), nullable=False),
    sa.Column('halved', sa.Boolean(), nullable=False),
    sa.CheckConstraint('amount >= 0 AND withholding >= 0', name=op.f('ck_payout_components_amounts_not_negative')),
    sa.CheckConstraint('component IN (' + ', '.join(f"'{c}'" for c in COMPONENTS) + ')', name=op.f('ck_payout_components_component_known')),
    sa.CheckConstraint('net + withholding = amount', name=op.f('ck_payout_components_net_sum')),
    sa.ForeignKeyConstraint(['payout_item_id'], ['payout_items.id'], name=op.f('fk_payout_components_payout_item_id_payout_items'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_payout_components'))
    )
    with op.batch_alter_table('payout_components', schema=None) as batch_op:
        batch_op.create_index('ix_payout_components_item_position', ['payout_item_id', 'position'], unique=True)

    op.create_table('wage_types',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('component', sa.String(length=60), nullable=False),
    sa.Column('code', sa.String(length=20), nullable=False),
    sa.Column('updated_at', app.common.types.UTCDateTime(), nullable=True),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name=op.f('fk_wage_types_updated_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_wage_types')),
    sa.UniqueConstraint('component', name=op.f('uq_wage_types_component'))
    )

    with op.batch_alter_table('payout_batches', schema=None) as batch_op:
        batch_op.add_column(sa.Column('execution_date', sa.Date(), nullable=True))
    # Existing batches: the day they were made (UTC is within a day of Helsinki).
    op.execute("UPDATE payout_batches SET execution_date = DATE(created_at)")
    with op.batch_alter_table('payout_batches', schema=None) as batch_op:
        batch_op.alter_column('execution_date', existing_type=sa.Date(), nullable=False)
        batch_op.drop_column('payroll_csv')

    with op.batch_alter_table('expert_profiles', schema=None) as batch_op:
        batch_op.add_column(sa.Column('identity_code_encrypted', sa.Text(), nullable=True))


def downgrade():
    with op.batch_alter_table('expert_profiles', schema=None) as batch_op:
        batch_op.drop_column('identity_code_encrypted')

    with op.batch_alter_table('payout_batches', schema=None) as batch_op:
        batch_op.add_column(sa.Column('payroll_csv', sa.Text(), nullable=False, server_default=''))
        batch_op.drop_column('execution_date')

    op.drop_table('wage_types')
    with op.batch_alter_table('payout_components', schema=None) as batch_op:
        batch_op.drop_index('ix_payout_components_item_position')
    op.drop_table('payout_components')
