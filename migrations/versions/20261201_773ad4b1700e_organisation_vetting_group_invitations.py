"""organisation vetting; group membership by invitation, with consent to share contact details

Organisations get a vetting status (pending / approved / rejected) with the coordinator's
decision; the organisations that exist already were working, so they are approved. Group
members get the states "invited" and "declined" and the member's consent to show their
contact details to the group's chair and secretary.

Revision ID: 773ad4b1700e
Revises: a636440add56
Create Date: 2026-12-01 21:50:00
"""

import sqlalchemy as sa
from alembic import op

import app.common.types

revision = "773ad4b1700e"
down_revision = "a636440add56"
branch_labels = None
depends_on = None

ORGANISATION_STATUSES = "status IN ('pending', 'approved', 'rejected')"
MEMBER_STATUSES_NEW = "status IN ('invited', 'active', 'left', 'declined')"
MEMBER_STATUSES_OLD = "status IN ('active', 'left')"


def upgrade():
    with op.batch_alter_table("organisations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("status", sa.String(length=12), nullable=False,
                                      server_default="approved"))
        batch_op.add_column(sa.Column("decided_at", app.common.types.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column("decided_by_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("decision_reason", sa.Text(), nullable=False,
                                      server_default=""))
        batch_op.create_foreign_key(batch_op.f("fk_organisations_decided_by_id_users"),
                                    "users", ["decided_by_id"], ["id"])
        batch_op.create_index(batch_op.f("ix_organisations_status"), ["status"], unique=False)
        batch_op.create_check_constraint(batch_op.f("ck_organisations_status_known"),
                                         ORGANISATION_STATUSES)
    with op.batch_alter_table("organisations", schema=None) as batch_op:
        batch_op.alter_column("status", server_default=None)
        batch_op.alter_column("decision_reason", server_default=None)

    with op.batch_alter_table("group_members", schema=None) as batch_op:
        batch_op.add_column(sa.Column("shares_contact", sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
        batch_op.drop_constraint(batch_op.f("ck_group_members_status_known"), type_="check")
        batch_op.create_check_constraint(batch_op.f("ck_group_members_status_known"),
                                         MEMBER_STATUSES_NEW)
    with op.batch_alter_table("group_members", schema=None) as batch_op:
        batch_op.alter_column("shares_contact", server_default=None)


def downgrade():
    op.execute("DELETE FROM group_members WHERE status IN ('invited', 'declined')")
    with op.batch_alter_table("group_members", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_group_members_status_known"), type_="check")
        batch_op.create_check_constraint(batch_op.f("ck_group_members_status_known"),
                                         MEMBER_STATUSES_OLD)
        batch_op.drop_column("shares_contact")
    with op.batch_alter_table("organisations", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_organisations_status_known"), type_="check")
        batch_op.drop_index(batch_op.f("ix_organisations_status"))
        batch_op.drop_constraint(batch_op.f("fk_organisations_decided_by_id_users"),
                                 type_="foreignkey")
        batch_op.drop_column("decision_reason")
        batch_op.drop_column("decided_by_id")
        batch_op.drop_column("decided_at")
        batch_op.drop_column("status")
