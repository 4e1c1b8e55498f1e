"""account closure: closed_at and erased_at on users

Revision ID: 3c9e5a71d2b4
Revises: faa3abbb1dad
Create Date: 2026-12-01 18:45:00

"""
from alembic import op
import sqlalchemy as sa

import app.common.types


# revision identifiers, used by Alembic.
revision = '3c9e5a71d2b4'
down_revision = 'faa3abbb1dad'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('closed_at', app.common.types.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('erased_at', app.common.types.UTCDateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('erased_at')
        batch_op.drop_column('closed_at')
