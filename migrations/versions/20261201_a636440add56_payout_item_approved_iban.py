"""payout items keep the IBAN they were approved with

A change of the expert's bank account after finance approved an item does not redirect
its money: the bank file pays the account stored here at approval.

Revision ID: a636440add56
Revises: ef8a611be01d
Create Date: 2026-12-01 22:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "a636440add56"
down_revision = "ef8a611be01d"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("payout_items") as batch:
        batch.add_column(sa.Column("approved_iban", sa.String(length=34), nullable=True))


def downgrade():
    with op.batch_alter_table("payout_items") as batch:
        batch.drop_column("approved_iban")
