"""The domain vocabulary: banking, telecom, insurance and retail terms.

One list feeds both Whisper (as hotwords, so the decoder prefers these spellings — 客服 not 克服)
and jieba (so the tokenizer keeps them whole).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from kesheng.errors import ConfigError

DEFAULT_TERMS_FILE = Path(__file__).parent / "data" / "domain_terms.txt"


@dataclass(frozen=True)
class Vocabulary:
    """Domain terms without duplicates: the user's own (KESHENG_VOCABULARY_FILE) first, then the built-in ones."""

    terms: tuple[str, ...]

    def hotwords(self, limit: int = 40) -> str:
        """Terms joined for Whisper's `hotwords`. Its prompt budget is short, so the list is capped, and the
        user's terms come first: a built-in term never pushes one of theirs out."""
        return " ".join(self.terms[:limit])


def _read_terms(path: Path) -> list[str]:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read vocabulary file {path}: {exc}") from exc
    return [line.split()[0] for line in lines if line.strip() and not line.lstrip().startswith("#")]


@lru_cache
def load_vocabulary(extra_file: Path | None = None) -> Vocabulary:
    """The terms of `extra_file` (KESHENG_VOCABULARY_FILE), then the built-in ones."""
    terms = _read_terms(Path(extra_file)) if extra_file is not None else []
    terms += _read_terms(DEFAULT_TERMS_FILE)
    return Vocabulary(tuple(dict.fromkeys(terms)))
