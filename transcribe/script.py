"""Apply the output-script setting to a whole transcript at once, so it is never a mix."""

from __future__ import annotations

from core.settings import OutputScript
from zhtext.script import dominant_script, to_simplified, to_traditional


def unify_script(texts: list[str], setting: OutputScript) -> list[str]:
    """Convert every segment text to one script: the configured one, or the dominant one if 'spoken'."""
    target = setting.value
    if setting is OutputScript.spoken:
        target = dominant_script("".join(texts))
    convert = to_traditional if target == "traditional" else to_simplified
    return [convert(t) for t in texts]
