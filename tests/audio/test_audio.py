"""Decoding real files in every supported format, and refusing bad ones clearly."""

from __future__ import annotations

import resource
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest

from audio import decode_audio, probe_audio
from core.errors import AudioTooLargeError, EmptyAudioError, UnsupportedAudioError
from tests import badfiles
from tests.conftest import AUDIO

SPEECH = AUDIO / "counter_complaint_fees.wav"
CALL = AUDIO / "call_stereo_8k.wav"


def test_mono_wav_decodes_to_16k_float() -> None:
    audio = decode_audio(SPEECH)
    assert audio.sample_rate == 16000
    assert len(audio.channels) == 1
    assert audio.channels[0].dtype == np.float32
    assert audio.duration == pytest.approx(probe_audio(SPEECH).duration, abs=0.05)
    assert 0.1 < float(np.abs(audio.channels[0]).max()) <= 1.0


def test_stereo_8k_call_splits_into_two_16k_channels() -> None:
    info = probe_audio(CALL)
    assert (info.sample_rate, info.channels) == (8000, 2)
    audio = decode_audio(CALL, split_stereo=True)
    assert len(audio.channels) == 2
    assert audio.sample_rate == 16000
    left, right = audio.channels
    # The staff greets first on the left; the right channel is silent then.
    first_second = slice(0, 16000)
    assert np.abs(left[first_second]).max() > 10 * max(np.abs(right[first_second]).max(), 1e-4)


def test_stereo_downmixes_to_mono_when_not_split() -> None:
    assert len(decode_audio(CALL, split_stereo=False).channels) == 1


@pytest.mark.parametrize(
    ("suffix", "codec"), [(".mp3", "mp3"), (".flac", "flac"), (".m4a", "aac"), (".ogg", "libopus")]
)
def test_compressed_formats_decode(tmp_path: Path, suffix: str, codec: str) -> None:
    encoded = badfiles.transcode(SPEECH, tmp_path / f"speech{suffix}", codec)
    audio = decode_audio(encoded)
    assert audio.duration == pytest.approx(decode_audio(SPEECH).duration, abs=0.15)


@pytest.mark.parametrize("rate", [8000, 11025, 22050, 44100, 48000])
def test_any_sample_rate_is_resampled(tmp_path: Path, rate: int) -> None:
    path = badfiles.transcode(SPEECH, tmp_path / f"speech_{rate}.wav", "pcm_s16le", rate=rate)
    assert probe_audio(path).sample_rate == rate
    audio = decode_audio(path)
    assert audio.sample_rate == 16000
    assert audio.duration == pytest.approx(5.44, abs=0.1)


def test_empty_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(EmptyAudioError, match="empty"):
        decode_audio(badfiles.empty(tmp_path))


def test_header_only_wav_is_refused(tmp_path: Path) -> None:
    with pytest.raises(EmptyAudioError, match="no audio samples"):
        decode_audio(badfiles.header_only(tmp_path))


def test_a_codec_ffmpeg_does_not_know_is_refused_not_a_crash(tmp_path: Path) -> None:
    odd = badfiles.unknown_codec(tmp_path)
    for read in (probe_audio, decode_audio):
        with pytest.raises(UnsupportedAudioError, match="codec"):
            read(odd)


def test_non_audio_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(UnsupportedAudioError, match=r"not a readable audio file|no audio stream"):
        decode_audio(badfiles.not_audio(tmp_path))


def test_missing_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(UnsupportedAudioError, match="does not exist"):
        decode_audio(tmp_path / "nope.wav")


def test_truncated_mp3_keeps_what_decodes(tmp_path: Path) -> None:
    mp3 = badfiles.transcode(SPEECH, tmp_path / "speech.mp3", "mp3")
    audio = decode_audio(badfiles.truncated(mp3, tmp_path, keep=0.5))
    assert 1.5 < audio.duration < 4.0


def test_header_claiming_gigabytes_costs_only_the_real_data(tmp_path: Path) -> None:
    path = badfiles.gigabyte_header(tmp_path, SPEECH)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.monotonic()
    audio = decode_audio(path)
    assert audio.duration == pytest.approx(5.44, abs=0.1)
    assert time.monotonic() - started < 10
    grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    assert grown_mb < 200


def test_audio_over_the_duration_limit_is_refused(tmp_path: Path) -> None:
    with pytest.raises(AudioTooLargeError, match="limit of 2 s"):
        decode_audio(SPEECH, max_seconds=2)


@pytest.mark.parametrize(
    ("creation_time", "expected"),
    [
        ("2026-11-28T15:30:00.000000Z", datetime(2026, 11, 28, 15, 30, tzinfo=UTC)),  # what a phone writes
        ("1970-01-01T00:00:00.000000Z", None),  # a device without a clock
        (None, None),
    ],
)
def test_a_files_own_creation_time_is_read(
    tmp_path: Path, creation_time: str | None, expected: datetime | None
) -> None:
    metadata = {"creation_time": creation_time} if creation_time else {}
    m4a = badfiles.transcode(AUDIO / "counter_praise.wav", tmp_path / "visit.m4a", "aac", metadata=metadata)
    assert probe_audio(m4a).recorded_at == expected
