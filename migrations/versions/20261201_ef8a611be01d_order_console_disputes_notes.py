"""order console, dispute resolution, order notes

The coordinator's order console pages orders by their first session (index on
order_sessions); a coordinator may cancel with a reason; a disputed report keeps the
expert's reply and the coordinator's resolution; a disputed report may be voided (the
assignment state ``voided``); coordinators' notes on orders.

Revision ID: ef8a611be01d
Revises: d32d971b8fec
Create Date: 2026-12-01 21:50:00
"""

import sqlalchemy as sa
from alembic import op

import app.common.types

revision = "ef8a611be01d"
down_revision = "d32d971b8fec"
branch_labels = None
depends_on = None

STATES_BEFORE = ("booked", "reported", "cancelled_by_organisation", "cancelled_by_expert",
                 "confirmed", "disputed", "paid")


def _listed(values) -> str:
    return ", ".join(f"'{value}'" for value in values)


def upgrade():
    op.create_table(
        "order_notes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", app.common.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["author_id"], ["users.id"],
                                name=op.f("fk_order_notes_author_id_users")),
        sa.ForeignKeyConstraint(["order_id"], ["orders.id"], ondelete="CASCADE",
                                name=op.f("fk_order_notes_order_id_orders")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_order_notes")),
    )
    op.create_index("ix_order_notes_order_id_created_at_id", "order_notes",
                    ["order_id", "created_at", "id"])
    op.create_index("ix_order_sessions_position_starts_at_id", "order_sessions",
                    ["position", "starts_at", "id"])
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.add_column(sa.Column("cancel_reason", sa.String(length=500), nullable=True))
    with op.batch_alter_table("completion_reports", schema=None) as batch_op:
        batch_op.add_column(sa.Column("expert_reply", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("expert_replied_at", app.common.types.UTCDateTime(),
                                      nullable=True))
        batch_op.add_column(sa.Column("resolution", sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column("resolution_reason", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("resolved_at", app.common.types.UTCDateTime(),
                                      nullable=True))
        batch_op.add_column(sa.Column("resolved_by_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f("fk_completion_reports_resolved_by_id_users"),
                                    "users", ["resolved_by_id"], ["id"])
    with op.batch_alter_table("assignments", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_assignments_status_known"), type_="check")
        batch_op.create_check_constraint(batch_op.f("ck_assignments_status_known"),
                                         f"status IN ({_listed(STATES_BEFORE + ('voided',))})")


def downgrade():
    with op.batch_alter_table("assignments", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_assignments_status_known"), type_="check")
        batch_op.create_check_constraint(batch_op.f("ck_assignments_status_known"),
                                         f"status IN ({_listed(STATES_BEFORE)})")
    with op.batch_alter_table("completion_reports", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_completion_reports_resolved_by_id_users"),
                                 type_="foreignkey")
        for column in ("resolved_by_id", "resolved_at", "resolution_reason", "resolution",
                       "expert_replied_at", "expert_reply"):
            batch_op.drop_column(column)
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.drop_column("cancel_reason")
    op.drop_index("ix_order_sessions_position_starts_at_id", table_name="order_sessions")
    op.drop_index("ix_order_notes_order_id_created_at_id", table_name="order_notes")
    op.drop_table("order_notes")
