"""index: assignments in one state in time order ("what needs you now", the console)

Revision ID: 9b7f3c2e4d61
Revises: 5e1c0a7b9d24
Create Date: 2026-12-02 02:30:00
"""

from alembic import op

revision = "9b7f3c2e4d61"
down_revision = "5e1c0a7b9d24"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_assignments_status_starts_at_id", "assignments",
                    ["status", "starts_at", "id"])


def downgrade():
    op.drop_index("ix_assignments_status_starts_at_id", table_name="assignments")
