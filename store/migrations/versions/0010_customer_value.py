"""customer value: purchases, RFM scores, and manual overrides of tier and lifecycle stage

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07 23:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

_TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "purchases",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("customer_id", sa.Integer(), sa.ForeignKey("customers.id"), nullable=False, index=True),
        sa.Column("occurred_at", _TZ, nullable=False),
        sa.Column("amount", sa.Float(), nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("external_id", sa.String(128), nullable=False),
        sa.UniqueConstraint("source", "external_id"),
    )
    for column in (
        sa.Column("rfm_r", sa.Integer(), nullable=True),
        sa.Column("rfm_f", sa.Integer(), nullable=True),
        sa.Column("rfm_m", sa.Integer(), nullable=True),
        sa.Column("value_tier_override", sa.String(32), nullable=True),
        sa.Column("lifecycle_override", sa.String(32), nullable=True),
        sa.Column("scored_at", _TZ, nullable=True),
    ):
        op.add_column("customers", column)


def downgrade() -> None:
    with op.batch_alter_table("customers", schema=None) as batch_op:
        for name in ("scored_at", "lifecycle_override", "value_tier_override", "rfm_m", "rfm_f", "rfm_r"):
            batch_op.drop_column(name)
    op.drop_table("purchases")
