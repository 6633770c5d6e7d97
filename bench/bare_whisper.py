"""faster-whisper called directly, as a user would: the baseline that bench_accuracy.py times.

python bench/bare_whisper.py MODEL_DIR_OR_NAME AUDIO [--device auto] [--compute-type default]
"""

from __future__ import annotations

import argparse

from faster_whisper import WhisperModel


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("model")
    parser.add_argument("audio")
    parser.add_argument("--device", default="auto")
    parser.add_argument("--compute-type", default="default", help="default: int8 on CPU, float16 on CUDA")
    args = parser.parse_args()
    compute_type = args.compute_type
    if compute_type == "default":
        import ctranslate2

        cuda = args.device == "cuda" or (args.device == "auto" and ctranslate2.get_cuda_device_count() > 0)
        compute_type = "float16" if cuda else "int8"
    model = WhisperModel(args.model, device=args.device, compute_type=compute_type)
    segments, _ = model.transcribe(
        args.audio, language="zh", beam_size=5, vad_filter=True, initial_prompt="以下是普通话的句子。"
    )
    print("".join(s.text for s in segments))


if __name__ == "__main__":
    main()
