"""One interaction with its utterances, tags and complaints."""

from fastapi import APIRouter

from api.deps import CurrentPrincipal, SessionDep
from api.schemas import InteractionOut
from store.repository import get_interaction

router = APIRouter(prefix="/interactions", tags=["interactions"])


@router.get("/{interaction_id}", response_model=InteractionOut)
def interaction_detail(interaction_id: int, session: SessionDep, _caller: CurrentPrincipal) -> InteractionOut:
    """Utterances in time order with role, redacted text, sentiment, intent and keywords."""
    return InteractionOut.of(get_interaction(session, interaction_id))
