"""Where recordings live: content-addressed files under one root (a shared path when scaled out).

`AudioStore` is the interface an object store can implement later; `LocalAudioStore` is the one shipped.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import Protocol


class AudioStore(Protocol):
    """Keeps audio bytes by content hash."""

    def put(self, source: Path, sha256: str, suffix: str) -> str:
        """Store a file; returns its key. Storing the same hash twice keeps one copy."""
        ...

    def path(self, key: str) -> Path:
        """A local path to read the audio from."""
        ...

    def delete(self, key: str) -> None:
        """Remove the audio (retention, deletion on request)."""
        ...


class LocalAudioStore:
    """Files at root/ab/abcdef....ext, written atomically."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def put(self, source: Path, sha256: str, suffix: str) -> str:
        """Copy `source` in under its hash (no-op if already there)."""
        suffix = suffix.lower() if suffix.startswith(".") and len(suffix) <= 6 else ".bin"
        key = f"{sha256[:2]}/{sha256}{suffix}"
        target = self.root / key
        if target.exists():
            return key
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, suffix=".part")
        try:
            with os.fdopen(fd, "wb") as out, Path(source).open("rb") as src:
                shutil.copyfileobj(src, out, 1 << 20)
                out.flush()
                os.fsync(out.fileno())
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return key

    def path(self, key: str) -> Path:
        """The file for a key."""
        return self.root / key

    def delete(self, key: str) -> None:
        """Remove the file for a key, if present."""
        (self.root / key).unlink(missing_ok=True)
