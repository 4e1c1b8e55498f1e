"""Indexes for the keyset pages of the organisation's orders and the expert's invitations

Revision ID: 5e13a0c4b7d1
Revises: 225fb22c7cbf
Create Date: 2026-12-01 19:30:00.000000

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = '5e13a0c4b7d1'
down_revision = '225fb22c7cbf'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.create_index('ix_orders_organisation_id_created_at_id',
                              ['organisation_id', 'created_at', 'id'], unique=False)
    with op.batch_alter_table('invitations', schema=None) as batch_op:
        batch_op.create_index('ix_invitations_expert_id_created_at_id',
                              ['expert_id', 'created_at', 'id'], unique=False)


def downgrade():
    with op.batch_alter_table('invitations', schema=None) as batch_op:
        batch_op.drop_index('ix_invitations_expert_id_created_at_id')
    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.drop_index('ix_orders_organisation_id_created_at_id')
