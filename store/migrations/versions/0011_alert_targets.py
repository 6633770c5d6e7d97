"""alert targets: the webhook, a 企业微信 (WeCom) group robot, a 钉钉 (DingTalk) group robot

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07 23:10:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("webhook_deliveries", sa.Column("target", sa.String(16), nullable=False, server_default="webhook"))


def downgrade() -> None:
    with op.batch_alter_table("webhook_deliveries", schema=None) as batch_op:
        batch_op.drop_column("target")
