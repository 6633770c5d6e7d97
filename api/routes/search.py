"""Chinese full-text search over transcripts."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from api.deps import Reviewer, SessionDep
from api.schemas import SearchHitOut, SearchOut
from nlp.pii import redact
from store.audit import record
from store.search import search_utterances

router = APIRouter(prefix="/search", tags=["search"])


@router.get("", response_model=SearchOut)
def search(
    session: SessionDep,
    caller: Reviewer,
    q: Annotated[str, Query(min_length=1, max_length=200, description="words, simplified or traditional")],
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> SearchOut:
    """Utterances containing every word of `q` (jieba-tokenised), newest first, in the caller's branches."""
    hits, terms = search_utterances(session, q, caller.branch_ids, limit)
    # The audit keeps what was searched for, redacted like everything else.
    record(session, caller, "search", "utterance", None, None, query=redact(q), hits=len(hits))
    return SearchOut(
        query=q,
        terms=terms,
        hits=[
            SearchHitOut(
                utterance_id=h.utterance.id,
                interaction_id=h.interaction.id,
                complaint_ids=[c.id for c in h.interaction.complaints if c.utterance_id == h.utterance.id],
                customer=h.interaction.customer.external_id if h.interaction.customer else None,
                branch=h.interaction.branch.code if h.interaction.branch else None,
                channel=h.interaction.channel,
                occurred_at=h.interaction.occurred_at,
                role=h.utterance.role,
                text=h.utterance.text,
            )
            for h in hits
        ],
    )
