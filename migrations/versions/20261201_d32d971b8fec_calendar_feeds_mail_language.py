"""calendar feeds; the language of outbox mails

Each expert and organisation member may have one secret calendar subscription address
(selector + verifier); an outbox mail remembers the recipient's language for its HTML part.

Revision ID: d32d971b8fec
Revises: 7d4e2b9c1f05
Create Date: 2026-12-01 22:00:00
"""

import sqlalchemy as sa
from alembic import op

import app.common.types

revision = "d32d971b8fec"
down_revision = "7d4e2b9c1f05"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "calendar_feeds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("selector", sa.String(length=16), nullable=False),
        sa.Column("verifier", sa.String(length=32), nullable=False),
        sa.Column("created_at", app.common.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_calendar_feeds_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_calendar_feeds")),
        sa.UniqueConstraint("selector", name=op.f("uq_calendar_feeds_selector")),
        sa.UniqueConstraint("user_id", name=op.f("uq_calendar_feeds_user_id")),
    )
    with op.batch_alter_table("outbox_messages") as batch_op:
        batch_op.add_column(sa.Column("language", sa.String(length=3), nullable=True))


def downgrade():
    with op.batch_alter_table("outbox_messages") as batch_op:
        batch_op.drop_column("language")
    op.drop_table("calendar_feeds")
