"""review workspace: users, tokens, audit log, tag corrections, webhooks, search, retention

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-24 06:50:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

_TZ = sa.DateTime(timezone=True)

# The audit log is append-only in the database itself, not only by convention in the code.
_SQLITE_AUDIT_GUARDS = [
    f"CREATE TRIGGER audit_log_no_{verb.lower()} BEFORE {verb} ON audit_log "
    "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END"
    for verb in ("UPDATE", "DELETE")
]
_PG_AUDIT_GUARD = [
    """CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN RAISE EXCEPTION 'audit_log is append-only'; END $$""",
    "CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log "
    "FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()",
]
# SQLite full-text search: an external-content FTS5 table over utterances.search_tokens, kept in
# step by triggers (https://sqlite.org/fts5.html#external_content_tables).
_SQLITE_FTS = [
    "CREATE VIRTUAL TABLE utterance_fts USING fts5(search_tokens, content='utterances', content_rowid='id')",
    "CREATE TRIGGER utterance_fts_insert AFTER INSERT ON utterances BEGIN "
    "INSERT INTO utterance_fts(rowid, search_tokens) VALUES (new.id, new.search_tokens); END",
    "CREATE TRIGGER utterance_fts_delete AFTER DELETE ON utterances BEGIN "
    "INSERT INTO utterance_fts(utterance_fts, rowid, search_tokens) VALUES ('delete', old.id, old.search_tokens); END",
    "CREATE TRIGGER utterance_fts_update AFTER UPDATE OF search_tokens ON utterances BEGIN "
    "INSERT INTO utterance_fts(utterance_fts, rowid, search_tokens) VALUES ('delete', old.id, old.search_tokens); "
    "INSERT INTO utterance_fts(rowid, search_tokens) VALUES (new.id, new.search_tokens); END",
]
_PG_FTS = [
    "CREATE INDEX ix_utterances_search ON utterances USING gin (to_tsvector('simple', coalesce(search_tokens, '')))"
]


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("username", sa.String(64), nullable=False, unique=True),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("password_hash", sa.String(200), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", _TZ, nullable=False),
    )
    op.create_table(
        "user_scopes",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=False, index=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("value", sa.String(100), nullable=False),
        sa.UniqueConstraint("user_id", "kind", "value"),
    )
    op.create_table(
        "user_tokens",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=False, index=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("csrf", sa.String(64), nullable=True),
        sa.Column("created_at", _TZ, nullable=False),
        sa.Column("expires_at", _TZ, nullable=True),
        sa.Column("revoked_at", _TZ, nullable=True),
    )
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("at", _TZ, nullable=False, index=True),
        sa.Column("actor", sa.String(64), nullable=False, index=True),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("action", sa.String(64), nullable=False, index=True),
        sa.Column("object_type", sa.String(32), nullable=False),
        sa.Column("object_id", sa.String(64), nullable=True),
        sa.Column("branch_id", sa.Integer(), nullable=True),
        sa.Column("detail", sa.JSON(), nullable=False),
    )
    op.create_table(
        "tag_corrections",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("utterance_id", sa.Integer(), sa.ForeignKey("utterances.id"), nullable=False, index=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("old_label", sa.String(64), nullable=True),
        sa.Column("new_label", sa.String(64), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("reviewer", sa.String(64), nullable=False),
        sa.Column("created_at", _TZ, nullable=False),
    )
    op.create_table(
        "webhook_deliveries",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("complaint_id", sa.Integer(), sa.ForeignKey("complaints.id", ondelete="SET NULL"), nullable=True),
        sa.Column("event", sa.String(64), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", _TZ, nullable=False),
        sa.Column("last_status_code", sa.Integer(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", _TZ, nullable=False),
        sa.Column("delivered_at", _TZ, nullable=True),
    )
    op.create_index("ix_webhook_deliveries_status_next", "webhook_deliveries", ["status", "next_attempt_at"])
    with op.batch_alter_table("recordings") as batch:
        batch.add_column(sa.Column("purged_at", _TZ, nullable=True))
    with op.batch_alter_table("utterances") as batch:
        batch.add_column(sa.Column("pii_spans", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("search_tokens", sa.Text(), nullable=True))

    sqlite = op.get_bind().dialect.name == "sqlite"
    for statement in (_SQLITE_AUDIT_GUARDS + _SQLITE_FTS) if sqlite else (_PG_AUDIT_GUARD + _PG_FTS):
        op.execute(statement)
    _index_existing_utterances()


def _index_existing_utterances() -> None:
    from nlp.search import search_tokens  # the same tokeniser the pipeline writes with

    bind = op.get_bind()
    rows = bind.execute(sa.text("SELECT id, text FROM utterances")).all()
    for row_id, text in rows:
        bind.execute(
            sa.text("UPDATE utterances SET search_tokens = :t WHERE id = :i"), {"t": search_tokens(text), "i": row_id}
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for name in ("utterance_fts_insert", "utterance_fts_delete", "utterance_fts_update"):
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
        op.execute("DROP TABLE IF EXISTS utterance_fts")
    else:
        op.execute("DROP INDEX IF EXISTS ix_utterances_search")
        op.execute("DROP TRIGGER IF EXISTS audit_log_append_only ON audit_log")
        op.execute("DROP FUNCTION IF EXISTS audit_log_append_only()")
    with op.batch_alter_table("utterances") as batch:
        batch.drop_column("search_tokens")
        batch.drop_column("pii_spans")
    with op.batch_alter_table("recordings") as batch:
        batch.drop_column("purged_at")
    for table in ("webhook_deliveries", "tag_corrections", "audit_log", "user_tokens", "user_scopes", "users"):
        op.drop_table(table)
