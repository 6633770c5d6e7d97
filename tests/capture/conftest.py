"""Fixtures of the agent tests: a real PulseAudio server and a real `kesheng serve`."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from kesheng.harness import Server, pulseaudio_ready, server_process


@pytest.fixture(scope="module")
def pulse() -> None:
    """PulseAudio running (skipped without it, failed in CI)."""
    if not pulseaudio_ready():
        pytest.skip("no PulseAudio server")


@pytest.fixture
def server(tmp_path: Path, model_cache: Path) -> Iterator[Server]:
    """A started `kesheng serve` on a fresh SQLite database."""
    with server_process(tmp_path, model_cache) as running:
        yield running
