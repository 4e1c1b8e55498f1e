"""colleague invitations: an account is made only when the invited person accepts

Revision ID: 5e1c0a7b9d24
Revises: 5e3a9c1d7b20
Create Date: 2026-12-02 01:20:00
"""

import sqlalchemy as sa
from alembic import op

import app.common.types

revision = "5e1c0a7b9d24"
down_revision = "5e3a9c1d7b20"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "colleague_invitations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("full_name", sa.String(length=200), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("language", sa.String(length=2), nullable=False),
        sa.Column("invited_by_id", sa.Integer(), nullable=True),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("created_at", app.common.types.UTCDateTime(), nullable=False),
        sa.Column("sent_at", app.common.types.UTCDateTime(), nullable=False),
        sa.Column("expires_at", app.common.types.UTCDateTime(), nullable=False),
        sa.Column("ended_at", app.common.types.UTCDateTime(), nullable=True),
        sa.Column("accepted_user_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "status IN ('pending', 'accepted', 'declined', 'cancelled', 'expired')",
            name=op.f("ck_colleague_invitations_status_known"),
        ),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisations.id"],
                                name=op.f("fk_colleague_invitations_organisation_id_organisations")),
        sa.ForeignKeyConstraint(["invited_by_id"], ["users.id"],
                                name=op.f("fk_colleague_invitations_invited_by_id_users"),
                                ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["accepted_user_id"], ["users.id"],
                                name=op.f("fk_colleague_invitations_accepted_user_id_users"),
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_colleague_invitations")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_colleague_invitations_token_hash")),
    )
    op.create_index(op.f("ix_colleague_invitations_email"), "colleague_invitations", ["email"])
    op.create_index(op.f("ix_colleague_invitations_status"), "colleague_invitations", ["status"])
    op.create_index("ix_colleague_invitations_organisation_status", "colleague_invitations",
                    ["organisation_id", "status"])


def downgrade():
    op.drop_index("ix_colleague_invitations_organisation_status",
                  table_name="colleague_invitations")
    op.drop_index(op.f("ix_colleague_invitations_status"), table_name="colleague_invitations")
    op.drop_index(op.f("ix_colleague_invitations_email"), table_name="colleague_invitations")
    op.drop_table("colleague_invitations")
