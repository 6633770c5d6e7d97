"""The domain vocabulary: the user's terms (per branch and industry where configured) and the built-in ones.

Every term goes to jieba (kept whole) and to the correction step (transcribe/correction.py). Whisper
gets a short list as hotwords, chosen for the recording: the terms of its branch, the user's general
terms, then the terms of its industry, until the prompt budget is spent; a term is never cut in half
and a built-in term never pushes out one of the user's. The user's file is read again when it
changes, so an edit (by hand or through the admin API) applies to the next recording without a
restart.

File format, one term per line (an optional jieba frequency and POS may follow after a space):

    招财宝                 # every recording
    [industry bank]        # recordings of bank branches (KESHENG_ASR_INDUSTRY or a branch line)
    安心贷
    [branch BJ001 bank]    # recordings of branch BJ001, which is a bank branch
    朝阳门支行
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from types import MappingProxyType

from core.errors import ConfigError

DEFAULT_TERMS_FILE = Path(__file__).parent / "data" / "domain_terms.txt"
GENERAL = ""  # the section of terms before any header
ALL_INDUSTRIES = "all"
COMMON = "common"  # built-in terms every industry shares
# Whisper keeps at most n_text_ctx // 2 - 1 = 223 hotword tokens and silently drops the rest.
WHISPER_HOTWORD_TOKENS = 223


@dataclass(frozen=True)
class Sections:
    """Terms of one file by section: GENERAL, "industry NAME" and "branch CODE"."""

    terms: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    branch_industry: Mapping[str, str] = field(default_factory=dict)

    def get(self, section: str) -> tuple[str, ...]:
        return self.terms.get(section, ())

    def industries(self) -> list[str]:
        return [name.split(" ", 1)[1] for name in self.terms if name.startswith("industry ")]


@dataclass(frozen=True)
class Vocabulary:
    """The user's sections and the built-in ones; `terms` is every term once, the user's first."""

    user: Sections
    built_in: Sections

    @property
    def terms(self) -> tuple[str, ...]:
        every = [t for terms in self.user.terms.values() for t in terms]
        every += [t for terms in self.built_in.terms.values() for t in terms]
        return tuple(dict.fromkeys(every))

    def industry_of(self, branch: str | None, default: str = "") -> str:
        """The branch's industry from its `[branch CODE industry]` line, else `default`."""
        return self.user.branch_industry.get(branch or "", "") or default

    def candidates(self, branch: str | None = None, industry: str = "") -> tuple[str, ...]:
        """Hotword candidates for one recording, most specific first.

        The branch's terms, the user's general terms, the user's and the built-in terms of the
        recording's industry, then the built-in common terms (only when an industry is known: on
        general speech built-in hotwords cost accuracy).
        """
        industry = self.industry_of(branch, industry)
        chosen = [*self.user.get(f"branch {branch}"), *self.user.get(GENERAL)] if branch else [*self.user.get(GENERAL)]
        if industry == ALL_INDUSTRIES:
            chosen += [t for name in self.user.industries() for t in self.user.get(f"industry {name}")]
            chosen += [t for terms in self.built_in.terms.values() for t in terms]
        elif industry:
            chosen += [*self.user.get(f"industry {industry}"), *self.built_in.get(f"industry {industry}")]
            chosen += self.built_in.get(f"industry {COMMON}")
        return tuple(dict.fromkeys(chosen))

    def hotwords(
        self,
        branch: str | None = None,
        industry: str = "",
        budget: int = WHISPER_HOTWORD_TOKENS,
        count: Callable[[str], int] | None = None,
    ) -> str | None:
        """Whole terms, in candidates() order, while their tokens fit the budget; None when there are none.

        `count` is the model's token count of a text; without it a term's UTF-8 bytes are used, which
        byte-level BPE never exceeds.
        """
        count = count or (lambda text: len(text.encode()))
        chosen: list[str] = []
        for term in self.candidates(branch, industry):
            if count(" " + " ".join([*chosen, term])) > budget:
                continue  # a shorter term further down may still fit
            chosen.append(term)
        return " ".join(chosen) or None


def parse_terms(text: str, origin: str = "vocabulary") -> Sections:
    """Sections of a vocabulary file's text; a bad header is a ConfigError naming its line."""
    terms: dict[str, list[str]] = {GENERAL: []}
    branch_industry: dict[str, str] = {}
    section = GENERAL
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        if line.startswith("["):
            words = line.strip("[]").split()
            if not line.endswith("]") or not words or words[0] not in ("industry", "branch") or len(words) > 3:
                raise ConfigError(
                    f"{origin} line {number}: {raw.strip()!r} is not a section header "
                    "([industry NAME], [branch CODE] or [branch CODE INDUSTRY])"
                )
            if words[0] == "industry" and len(words) != 2:
                raise ConfigError(f"{origin} line {number}: [industry NAME] takes one name")
            if len(words) < 2:
                raise ConfigError(f"{origin} line {number}: {words[0]} needs a name")
            section = f"{words[0]} {words[1]}"
            if len(words) == 3:
                branch_industry[words[1]] = words[2]
            terms.setdefault(section, [])
            continue
        terms[section].append(line.split()[0])
    unique = {name: tuple(dict.fromkeys(values)) for name, values in terms.items()}
    return Sections(MappingProxyType(unique), MappingProxyType(branch_industry))


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read vocabulary file {path}: {exc}") from exc


_cache: dict[Path | None, tuple[tuple[int, int], Vocabulary]] = {}
_lock = threading.Lock()


def _signature(path: Path | None) -> tuple[int, int]:
    if path is None:
        return (0, 0)
    try:
        stat = path.stat()
    except FileNotFoundError:
        return (-1, -1)
    except OSError as exc:
        raise ConfigError(f"cannot read vocabulary file {path}: {exc}") from exc
    return (stat.st_mtime_ns, stat.st_size)


def load_vocabulary(user_file: Path | None = None, missing_ok: bool = False) -> Vocabulary:
    """The vocabulary with `user_file`'s terms, read again whenever the file changes (a stat per call).

    A named file that does not exist is a ConfigError, unless `missing_ok` (the default file in the
    data directory, which the admin API creates on first edit).
    """
    path = Path(user_file) if user_file is not None else None
    signature = _signature(path)
    with _lock:
        cached = _cache.get(path)
        if cached is not None and cached[0] == signature:
            return cached[1]
    if path is not None and signature == (-1, -1) and not missing_ok:
        raise ConfigError(f"vocabulary file {path} does not exist")
    text = _read(path) if path is not None and signature != (-1, -1) else ""
    vocabulary = Vocabulary(parse_terms(text, str(path)), _built_in())
    with _lock:
        _cache[path] = (signature, vocabulary)
    return vocabulary


def save_vocabulary(path: Path, text: str) -> Vocabulary:
    """Check and write a new vocabulary file atomically; the next recording uses it."""
    parse_terms(text, "the new vocabulary")  # a bad file is refused before anything is written
    tmp = path.with_name(path.name + ".tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
    except OSError as exc:
        raise ConfigError(f"cannot write vocabulary file {path}: {exc}") from exc
    return load_vocabulary(path)


@cache
def _built_in() -> Sections:
    return parse_terms(_read(DEFAULT_TERMS_FILE), str(DEFAULT_TERMS_FILE))
