"""Faults around the agent: SIGKILLs, a server that stops or dies mid-request, a full disk, a corrupt file.

After each, every utterance that reached the spool is stored exactly once on the server.
"""

from __future__ import annotations

import hashlib
import json
import random
import signal
import subprocess
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import func, select

from audio import wav_bytes
from capture.spool import Spool, SpooledUtterance
from kesheng.harness import (
    KESHENG,
    AgentProcess,
    Server,
    null_sink,
    play,
    read_wav,
    run_cli,
    tmpfs,
)
from store.models import LiveUtterance, Utterance
from tests.capture.scenes import VISIT, mono_visit, spoken_seconds
from tests.conftest import AUDIO

SINK = "kesheng_fault_mic"


pytestmark = pytest.mark.usefixtures("pulse")


def server_rows(server: Server) -> tuple[list[str], int, int]:
    """(live utterance keys, utterance rows, distinct (recording, start) among them)."""
    with server.session() as session:
        keys = list(session.scalars(select(LiveUtterance.key)))
        rows = session.scalar(select(func.count()).select_from(Utterance)) or 0
        distinct = session.execute(select(Utterance.recording_id, Utterance.start).distinct()).all()
        return keys, rows, len(distinct)


def all_processed(server: Server, expected: set[str]) -> bool:
    return expected <= set(server.stored_keys())


def assert_exactly_once(server: Server, reached_spool: set[str], quarantined: frozenset[str] = frozenset()) -> None:
    """Every key that reached the spool is on the server once, and no sequence has a gap (nothing lost)
    except for entries the agent quarantined."""
    server.wait_for(lambda: all_processed(server, reached_spool), timeout=300)
    keys, rows, distinct = server_rows(server)
    assert len(keys) == len(set(keys))
    assert reached_spool <= set(keys), sorted(reached_spool - set(keys))
    assert rows == distinct  # no utterance stored twice
    by_session: dict[str, list[int]] = {}
    for key in [*keys, *quarantined]:
        _device, session, seq = key.split(":")
        by_session.setdefault(session, []).append(int(seq))
    for session, seqs in by_session.items():  # a sequence number is only used once the one before is spooled
        assert sorted(seqs) == list(range(len(seqs))), (session, sorted(seqs))


def spool_keys(agent_dir: Path) -> set[str]:
    return {SpooledUtterance(**json.loads(p.read_text())).key for p in (agent_dir / "spool" / "pending").glob("*.json")}


class Looper:
    """Plays a customer visit into the sink over and over, in the background."""

    def __init__(self, sink: str, wav: Path) -> None:
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, args=(sink, wav), daemon=True)
        self.thread.start()

    def _run(self, sink: str, wav: Path) -> None:
        while not self.stop.is_set():
            play(sink, wav)

    def close(self) -> None:
        self.stop.set()
        self.thread.join(timeout=60)


def test_sigkill_the_agent_twenty_times(server: Server, tmp_path: Path) -> None:
    env = server.enrol(tmp_path)
    agent_dir = Path(env["KESHENG_AGENT_DIR"])
    rng = random.Random(20261124)
    reached: set[str] = set()
    visit = mono_visit(tmp_path / "visit.wav", pause=0.8)
    round_ = 0
    with null_sink(SINK) as monitor:
        looper = Looper(SINK, visit)
        try:
            # Twenty kills, and more where a busy machine let fewer than five utterances reach the spool
            # (each life lasts long enough for about one), so the kills land while utterances are in flight.
            while round_ < 20 or (len(reached) < 5 and round_ < 60):
                agent = AgentProcess(env, tmp_path / f"agent-{round_}.log", "--device", monitor)
                if round_ % 5 == 4:  # now and then while it starts up and recovers the spool
                    time.sleep(rng.uniform(0.2, 2.0))
                else:  # mostly while capturing, cutting, spooling and uploading
                    agent.wait_capturing()
                    time.sleep(rng.uniform(0.5, 9.0))
                agent.stop(signal.SIGKILL)
                reached |= set(agent.spooled_keys()) | spool_keys(agent_dir)
                round_ += 1
        finally:
            looper.close()
    assert len(reached) >= 5, f"{round_} kills, and only {len(reached)} utterances reached the spool"
    drained = run_cli(["agent", "upload", "--wait", "60", "--json"], env)
    assert drained.returncode == 0, drained.stderr
    assert json.loads(drained.stdout)["spooled"] == 0
    assert_exactly_once(server, reached)


def test_server_stopped_for_a_while_then_back(server: Server, tmp_path: Path) -> None:
    env = server.enrol(tmp_path)
    agent_dir = Path(env["KESHENG_AGENT_DIR"])
    said = ("counter_inquiry_card", "counter_complaint_fees")
    visit = mono_visit(tmp_path / "visit.wav", said)
    with null_sink(SINK) as monitor:
        agent = AgentProcess(env, tmp_path / "agent.log", "--device", monitor)
        agent.wait_capturing()
        server.stop()
        play(SINK, visit)
        spooled = agent.wait_spooled(0.6 * spoken_seconds(said))
        status = json.loads(run_cli(["agent", "status", "--json"], env).stdout)
        assert status["spooled"] >= len(spooled) and "unreachable" in (status["last_error"] or "")
        server.start()
        server.wait_for(lambda: not spool_keys(agent_dir), timeout=120)  # backoff is capped at 60 s
        assert agent.stop() == 0
    assert_exactly_once(server, set(agent.spooled_keys()))


def _fill_spool(agent_dir: Path, device_id: int, count: int) -> set[str]:
    """`count` distinct real utterances, spooled as a field visit without network would leave them."""
    spool = Spool(agent_dir / "spool")
    audio, _rate = read_wav(AUDIO / "counter_inquiry_card.wav")
    started = datetime.now(UTC).isoformat()
    keys = set()
    for seq in range(count):
        samples = np.concatenate([np.zeros(160 * (seq + 1), np.float32), audio[:, 0]])  # distinct content
        data = wav_bytes(samples)
        meta = SpooledUtterance(
            device_id=device_id,
            session="field-visit",
            seq=seq,
            started_at=started,
            duration=len(samples) / 16000,
            role="customer",
            sha256=hashlib.sha256(data).hexdigest(),
            session_started_at=started,
            mode="field",
        )
        spool.put(data, meta)
        keys.add(meta.key)
    return keys


def test_server_killed_mid_request(server: Server, tmp_path: Path) -> None:
    env = server.enrol(tmp_path)
    keys = _fill_spool(Path(env["KESHENG_AGENT_DIR"]), int(env["DEVICE_ID"]), 30)
    rng = random.Random(7)
    uploader = subprocess.Popen([*KESHENG, "agent", "upload", "--wait", "240"], env=env, stderr=subprocess.PIPE)
    for _ in range(3):
        time.sleep(rng.uniform(0.3, 1.5))
        server.stop(signal.SIGKILL)  # no goodbye: whatever request is in flight is cut off
        time.sleep(rng.uniform(0.5, 2.0))
        server.start()
    _out, err = uploader.communicate(timeout=300)
    assert uploader.returncode == 0, err.decode()
    assert_exactly_once(server, keys)


def test_full_spool_disk_stops_capture_loudly(server: Server, tmp_path: Path) -> None:
    env = server.enrol(tmp_path)
    # The visit said twice is 28 s (about 900 KB spooled); 600 KB holds the first few utterances even
    # where a busy machine's cutter joins a whole visit into one. It is played until the disk is full.
    with tmpfs(tmp_path / "agent", "600k") as agent_dir:
        env["KESHENG_AGENT_DIR"] = str(agent_dir)
        enrolled = run_cli(["devices", "enrol", "--server", server.url, "--code", _new_code(server)], env)
        assert enrolled.returncode == 0
        server.stop()  # a field visit with no network: the spool is all there is
        visit = mono_visit(tmp_path / "visit.wav", VISIT * 2)
        with null_sink(SINK) as monitor:
            agent = AgentProcess(env, tmp_path / "agent.log", "--device", monitor)
            agent.wait_capturing()
            looper = Looper(SINK, visit)  # the customer goes on talking until the disk is full
            try:
                assert agent.process.wait(timeout=180) == 3  # stopped by itself, with an error
            finally:
                looper.close()
        log = agent.log_path.read_text()
        assert "spool disk is full" in log and "capture stopped" in log
        spooled = set(agent.spooled_keys())
        assert spooled and spooled == spool_keys(agent_dir)  # what fit is kept whole: nothing dropped
        assert "full" in json.loads(run_cli(["agent", "status", "--json"], env).stdout)["last_error"]

        server.start()
        ballast = agent_dir / "ballast"
        ballast.write_bytes(b"\0" * 1)
        drained = run_cli(["agent", "upload", "--json"], env)
        assert drained.returncode == 0, drained.stderr
        assert_exactly_once(server, spooled)

        # With the server up the device reports it: health says spool_full at once.
        free = subprocess.run(["df", "--output=avail", "-B1", str(agent_dir)], capture_output=True, text=True)
        ballast.write_bytes(b"\0" * max(0, int(free.stdout.split()[-1]) - 40_000))
        with null_sink(SINK) as monitor:
            agent = AgentProcess(env, tmp_path / "agent2.log", "--device", monitor)
            agent.wait_capturing()
            play(SINK, visit)
            assert agent.process.wait(timeout=30) == 3
        device_id = int(enrolled.stdout.strip().splitlines()[-1])
        device = next(d for d in server.api.get("/api/v1/devices").json() if d["id"] == device_id)
        assert device["spool_full"] is True and device["health"] == "spool_full"


def _new_code(server: Server) -> str:
    added = run_cli(["devices", "add", "--branch", "FIELD"], server.env)
    return added.stdout.strip().splitlines()[-1]


def test_corrupt_spool_file_is_quarantined_and_the_rest_uploads(server: Server, tmp_path: Path) -> None:
    env = server.enrol(tmp_path)
    agent_dir = Path(env["KESHENG_AGENT_DIR"])
    keys = _fill_spool(agent_dir, int(env["DEVICE_ID"]), 4)
    victim = sorted((agent_dir / "spool" / "pending").glob("*.wav"))[1]
    data = bytearray(victim.read_bytes())
    data[5000:5100] = b"\xff" * 100  # bit rot
    victim.write_bytes(bytes(data))
    drained = run_cli(["agent", "upload", "--json"], env)
    assert drained.returncode == 0, drained.stderr
    summary = json.loads(drained.stdout)
    assert (summary["uploaded"], summary["quarantined"], summary["spooled"]) == (3, 1, 0)
    corrupt_key = f"{env['DEVICE_ID']}:field-visit:1"
    assert_exactly_once(server, keys - {corrupt_key}, quarantined=frozenset({corrupt_key}))
    assert corrupt_key not in server_rows(server)[0]
