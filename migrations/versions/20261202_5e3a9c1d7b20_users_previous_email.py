"""users: the previous e-mail address and when the address changed

Revision ID: 5e3a9c1d7b20
Revises: bf4383f43397
Create Date: 2026-12-02 01:20:00
"""

import sqlalchemy as sa
from alembic import op

import app.common.types

revision = "5e3a9c1d7b20"
down_revision = "bf4383f43397"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("previous_email", sa.String(length=254), nullable=True))
        batch_op.add_column(sa.Column("email_changed_at", app.common.types.UTCDateTime(),
                                      nullable=True))


def downgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("email_changed_at")
        batch_op.drop_column("previous_email")
