"""The `kesheng analyze` input stream: plain text or JSON lines in, one JSON object per line out.

A line is either plain text (analysed alone, as it always was) or a JSON object
`{"conversation": "c1", "role": "staff|customer|unknown", "text": "..."}`. Consecutive lines with
the same conversation id are analysed together, each after the turn before it, and (with cases)
followed by one `{"conversation": ..., "case": {...}}` line. A line that cannot be analysed gives
`{"line": N, "error": "..."}` in its place; the other lines are still answered. Blank lines are
skipped.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from nlp.analyzer import Analyzer

MAX_CHARS = 10_000  # one utterance; longer input is not speech from one turn
ROLES = ("staff", "customer", "unknown")


@dataclass(frozen=True)
class Line:
    """One input line that can be analysed."""

    number: int
    text: str
    role: str = "unknown"
    conversation: str | None = None


@dataclass(frozen=True)
class LineError:
    """One input line that cannot be, and why."""

    number: int
    error: str

    def to_json(self) -> dict[str, Any]:
        """The line's place in the output."""
        return {"line": self.number, "error": self.error}


def parse_line(number: int, raw: bytes) -> Line | LineError | None:
    """A line of input (bytes, without its newline); None for a blank line."""
    try:
        decoded = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return LineError(number, f"not UTF-8 text (byte {exc.start})")
    text = decoded.removeprefix("\ufeff").rstrip("\r\n")
    if not text.strip():
        return None
    if "\x00" in text:
        return LineError(number, "binary data (NUL byte) is not text")
    if text.lstrip().startswith("{"):
        return _json_line(number, text)
    return _checked(Line(number, text))


def _json_line(number: int, text: str) -> Line | LineError:
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        return LineError(number, f"malformed JSON: {exc.msg} at column {exc.colno}")
    if not isinstance(value, dict):
        return LineError(number, "a JSON line must be an object")
    if not isinstance(value.get("text"), str):
        return LineError(number, 'a JSON line needs "text" (a string)')
    role = value.get("role", "unknown")
    if role not in ROLES:
        return LineError(number, f'"role" must be one of {", ".join(ROLES)}')
    conversation = value.get("conversation")
    if conversation is not None and not isinstance(conversation, (str, int)):
        return LineError(number, '"conversation" must be a string or a number')
    if not value["text"].strip():
        return LineError(number, '"text" is empty')
    return _checked(Line(number, value["text"], role, None if conversation is None else str(conversation)))


def _checked(line: Line) -> Line | LineError:
    if len(line.text) > MAX_CHARS:
        return LineError(line.number, f"text of {len(line.text)} characters is over the limit of {MAX_CHARS}")
    return line


def analyse_stream(analyzer: Analyzer, lines: Iterable[bytes], cases: bool = False) -> Iterator[dict[str, Any]]:
    """Output objects in input order; a conversation is answered when its last line has been read.

    Evidence indices count the conversation's own lines; an unreadable line between them is
    answered in its place but belongs to no conversation.
    """
    pending: list[Line | LineError] = []  # the open conversation's lines, and errors read meanwhile

    def flush() -> Iterator[dict[str, Any]]:
        turns = [p for p in pending if isinstance(p, Line)]
        if not turns:
            return
        analyses = analyzer.analyze_conversation([t.text for t in turns], [t.role for t in turns])
        answers = iter(analyses)
        conversation = turns[0].conversation
        for item in pending:
            yield (
                item.to_json()
                if isinstance(item, LineError)
                else {"conversation": conversation, **next(answers).to_json()}
            )
        if cases:
            yield {"conversation": conversation, "case": analyzer.case(analyses).to_json()}
        pending.clear()

    for number, raw in enumerate(lines, start=1):
        parsed = parse_line(number, raw)
        if parsed is None:
            continue
        if isinstance(parsed, LineError):
            if pending:
                pending.append(parsed)
            else:
                yield parsed.to_json()
            continue
        if pending and parsed.conversation != next(p for p in pending if isinstance(p, Line)).conversation:
            yield from flush()
        if parsed.conversation is not None:
            pending.append(parsed)
        else:
            yield analyzer.analyze(parsed.text, parsed.role).to_json()
    yield from flush()
