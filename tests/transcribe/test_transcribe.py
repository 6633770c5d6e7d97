"""The real Whisper model on real and synthetic Mandarin, stereo calls, silence and noise."""

from __future__ import annotations

import csv
import time
from pathlib import Path

import numpy as np
import pytest

from audio import decode_audio
from core.settings import OutputScript, Settings
from kesheng.harness import write_wav
from tests import badfiles
from tests.conftest import AUDIO, REAL
from transcribe import Transcriber, transcribe_file
from transcribe.engine import seed_sampling
from transcribe.quality import cer
from zhtext.script import dominant_script

PUBLIC_REAL = Path(__file__).resolve().parents[2] / "bench" / "data" / "real_speech"


def _fixture_texts() -> dict[str, str]:
    with (AUDIO / "fixtures.tsv").open(encoding="utf-8") as src:
        return {row["file"]: row["text"] for row in csv.DictReader(src, delimiter="\t")}


def _real_references() -> dict[str, str]:
    with (REAL / "transcripts.tsv").open(encoding="utf-8") as src:
        return {
            row["file"]: row["reference_text"] for row in csv.DictReader(src, delimiter="\t") if row["language"] == "zh"
        }


@pytest.mark.parametrize(
    "name",
    ["counter_complaint_fees.wav", "counter_praise.wav", "counter_inquiry_card.wav", "field_cancel_broadband.wav"],
)
def test_synthetic_mandarin_is_transcribed(name: str, transcriber: Transcriber, settings: Settings) -> None:
    result = transcribe_file(AUDIO / name, transcriber, settings)
    assert result.language == "zh"
    assert cer(_fixture_texts()[name], result.text) < 0.25
    assert all(0 <= s.start < s.end <= result.duration + 0.05 for s in result.segments)


def test_real_human_mandarin_is_no_worse_than_bare_faster_whisper(transcriber: Transcriber, settings: Settings) -> None:
    """The wrapper must never cost accuracy against the engine it wraps (bench/bench_accuracy.py has more sets)."""
    from faster_whisper import decode_audio as fw_decode

    model = transcriber.model  # type: ignore[attr-defined]
    edits = {"kesheng": 0.0, "bare": 0.0}
    chars = 0
    for name, reference in _real_references().items():
        ours = transcribe_file(REAL / name, transcriber, settings).text
        seed_sampling()  # as kesheng does: the temperature fallback samples alike
        segments, _ = model.transcribe(
            fw_decode(str(REAL / name)),
            language="zh",
            beam_size=5,
            initial_prompt=settings.asr_initial_prompt,
            vad_filter=True,
        )
        edits["kesheng"] += cer(reference, ours) * len(reference)
        edits["bare"] += cer(reference, "".join(s.text for s in segments)) * len(reference)
        chars += len(reference)
    kesheng, bare = edits["kesheng"] / chars, edits["bare"] / chars
    assert kesheng <= bare, (kesheng, bare)  # both 0.198 on 2026-12-07


def test_a_users_term_changes_a_real_transcript_without_a_restart(transcriber: Transcriber, settings: Settings) -> None:
    clip = REAL / "zh_funasr_llamacpp_sample.wav"  # 我想问我在滨海新区有房; base writes 冰台新区 / 冰海心区
    assert "滨海新区" not in transcribe_file(clip, transcriber, settings).text
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    settings.vocabulary_path.write_text("[branch TJ01]\n滨海新区\n", encoding="utf-8")
    assert "滨海新区" in transcribe_file(clip, transcriber, settings, branch="TJ01").text
    assert "滨海新区" not in transcribe_file(clip, transcriber, settings, branch="BJ01").text
    settings.vocabulary_path.write_text("滨海新区\n", encoding="utf-8")  # now for every branch
    assert "滨海新区" in transcribe_file(clip, transcriber, settings).text


def test_spoken_numbers_come_out_in_digits(transcriber: Transcriber, settings: Settings) -> None:
    real = PUBLIC_REAL / "podcast_mossttsd_zh_spk1_moon.wav"  # 每天早晨七点半到九点半
    text = transcribe_file(real, transcriber, settings).text
    assert "7点半" in text and "9点半" in text
    phone = transcribe_file(AUDIO / "counter_complaint_phone.wav", transcriber, settings).text
    assert "13812345678" in phone.replace(" ", "")


def _long_recording(folder: Path) -> tuple[Path, str]:
    """The real clips back to back with 1.5 s pauses (80 s): long-form speech like a call's."""
    references = _real_references()
    pause = np.zeros(24000, dtype=np.float32)
    parts = [piece for name in references for piece in (decode_audio(REAL / name).channels[0], pause)]
    return write_wav(folder / "long.wav", np.concatenate(parts)), "".join(references.values())


@pytest.mark.parametrize("batch_size", [1, 4], ids=["windows", "batched"])
def test_long_recording_keeps_its_words(
    batch_size: int, tmp_path: Path, transcriber: Transcriber, settings: Settings
) -> None:
    # Decoded as plain 30 s windows, Whisper skipped most sentences here (CER 0.53) and its
    # per-window no-speech score dropped whole windows of real speech.
    path, reference = _long_recording(tmp_path)
    result = transcribe_file(path, transcriber, settings.model_copy(update={"asr_batch_size": batch_size}))
    assert cer(reference, result.text) < 0.4
    starts = [s.start for s in result.segments]
    assert starts == sorted(starts)
    assert all(s.start < s.end <= result.duration + 0.05 for s in result.segments)


def test_stereo_call_gets_roles_per_channel(transcriber: Transcriber, settings: Settings) -> None:
    result = transcribe_file(AUDIO / "call_stereo_8k.wav", transcriber, settings)
    staff = "".join(s.text for s in result.segments if s.role == "staff")
    customer = "".join(s.text for s in result.segments if s.role == "customer")
    assert {s.channel for s in result.segments if s.role == "staff"} == {0}
    assert {s.channel for s in result.segments if s.role == "customer"} == {1}
    assert "您好" in staff and "抱歉" in staff
    assert "快递" in customer and "投诉" in customer
    # Turns interleave in time: staff, customer, staff, customer.
    assert [s.role for s in result.segments] == ["staff", "customer", "staff", "customer"]


def test_reversed_role_map_swaps_roles(transcriber: Transcriber, settings: Settings) -> None:
    result = transcribe_file(AUDIO / "call_stereo_8k.wav", transcriber, settings, roles=("customer", "staff"))
    assert "快递" in "".join(s.text for s in result.segments if s.role == "staff")


@pytest.mark.parametrize("script", [OutputScript.traditional, OutputScript.simplified])
def test_output_script_is_one_script(script: OutputScript, transcriber: Transcriber, settings: Settings) -> None:
    settings = settings.model_copy(update={"output_script": script})
    text = transcribe_file(AUDIO / "counter_complaint_fees.wav", transcriber, settings).text
    assert dominant_script(text) == script.value
    assert ("續" in text) == (script is OutputScript.traditional)


def test_ten_minutes_of_silence_is_an_empty_transcript_quickly(
    tmp_path: Path, transcriber: Transcriber, settings: Settings
) -> None:
    started = time.monotonic()
    result = transcribe_file(badfiles.silence(tmp_path, 600), transcriber, settings)
    assert result.segments == ()
    assert result.duration == pytest.approx(600, abs=0.1)
    assert time.monotonic() - started < 60  # VAD finds nothing, so Whisper never runs


def test_white_noise_produces_no_text(tmp_path: Path, transcriber: Transcriber, settings: Settings) -> None:
    result = transcribe_file(badfiles.white_noise(tmp_path), transcriber, settings)
    assert result.text == ""


def test_cantonese_is_not_mistaken_for_silence(transcriber: Transcriber, settings: Settings) -> None:
    result = transcribe_file(REAL / "yue_wenetspeech_yue_gd0039538_413900_420790.wav", transcriber, settings)
    assert len(result.text) > 5
