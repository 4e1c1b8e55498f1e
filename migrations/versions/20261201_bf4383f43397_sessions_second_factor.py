"""server-side sessions, one-time TOTP codes, recovery codes, attempts per address

Revision ID: bf4383f43397
Revises: 773ad4b1700e
Create Date: 2026-12-01 21:50:00
"""

import sqlalchemy as sa
from alembic import op

import app.common.types

revision = "bf4383f43397"
down_revision = "773ad4b1700e"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("totp_last_step", sa.BigInteger(), nullable=True))
    with op.batch_alter_table("login_attempts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("address", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("kind", sa.String(length=16), nullable=False,
                                      server_default="password"))
        batch_op.create_check_constraint(op.f("ck_login_attempts_kind_known"),
                                        "kind IN ('password', 'totp')")
        batch_op.create_index("ix_login_attempts_address_created", ["address", "created_at"])
    op.create_table(
        "user_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", app.common.types.UTCDateTime(), nullable=False),
        sa.Column("last_seen_at", app.common.types.UTCDateTime(), nullable=False),
        sa.Column("second_factor_at", app.common.types.UTCDateTime(), nullable=True),
        sa.Column("ended_at", app.common.types.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"],
                                name=op.f("fk_user_sessions_user_id_users"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user_sessions")),
        sa.UniqueConstraint("key_hash", name=op.f("uq_user_sessions_key_hash")),
    )
    op.create_index(op.f("ix_user_sessions_user_id"), "user_sessions", ["user_id"])
    op.create_table(
        "recovery_codes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", app.common.types.UTCDateTime(), nullable=False),
        sa.Column("used_at", app.common.types.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"],
                                name=op.f("fk_recovery_codes_user_id_users"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recovery_codes")),
    )
    op.create_index(op.f("ix_recovery_codes_user_id"), "recovery_codes", ["user_id"])


def downgrade():
    op.drop_index(op.f("ix_recovery_codes_user_id"), table_name="recovery_codes")
    op.drop_table("recovery_codes")
    op.drop_index(op.f("ix_user_sessions_user_id"), table_name="user_sessions")
    op.drop_table("user_sessions")
    with op.batch_alter_table("login_attempts", schema=None) as batch_op:
        batch_op.drop_index("ix_login_attempts_address_created")
        batch_op.drop_constraint(op.f("ck_login_attempts_kind_known"), type_="check")
        batch_op.drop_column("kind")
        batch_op.drop_column("address")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("totp_last_step")
