"""Chinese full-text search over transcripts."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from sqlalchemy.orm import Session

from api.deps import Reviewer, SessionDep
from api.schemas import SearchHitOut, SearchOut
from nlp.pii import redact
from store.audit import record
from store.auth import Principal
from store.search import SearchHit, search_utterances

router = APIRouter(prefix="/search", tags=["search"])


def read_search(session: Session, caller: Principal, q: str, limit: int = 50) -> tuple[list[SearchHit], list[str]]:
    """Search in the caller's branches, audited with the query redacted like everything else."""
    hits, terms = search_utterances(session, q, caller.branch_ids, limit)
    record(session, caller, "search", "utterance", None, None, query=redact(q), hits=len(hits))
    return hits, terms


@router.get("", response_model=SearchOut)
def search(
    session: SessionDep,
    caller: Reviewer,
    q: Annotated[str, Query(min_length=1, max_length=200, description="words, simplified or traditional")],
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> SearchOut:
    """Utterances containing every word of `q` (jieba-tokenised), newest first, in the caller's branches."""
    hits, terms = read_search(session, caller, q, limit)
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
