"""One utterance: its audio (personal data beeped) and the reviewer's tag corrections."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response
from sqlalchemy.orm import Session

from api.deps import Reviewer, ServicesDep, SessionDep
from api.schemas import TagFixIn, UtteranceOut
from core.errors import GoneError
from pipeline.pii_audio import utterance_wav
from store.audit import record
from store.auth import Principal
from store.corrections import TagFix, correct_tags
from store.models import Utterance
from store.repository import get_utterance, utterance_recording

router = APIRouter(prefix="/utterances", tags=["utterances"])


def visible_utterance(session: Session, caller: Principal, utterance_id: int) -> Utterance:
    """An utterance of an interaction in the caller's branches (404 otherwise)."""
    utterance = get_utterance(session, utterance_id)
    caller.check(utterance.interaction.branch_id, "utterance", utterance_id)
    return utterance


@router.get("/{utterance_id}/audio", response_class=Response, responses={200: {"content": {"audio/wav": {}}}})
def utterance_audio(utterance_id: int, session: SessionDep, services: ServicesDep, caller: Reviewer) -> Response:
    """The utterance as 16 kHz WAV, with spoken phone, ID and card numbers replaced by a beep."""
    utterance = visible_utterance(session, caller, utterance_id)
    interaction = utterance.interaction
    recording, offset = utterance_recording(session, utterance)
    if recording is None or recording.purged_at is not None:
        raise GoneError("audio", utterance_id, "deleted under the retention policy; the transcript remains")
    stereo = recording.channels == 2 and any(u.channel > 0 for u in interaction.utterances)
    spans = [[a - offset, b - offset] for a, b in (utterance.pii_spans or [])]
    wav = utterance_wav(
        services.audio_store.path(recording.path),
        utterance.channel,
        utterance.start - offset,
        utterance.end - offset,
        spans,
        stereo,
    )
    record(session, caller, "audio.read", "utterance", utterance.id, interaction.branch_id, beeped=len(spans))
    return Response(wav, media_type="audio/wav", headers={"Cache-Control": "no-store"})


@router.put("/{utterance_id}/tags", response_model=UtteranceOut)
def utterance_tags(
    utterance_id: int, body: TagFixIn, session: SessionDep, services: ServicesDep, caller: Reviewer
) -> UtteranceOut:
    """Fix sentiment, intent or the complaint decision; kept as labelled data for `kesheng nlp train`."""
    utterance = visible_utterance(session, caller, utterance_id)
    fix = TagFix(**body.model_dump())
    complaints = correct_tags(session, utterance, fix, caller, services.settings)
    record(
        session,
        caller,
        "tags.update",
        "utterance",
        utterance.id,
        utterance.interaction.branch_id,
        **body.model_dump(exclude_none=True),
        complaints=[c.id for c in complaints],
    )
    return UtteranceOut.of(utterance)
