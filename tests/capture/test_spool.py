"""The agent spool: durable writes, checksums, quarantine, SIGKILL mid-write, a full disk."""

from __future__ import annotations

import hashlib
import os
import random
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from audio import wav_bytes
from capture.spool import Spool, SpooledUtterance, SpoolFullError
from kesheng.harness import tmpfs


def _utterance(seq: int, seconds: float = 1.0, session: str = "s1") -> tuple[bytes, SpooledUtterance]:
    audio = wav_bytes(np.sin(np.linspace(0, 440 * seconds, int(16000 * seconds))) * 0.3)
    meta = SpooledUtterance(
        device_id=7,
        session=session,
        seq=seq,
        started_at="2026-11-23T10:00:00+08:00",
        duration=seconds,
        role="customer",
        sha256=hashlib.sha256(audio).hexdigest(),
    )
    return audio, meta


def test_put_list_acknowledge(tmp_path: Path) -> None:
    spool = Spool(tmp_path / "spool")
    for seq in range(3):
        spool.put(*_utterance(seq))
    entries = spool.entries()
    assert [m.seq for m, _ in entries] == [0, 1, 2]
    assert entries[0][0].key == "7:s1:0"
    spool.acknowledge(entries[0][0])
    assert spool.status() == {"spooled": 2, "uploaded": 1, "quarantined": 0, "last_error": None}


def test_corrupt_entries_are_quarantined_and_the_rest_still_listed(tmp_path: Path) -> None:
    spool = Spool(tmp_path / "spool")
    for seq in range(4):
        spool.put(*_utterance(seq))
    audio = spool.pending / "s1-00000001.wav"
    audio.write_bytes(audio.read_bytes()[:-100] + b"\0" * 100)  # bit rot
    (spool.pending / "s1-00000002.json").write_text("{not json")
    assert [m.seq for m, _ in spool.entries()] == [0, 3]
    status = spool.status()
    assert status["quarantined"] == 2 and status["spooled"] == 2
    assert "quarantined" in status["last_error"]
    assert (spool.quarantine / "s1-00000001.wav").exists()


def test_mismatched_checksum_is_refused_at_put(tmp_path: Path) -> None:
    audio, meta = _utterance(0)
    with pytest.raises(Exception, match="checksum"):
        Spool(tmp_path).put(audio + b"x", meta)


WRITER = textwrap.dedent("""
    import hashlib, sys
    import numpy as np
    from audio import wav_bytes
    from capture.spool import Spool, SpooledUtterance
    spool = Spool(sys.argv[1])
    start = int(sys.argv[2])
    for seq in range(start, start + 10_000):
        audio = wav_bytes(np.random.default_rng(seq).normal(0, 0.1, 16000 * 2))
        spool.put(audio, SpooledUtterance(1, "kill", seq, "2026-11-23T10:00:00+08:00", 2.0, "customer",
                                          hashlib.sha256(audio).hexdigest()))
        print(seq, flush=True)
""")


@pytest.mark.process
def test_sigkill_mid_write_never_leaves_a_broken_entry(tmp_path: Path) -> None:
    root = tmp_path / "spool"
    rng = random.Random(4)
    confirmed: set[int] = set()
    next_seq = 0
    for _ in range(20):
        writer = subprocess.Popen(
            [sys.executable, "-c", WRITER, str(root), str(next_seq)],
            stdout=subprocess.PIPE,
            text=True,
            cwd=Path(__file__).resolve().parents[2],
        )
        time.sleep(rng.uniform(0.6, 1.2))
        os.kill(writer.pid, signal.SIGKILL)
        out, _ = writer.communicate()
        confirmed |= {int(line) for line in out.split()}  # put() returned for these
        spool = Spool(root)
        spool.recover()
        listed = {m.seq for m, _ in spool.entries()}
        assert confirmed <= listed  # everything put() confirmed survived
        assert spool.status()["quarantined"] == 0  # nothing half-written was taken as whole
        assert not list(spool.pending.glob("*.tmp"))
        next_seq = max(listed | confirmed | {-1}) + 1
    assert len(confirmed) > 20


@pytest.fixture
def tiny_disk(tmp_path: Path) -> Iterator[Path]:
    """A 200 KB tmpfs, so the disk really fills."""
    with tmpfs(tmp_path / "tiny", "200k") as mount_point:
        yield mount_point


def test_full_disk_stops_loudly_and_keeps_what_was_spooled(tiny_disk: Path) -> None:
    spool = Spool(tiny_disk / "spool")
    stored = 0
    with pytest.raises(SpoolFullError, match="full"):
        for seq in range(100):
            spool.put(*_utterance(seq, seconds=1.0))  # 32 KB each
            stored += 1
    assert 2 <= stored < 10
    assert [m.seq for m, _ in spool.entries()] == list(range(stored))  # oldest audio kept, nothing dropped
    assert not list(spool.pending.glob("*.tmp"))


@pytest.mark.process
def test_agent_status_json_contract(tmp_path: Path) -> None:
    import json

    agent_dir = tmp_path / "agent"
    spool = Spool(agent_dir / "spool")
    spool.put(*_utterance(0))
    spool.put(*_utterance(1))
    spool.acknowledge(spool.entries()[0][0])
    env = {**os.environ, "KESHENG_AGENT_DIR": str(agent_dir)}
    result = subprocess.run(
        [sys.executable, "-m", "kesheng.cli", "agent", "status", "--json"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {"spooled": 1, "uploaded": 1, "quarantined": 0, "last_error": None}
