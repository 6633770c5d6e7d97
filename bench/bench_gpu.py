"""The accuracy and speed benchmark on a GPU, with larger Whisper models, for users who have one.

    .venv/bin/python bench/bench_gpu.py [--models large-v3 large-v3-turbo] [--batch-sizes 1 8] [--sets ...]

For each model (a faster-whisper name, downloaded from the hub on first use, or a CT2 directory) and
each batch size (1: plain windows; 8: faster-whisper's batched pipeline, KESHENG_ASR_BATCH_SIZE),
runs bench_accuracy.py's sets on CUDA with float16: kesheng and bare faster-whisper side by side,
CER and wall seconds, plus whole-process times of `kesheng transcribe` against the bare script.
Writes bench/results/gpu-<model>-batch<N>.json. Needs a CUDA device and CTranslate2 built with CUDA
(the PyPI wheels are); without one it says so and exits 2, unless --device cpu is given (a smoke run).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.bench_accuracy import run_benchmark  # noqa: E402
from transcribe.model import cuda_available  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--models", nargs="+", default=["large-v3", "large-v3-turbo"])
    parser.add_argument("--batch-sizes", nargs="+", type=int, default=[1, 8])
    parser.add_argument("--device", default="cuda", help="cuda (default) or cpu for a smoke run")
    parser.add_argument("--compute-type", default=None, help="default: float16 on CUDA, int8 on CPU")
    parser.add_argument("--sets", nargs="*", help="only sets whose name starts with one of these")
    parser.add_argument("--repeat", type=int, default=3, help="process timings per command (median)")
    parser.add_argument("--out-dir", type=Path, default=ROOT / "bench" / "results")
    args = parser.parse_args()
    if args.device == "cuda" and not cuda_available():
        print("no CUDA device visible to CTranslate2: run this on a GPU machine (or --device cpu)", file=sys.stderr)
        raise SystemExit(2)
    compute_type = args.compute_type or ("float16" if args.device == "cuda" else "int8")
    for model in args.models:
        for batch_size in args.batch_sizes:
            run = argparse.Namespace(
                model=model,
                device=args.device,
                compute_type=compute_type,
                batch_size=batch_size,
                sets=args.sets,
                ablations=False,
                process=True,
                repeat=args.repeat,
            )
            report = run_benchmark(run)
            name = Path(model).name or model
            out = args.out_dir / f"gpu-{name}-batch{batch_size}.json"
            out.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
            print(f"wrote {out}", flush=True)


if __name__ == "__main__":
    main()
