"""Chinese full-text search over utterances: FTS5 on SQLite, a GIN-indexed tsvector on PostgreSQL.

Both index `utterances.search_tokens` (nlp/search.py: jieba words plus single characters, simplified),
so both databases answer the same query the same way: every query word must occur.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func, select, text
from sqlalchemy.orm import Session, selectinload

from nlp.search import query_terms
from store.models import Interaction, Utterance


@dataclass(frozen=True)
class SearchHit:
    """One utterance that matched, with where it lives."""

    utterance: Utterance
    interaction: Interaction


def _matching_ids(session: Session, terms: list[str]) -> Select[Any]:
    if session.get_bind().dialect.name == "sqlite":
        # Each term quoted: FTS5 query syntax characters in user input stay literal.
        match = " ".join('"' + t.replace('"', '""') + '"' for t in terms)
        return (
            select(text("rowid"))
            .select_from(text("utterance_fts"))
            .where(text("utterance_fts MATCH :q"))
            .params(q=match)
        )
    vector = func.to_tsvector("simple", func.coalesce(Utterance.search_tokens, ""))
    query = func.plainto_tsquery("simple", " ".join(terms))
    return select(Utterance.id).where(vector.op("@@")(query))


def search_utterances(
    session: Session, query: str, branch_ids: frozenset[int] | None, limit: int = 50
) -> tuple[list[SearchHit], list[str]]:
    """Utterances containing every word of `query`, newest interaction first, within the branches given."""
    terms = query_terms(query)
    if not terms:
        return [], terms
    statement = (
        select(Utterance, Interaction)
        .join(Interaction, Utterance.interaction_id == Interaction.id)
        .where(Utterance.id.in_(_matching_ids(session, terms)))
        .options(selectinload(Utterance.tags), selectinload(Interaction.branch), selectinload(Interaction.customer))
        .order_by(Interaction.occurred_at.desc(), Utterance.start)
        .limit(limit)
    )
    if branch_ids is not None:
        statement = statement.where(Interaction.branch_id.in_(branch_ids))
    return [SearchHit(u, i) for u, i in session.execute(statement).all()], terms
