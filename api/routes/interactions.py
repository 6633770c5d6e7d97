"""One interaction with its utterances, tags and complaints."""

from fastapi import APIRouter

from api.deps import Reviewer, SessionDep
from api.schemas import InteractionOut
from store.audit import record
from store.repository import get_interaction

router = APIRouter(prefix="/interactions", tags=["interactions"])


@router.get("/{interaction_id}", response_model=InteractionOut)
def interaction_detail(interaction_id: int, session: SessionDep, caller: Reviewer) -> InteractionOut:
    """Utterances in time order with role, redacted text, sentiment, intent and keywords."""
    interaction = get_interaction(session, interaction_id)
    caller.check(interaction.branch_id, "interaction", interaction_id)
    record(session, caller, "interaction.read", "interaction", interaction.id, interaction.branch_id)
    return InteractionOut.of(interaction)
