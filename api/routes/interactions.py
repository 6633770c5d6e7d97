"""One interaction with its utterances, tags and cases; an admin corrects what its import was told."""

from fastapi import APIRouter

from api.deps import Admin, Reviewer, SessionDep, SettingsDep
from api.schemas import InteractionFixIn, InteractionOut
from core.errors import InvalidRequestError
from core.times import parse_time, zone
from store.audit import record
from store.interactions import MetadataFix, correct_metadata
from store.repository import get_interaction

router = APIRouter(prefix="/interactions", tags=["interactions"])


@router.get("/{interaction_id}", response_model=InteractionOut)
def interaction_detail(interaction_id: int, session: SessionDep, caller: Reviewer) -> InteractionOut:
    """Utterances in time order with role, redacted text, sentiment, intent and keywords."""
    interaction = get_interaction(session, interaction_id)
    caller.check(interaction.branch_id, "interaction", interaction_id)
    record(session, caller, "interaction.read", "interaction", interaction.id, interaction.branch_id)
    return InteractionOut.of(interaction)


@router.patch("/{interaction_id}", response_model=InteractionOut)
def interaction_fix(
    interaction_id: int, body: InteractionFixIn, session: SessionDep, settings: SettingsDep, caller: Admin
) -> InteractionOut:
    """Correct the customer, branch or time an import was given, without importing it again; the cases
    first heard in it follow, and cases are dated again from the corrected time."""
    interaction = get_interaction(session, interaction_id)
    try:
        when = parse_time(body.occurred_at, zone(settings.display_timezone)) if body.occurred_at else None
    except ValueError as exc:
        raise InvalidRequestError(f"occurred_at: {exc}") from exc
    fix = MetadataFix(customer=body.customer or None, branch=body.branch or None, occurred_at=when)
    changed = correct_metadata(session, interaction, fix, settings)
    # the audit row names what changed, not the values (a customer id is personal data)
    record(session, caller, "interaction.update", "interaction", interaction.id, interaction.branch_id, fields=changed)
    return InteractionOut.of(get_interaction(session, interaction_id))
