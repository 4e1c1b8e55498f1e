"""records: expertise area order, audit log paging indexes

Revision ID: 3c6e1f0a9b27
Revises: 3c9e5a71d2b4
Create Date: 2026-12-01 18:45:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '3c6e1f0a9b27'
down_revision = '3c9e5a71d2b4'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('expertise_areas', schema=None) as batch_op:
        batch_op.add_column(sa.Column('position', sa.Integer(), nullable=False,
                                      server_default='0'))
    # Keep today's order (by id) as the administrator's starting order.
    op.execute("UPDATE expertise_areas SET position = id")
    with op.batch_alter_table('expertise_areas', schema=None) as batch_op:
        batch_op.alter_column('position', server_default=None)

    with op.batch_alter_table('audit_entries', schema=None) as batch_op:
        batch_op.create_index('ix_audit_entries_created_at_id', ['created_at', 'id'],
                              unique=False)
        batch_op.create_index(batch_op.f('ix_audit_entries_actor_id'), ['actor_id'],
                              unique=False)


def downgrade():
    with op.batch_alter_table('audit_entries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_entries_actor_id'))
        batch_op.drop_index('ix_audit_entries_created_at_id')

    with op.batch_alter_table('expertise_areas', schema=None) as batch_op:
        batch_op.drop_column('position')
