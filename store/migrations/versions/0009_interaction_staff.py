"""who served the customer: the staff member or call agent of an interaction

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07 22:50:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("interactions", sa.Column("staff", sa.String(128), nullable=True))
    op.create_index("ix_interactions_staff", "interactions", ["staff"])


def downgrade() -> None:
    op.drop_index("ix_interactions_staff", "interactions")
    with op.batch_alter_table("interactions", schema=None) as batch_op:
        batch_op.drop_column("staff")
