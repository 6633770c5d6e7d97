"""Hallucination guards and sentence splitting, on the texts Whisper really produces."""

from __future__ import annotations

import pytest

from transcribe.hallucination import (
    HallucinationLimits,
    echoes_prompt,
    has_repetition_loop,
    is_known_junk,
    keep_segment,
)
from transcribe.segmenting import SpeechMap, split_segment


@pytest.mark.parametrize(
    "text", ["字幕由Amara.org社群提供", "请不吝点赞 订阅 转发 打赏支持明镜与点点栏目", "谢谢观看!", "  ", "。"]
)
def test_subtitle_junk_is_dropped(text: str) -> None:
    assert is_known_junk(text)
    assert not keep_segment(text, 0.1, -0.2, 1.2)


def test_a_real_sentence_that_mentions_subscribing_is_kept() -> None:
    text = "我想问一下怎么订阅你们的理财产品周报，还有手续费怎么算"
    assert not is_known_junk(text)
    assert keep_segment(text, 0.05, -0.3, 1.3)


def test_high_no_speech_probability_is_dropped_when_the_decoder_is_unsure() -> None:
    assert not keep_segment("嗯", 0.8, -0.6, 1.0)
    assert not keep_segment("好的", 0.5, -1.2, 1.0)
    assert keep_segment("好的", 0.5, -0.3, 1.0)


def test_confident_speech_in_a_window_that_starts_quiet_is_kept() -> None:
    # Real values from a long call: Whisper gave every segment of this 30 s window no_speech 0.74.
    assert keep_segment("我认为跑步最重要的就是", 0.74, -0.22, 1.21)


def test_repetition_loops() -> None:
    loop = "我要投诉" * 8
    assert has_repetition_loop(loop, HallucinationLimits().max_repeats)
    assert not keep_segment(loop, 0.1, -0.4, 3.5)
    assert not has_repetition_loop("你们这个手续费太贵了", 4)


def test_a_window_stuck_on_one_sentence_is_a_loop() -> None:
    # Whisper's real output on a 6 s English-Mandarin clip.
    stuck = " He must be home now for the lightest on." * 4
    assert has_repetition_loop(stuck, HallucinationLimits().max_repeats)
    assert not keep_segment(stuck, 0.01, -0.18, 5.61)
    assert not has_repetition_loop("我要投诉，我要投诉你们这个网点", 4)


def test_the_prompt_read_back_is_dropped() -> None:
    assert echoes_prompt("以下是普通话的句子。", "以下是普通话的句子。")
    assert not echoes_prompt("以下是我的意见", "以下是普通话的句子。")
    assert not echoes_prompt("以下是普通话的句子。", None)


def test_a_clause_snapped_onto_its_own_start_joins_the_next() -> None:
    # One pause at 2 s; "我们，" would be cut at 2.0 on both sides and get no time of its own.
    speech = SpeechMap.from_chunks([{"start": 0, "end": 32000}, {"start": 48000, "end": 80000}], 16000)
    pieces = split_segment("以后的话呢，我们，再去八九十三条。", 0.0, 4.0, speech)
    assert "".join(p[2] for p in pieces) == "以后的话呢，我们，再去八九十三条。"
    assert all(start < end for start, end, _ in pieces)


def test_segment_split_maps_times_back_across_pauses() -> None:
    # Two VAD chunks: 0-2 s and 10-12 s of original audio, packed to 0-4 s.
    speech = SpeechMap.from_chunks([{"start": 0, "end": 32000}, {"start": 160000, "end": 192000}], 16000)
    pieces = split_segment("您好,请问有什么可以帮您,非常抱歉我马上处理。", 0.0, 4.0, speech)
    assert [p[2] for p in pieces] == ["您好,请问有什么可以帮您,", "非常抱歉我马上处理。"]
    assert pieces[0][:2] == (0.0, 2.0)
    assert pieces[1][0] == pytest.approx(10.0)
    assert pieces[1][1] == pytest.approx(12.0)


def test_sentences_split_without_pauses() -> None:
    speech = SpeechMap.from_chunks([{"start": 0, "end": 16000 * 6}], 16000)
    pieces = split_segment("我要投诉。你们太慢了！", 0.0, 6.0, speech)
    assert [p[2] for p in pieces] == ["我要投诉。", "你们太慢了！"]
    assert pieces[0][1] == pieces[1][0]


def test_spoken_script_follows_the_majority_and_never_mixes() -> None:
    from core.settings import OutputScript
    from transcribe.script import unify_script

    mostly_traditional = ["我們的櫃員態度太差了", "我要投诉"]
    assert unify_script(mostly_traditional, OutputScript.spoken) == ["我們的櫃員態度太差了", "我要投訴"]
    mostly_simplified = ["我们的柜员态度太差了", "我要投訴"]
    assert unify_script(mostly_simplified, OutputScript.spoken) == ["我们的柜员态度太差了", "我要投诉"]
    assert unify_script(mostly_simplified, OutputScript.traditional)[0] == "我們的櫃員態度太差了"
