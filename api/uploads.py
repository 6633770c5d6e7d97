"""Receive an upload into a temporary file, refusing it once it passes the size limit."""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Iterable
from pathlib import Path

from core.errors import AudioTooLargeError


def safe_suffix(suffix: str) -> str:
    """The file name's extension as a temp file may carry it (FFmpeg guesses formats from it): letters and
    digits only, else none — a NUL byte or a path separator in a client's file name must not reach the OS."""
    return suffix if len(suffix) <= 6 and re.fullmatch(r"\.[A-Za-z0-9]{1,5}", suffix) else ".bin"


def spool_upload(chunks: Iterable[bytes], limit_bytes: int, suffix: str) -> Path:
    """Write the chunks to a temp file (the caller deletes it); AudioTooLargeError past limit_bytes."""
    fd, name = tempfile.mkstemp(suffix=safe_suffix(suffix))
    size = 0
    try:
        with os.fdopen(fd, "wb") as out:
            for chunk in chunks:
                size += len(chunk)
                if size > limit_bytes:
                    raise AudioTooLargeError(f"upload is over the limit of {limit_bytes // 2**20} MB")
                out.write(chunk)
    except BaseException:
        Path(name).unlink(missing_ok=True)
        raise
    return Path(name)
