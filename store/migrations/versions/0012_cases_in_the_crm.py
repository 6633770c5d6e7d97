"""cases in the CRM: the record a case was pushed to, and the status it was last told

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07 23:20:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("complaints", sa.Column("crm_id", sa.String(64), nullable=True))
    op.add_column("complaints", sa.Column("crm_status", sa.String(16), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("complaints", schema=None) as batch_op:
        batch_op.drop_column("crm_status")
        batch_op.drop_column("crm_id")
