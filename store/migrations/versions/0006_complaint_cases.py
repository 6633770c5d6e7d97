"""complaint cases: one row per customer problem, with its evidence utterances, contacts and history

Until now every complaining sentence was its own complaint row, so one complaint told over two
sentences showed as two queue rows with two alerts. Each interaction's rows become one case: the
first row is kept (its id, status, assignee and notes stay valid), the others' utterances become
its evidence, their notes and webhook deliveries move to it, its severity is the highest, and the
rows are removed. Cases are dated by their interaction's time, not by the import.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07 22:00:00
"""

from collections import defaultdict
from datetime import datetime, timedelta

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

_TZ = sa.DateTime(timezone=True)
_EPOCH = sa.text("'1970-01-01 00:00:00'")
_SEVERITY_ORDER = ("none", "low", "medium", "high")
_DUE_DAYS = {"high": 2, "medium": 7, "low": 15}  # KESHENG_CASE_DUE_DAYS' default


def upgrade() -> None:
    # Added NOT NULL with a placeholder default and filled below: SQLite cannot alter a column in
    # place, and rebuilding the table would break the notes' foreign keys.
    op.add_column("complaints", sa.Column("occurred_at", _TZ, nullable=False, server_default=_EPOCH))
    op.add_column("complaints", sa.Column("last_contact_at", _TZ, nullable=False, server_default=_EPOCH))
    op.add_column("complaints", sa.Column("contacts", sa.Integer(), nullable=False, server_default="1"))
    op.add_column("complaints", sa.Column("due_at", _TZ, nullable=True))
    op.create_table(
        "complaint_evidence",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("complaint_id", sa.Integer(), sa.ForeignKey("complaints.id"), nullable=False, index=True),
        sa.Column("utterance_id", sa.Integer(), sa.ForeignKey("utterances.id"), nullable=False, unique=True),
    )
    op.create_table(
        "complaint_events",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("complaint_id", sa.Integer(), sa.ForeignKey("complaints.id"), nullable=False, index=True),
        sa.Column("at", _TZ, nullable=False),
        sa.Column("actor", sa.String(128), nullable=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("detail", sa.String(500), nullable=True),
    )
    _merge_rows_into_cases(op.get_bind())
    op.create_index("ix_complaints_occurred_at", "complaints", ["occurred_at"])
    op.create_index("ix_complaints_due_at", "complaints", ["due_at"])


def _merge_rows_into_cases(connection: sa.Connection) -> None:
    rows = connection.execute(
        sa.text(
            "SELECT c.id, c.interaction_id, c.utterance_id, c.severity, c.text, c.created_at, i.occurred_at "
            "FROM complaints c JOIN interactions i ON i.id = c.interaction_id ORDER BY c.id"
        )
    ).all()
    by_interaction: dict[int, list] = defaultdict(list)  # type: ignore[type-arg]
    for row in rows:
        by_interaction[row.interaction_id].append(row)
    for group in by_interaction.values():
        case, others = group[0], group[1:]
        severity = max((r.severity for r in group), key=_SEVERITY_ORDER.index)
        summary = "\n".join(r.text for r in group)
        connection.execute(
            sa.text(
                "UPDATE complaints SET severity = :severity, text = :text, occurred_at = :at, "
                "last_contact_at = :at, due_at = :due WHERE id = :id"
            ),
            {
                "severity": severity,
                "text": summary,
                "at": case.occurred_at,
                "due": _due(case.occurred_at, severity),
                "id": case.id,
            },
        )
        for row in group:
            connection.execute(
                sa.text("INSERT INTO complaint_evidence (complaint_id, utterance_id) VALUES (:case, :utterance)"),
                {"case": case.id, "utterance": row.utterance_id},
            )
        connection.execute(
            sa.text("INSERT INTO complaint_events (complaint_id, at, kind, detail) VALUES (:case, :at, 'opened', :d)"),
            {"case": case.id, "at": case.created_at, "d": f"{len(group)} sentence(s), merged from complaint rows"},
        )
        ids = [r.id for r in others]
        if ids:
            params = {"case": case.id, "ids": ids}
            expanding = sa.bindparam("ids", expanding=True)
            for table in ("complaint_notes", "webhook_deliveries"):
                statement = sa.text(f"UPDATE {table} SET complaint_id = :case WHERE complaint_id IN :ids")
                connection.execute(statement.bindparams(expanding), params)
            delete = sa.text("DELETE FROM complaints WHERE id IN :ids").bindparams(expanding)
            connection.execute(delete, {"ids": ids})


def _due(occurred_at: object, severity: str) -> datetime | None:
    if severity not in _DUE_DAYS:
        return None
    at = occurred_at if isinstance(occurred_at, datetime) else datetime.fromisoformat(str(occurred_at))
    return at + timedelta(days=_DUE_DAYS[severity])


def downgrade() -> None:
    op.drop_table("complaint_events")
    op.drop_table("complaint_evidence")
    op.drop_index("ix_complaints_due_at", "complaints")
    op.drop_index("ix_complaints_occurred_at", "complaints")
    with op.batch_alter_table("complaints", schema=None) as batch_op:
        batch_op.drop_column("due_at")
        batch_op.drop_column("contacts")
        batch_op.drop_column("last_contact_at")
        batch_op.drop_column("occurred_at")
