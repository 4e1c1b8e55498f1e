"""paging indexes: payout queue, batch items, batches, invoices, feedback, groups

The approval queue per status, a batch's items by expert, the batches newest first, the
invoices (all, per status, per organisation) and the coordinators' feedback list newest first,
the participation groups by name.

Revision ID: 21adbf75fa68
Revises: 5e13a0c4b7d1
Create Date: 2026-12-01 19:30:00
"""

from alembic import op

revision = "21adbf75fa68"
down_revision = '5e13a0c4b7d1'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_payout_items_status_id", "payout_items", ["status", "id"])
    op.create_index("ix_payout_items_batch_id_expert_id_id", "payout_items",
                    ["batch_id", "expert_id", "id"])
    op.create_index("ix_payout_batches_created_at_id", "payout_batches", ["created_at", "id"])
    op.create_index("ix_invoices_created_at_id", "invoices", ["created_at", "id"])
    op.create_index("ix_invoices_status_created_at_id", "invoices", ["status", "created_at", "id"])
    op.create_index("ix_invoices_organisation_id_created_at_id", "invoices",
                    ["organisation_id", "created_at", "id"])
    op.create_index("ix_feedback_created_at_id", "feedback", ["created_at", "id"])
    op.create_index("ix_participation_groups_name_id", "participation_groups", ["name", "id"])


def downgrade():
    op.drop_index("ix_participation_groups_name_id", table_name="participation_groups")
    op.drop_index("ix_feedback_created_at_id", table_name="feedback")
    op.drop_index("ix_invoices_organisation_id_created_at_id", table_name="invoices")
    op.drop_index("ix_invoices_status_created_at_id", table_name="invoices")
    op.drop_index("ix_invoices_created_at_id", table_name="invoices")
    op.drop_index("ix_payout_batches_created_at_id", table_name="payout_batches")
    op.drop_index("ix_payout_items_batch_id_expert_id_id", table_name="payout_items")
    op.drop_index("ix_payout_items_status_id", table_name="payout_items")
