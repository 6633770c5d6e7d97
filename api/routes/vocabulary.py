"""The domain vocabulary, for admins: read it, replace it, and see what Whisper gets for a branch.

A change applies to the next recording without a restart: workers read the file again when it
changes (zhtext/vocabulary.py). With workers on several machines the data directory, where the
file lives by default, is the shared one the audio store already uses.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from api.deps import Admin, ServicesDep, SessionDep, SettingsDep
from core.settings import Settings
from store.audit import record
from transcribe.service import vocabulary
from zhtext.vocabulary import Vocabulary, save_vocabulary

router = APIRouter(prefix="/vocabulary", tags=["vocabulary"])

MAX_VOCABULARY_CHARS = 200_000


class VocabularyIn(BaseModel):
    text: str = Field(max_length=MAX_VOCABULARY_CHARS, description="the whole file: one term per line, [sections]")


class VocabularyOut(BaseModel):
    path: str
    text: str
    sections: dict[str, list[str]] = Field(description="your terms by section ('' for every recording)")
    built_in: dict[str, list[str]] = Field(description="the built-in terms by industry")


class HotwordsOut(BaseModel):
    branch: str | None
    industry: str
    hotwords: list[str]
    tokens: int
    budget: int


def _out(settings: Settings, current: Vocabulary) -> VocabularyOut:
    path = settings.vocabulary_path
    return VocabularyOut(
        path=str(path),
        text=path.read_text(encoding="utf-8") if path.exists() else "",
        sections={name: list(terms) for name, terms in current.user.terms.items()},
        built_in={name: list(terms) for name, terms in current.built_in.terms.items()},
    )


@router.get("", response_model=VocabularyOut)
def read_vocabulary(settings: SettingsDep, _caller: Admin) -> VocabularyOut:
    """The vocabulary file as it reads now, its sections, and the built-in terms."""
    return _out(settings, vocabulary(settings))


@router.put("", response_model=VocabularyOut)
def replace_vocabulary(body: VocabularyIn, session: SessionDep, settings: SettingsDep, caller: Admin) -> VocabularyOut:
    """Replace the file (a bad section header is refused with its line number); the next recording uses it."""
    current = save_vocabulary(settings.vocabulary_path, body.text)
    terms = sum(len(t) for t in current.user.terms.values())
    record(session, caller, "vocabulary.update", "vocabulary", None, None, terms=terms)
    return _out(settings, current)


@router.get("/hotwords", response_model=HotwordsOut)
def hotwords(
    settings: SettingsDep,
    services: ServicesDep,
    _caller: Admin,
    branch: Annotated[str | None, Query(max_length=64)] = None,
) -> HotwordsOut:
    """The hotwords Whisper gets for a recording of `branch` (none: a recording with no branch)."""
    current = vocabulary(settings)
    count = getattr(services.transcriber, "token_count", None)
    chosen = current.hotwords(branch, settings.asr_industry, settings.asr_hotword_tokens, count)
    words = chosen.split() if chosen else []
    tokens = (count or (lambda t: len(t.encode())))(" " + " ".join(words)) if words else 0
    return HotwordsOut(
        branch=branch,
        industry=current.industry_of(branch, settings.asr_industry),
        hotwords=words,
        tokens=tokens,
        budget=settings.asr_hotword_tokens,
    )
