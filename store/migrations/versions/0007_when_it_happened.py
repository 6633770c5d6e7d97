"""when it happened: a recording's own creation time, and where an interaction's time came from

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07 22:20:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("recordings", sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=True))
    # Interactions stored before this are left without a source: nobody recorded where their time came from.
    op.add_column("interactions", sa.Column("time_source", sa.String(8), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("interactions", schema=None) as batch_op:
        batch_op.drop_column("time_source")
    with op.batch_alter_table("recordings", schema=None) as batch_op:
        batch_op.drop_column("recorded_at")
