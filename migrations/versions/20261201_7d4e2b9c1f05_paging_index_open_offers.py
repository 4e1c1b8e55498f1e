"""paging index: the expert's open offers by their deadline

Revision ID: 7d4e2b9c1f05
Revises: 21adbf75fa68
Create Date: 2026-12-01 22:30:00
"""

from alembic import op

revision = "7d4e2b9c1f05"
down_revision = "21adbf75fa68"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_invitations_expert_id_status_expires_at_id", "invitations",
                    ["expert_id", "status", "expires_at", "id"])


def downgrade():
    op.drop_index("ix_invitations_expert_id_status_expires_at_id", table_name="invitations")
