"""Drop what Whisper writes when nobody speaks.

On silence and noise Whisper invents text learnt from subtitle credits ("字幕由Amara.org社群提供",
"请不吝点赞 订阅 转发 打赏支持明镜与点点栏目") or loops on one phrase. Decoding with VAD removes most
of it; these checks remove the rest, segment by segment.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from zhtext.script import plain_text

# Phrases that come from subtitle files, not from customers; matched after removing punctuation.
KNOWN_JUNK = (
    "字幕由amara.org社群提供",
    "字幕由amara.org社区提供",
    "请不吝点赞订阅转发打赏支持明镜与点点栏目",
    "请不吝点赞订阅转发",
    "点赞订阅转发打赏",
    "感谢观看",
    "谢谢观看",
    "谢谢大家观看",
    "欢迎订阅",
    "订阅我的频道",
    "字幕志愿者",
    "中文字幕",
    "优优独播剧场",
    "yoyo television series exclusive",
    "明镜与点点栏目",
    "by bwd6",
)


@dataclass(frozen=True)
class HallucinationLimits:
    """Thresholds; defaults follow Whisper's own no-speech and compression checks, made stricter."""

    max_no_speech_prob: float = 0.6
    # Whisper reports no_speech once per 30 s window, so a high value alone would drop every real
    # sentence after a quiet window start; it must come with a decoder that is itself unsure.
    min_avg_logprob_when_silent: float = -0.5  # no_speech above max_no_speech_prob and logprob below this: drop
    min_avg_logprob_when_unsure: float = -0.8  # no_speech above 0.4 and logprob below this: drop
    max_compression_ratio: float = 2.4
    max_repeats: int = 4  # a 1-8 character unit repeated more than this in a row


_JUNK = tuple(plain_text(j) for j in KNOWN_JUNK)
_PHRASE_LOOP = re.compile(r"(.{9,80}?)\1{2,}")


def is_known_junk(text: str) -> bool:
    """True when the text is (mostly) one of the subtitle phrases."""
    norm = plain_text(text)
    if not norm:
        return True
    return any(junk in norm and len(norm) <= len(junk) + 6 for junk in _JUNK)


def echoes_prompt(text: str, prompt: str | None) -> bool:
    """True when a clip with little speech came back as the initial prompt itself."""
    return bool(prompt) and plain_text(text) == plain_text(prompt or "")


def has_repetition_loop(text: str, max_repeats: int) -> bool:
    """True when a short unit repeats back to back more than max_repeats times (哈哈哈哈哈, 对对对对对...),
    or a whole phrase three times or more (a window stuck on one sentence)."""
    norm = plain_text(text)
    for unit in range(1, 9):
        pattern = re.compile(rf"(.{{{unit}}})\1{{{max_repeats},}}")
        if pattern.search(norm):
            return True
    return _PHRASE_LOOP.search(norm) is not None


def strip_repetition(text: str, max_repeats: int) -> str:
    """Collapse a repetition loop to one occurrence."""
    for unit in range(8, 0, -1):
        text = re.sub(rf"(.{{{unit}}})\1{{{max_repeats},}}", r"\1", text)
    return text


def keep_segment(
    text: str,
    no_speech_prob: float,
    avg_logprob: float,
    compression_ratio: float,
    limits: HallucinationLimits = HallucinationLimits(),
) -> bool:
    """Whether a decoded segment is speech worth keeping."""
    if is_known_junk(text):
        return False
    if no_speech_prob > limits.max_no_speech_prob and avg_logprob < limits.min_avg_logprob_when_silent:
        return False
    if no_speech_prob > 0.4 and avg_logprob < limits.min_avg_logprob_when_unsure:
        return False
    looping = compression_ratio > limits.max_compression_ratio and has_repetition_loop(text, limits.max_repeats)
    return not looping
