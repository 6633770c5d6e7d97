"""The agent end to end: real PulseAudio capture → `kesheng agent run` → real `kesheng serve` → records."""

from __future__ import annotations

import os
import subprocess
from itertools import groupby
from pathlib import Path

import pytest
from sqlalchemy import func, select

from kesheng.harness import AgentProcess, Server, load_sink, null_sink, play, unload_module
from store.models import Utterance
from tests.capture.scenes import TEXTS, VISIT, array_visit, mono_visit
from transcribe.quality import cer

pytestmark = pytest.mark.usefixtures("pulse")


def interaction_utterances(server: Server, interaction_id: int) -> list[dict]:
    return server.api.get(f"/api/v1/interactions/{interaction_id}").json()["utterances"]


def fees_complaints(server: Server) -> list[dict]:
    return [c for c in server.api.get("/api/v1/complaints").json()["items"] if c["category"] == "fees"]


def test_counter_microphone_to_customer_record(server: Server, tmp_path: Path) -> None:
    env = server.enrol(tmp_path)
    visit = mono_visit(tmp_path / "visit.wav")
    with null_sink("kesheng_live_mono") as monitor:
        agent = AgentProcess(env, tmp_path / "agent.log", "--device", monitor, "--customer", "C-100")
        agent.wait_capturing()
        play("kesheng_live_mono", visit)
        complaints = server.wait_for(lambda: fees_complaints(server))
        assert agent.stop() == 0
    keys = agent.spooled_keys()
    assert len(keys) == len(VISIT), agent.log_path.read_text()
    assert sorted(server.wait_for(lambda: len(server.stored_keys()) == len(keys) and server.stored_keys())) == sorted(
        keys
    )
    complaint = complaints[0]  # Whisper may write the complaint as one sentence or two; one of them is about fees
    assert complaint["customer"] == "C-100" and complaint["branch"] == "BJ01"
    utterances = interaction_utterances(server, complaint["interaction_id"])
    heard = "".join(u["text"] for u in utterances)
    expected = "".join(TEXTS[f"{name}.wav"] for name in VISIT)
    assert cer(expected, heard) < 0.25, heard
    assert [u["start"] for u in utterances] == sorted(u["start"] for u in utterances)
    assert utterances[-1]["start"] > 8  # on the visit's own timeline, not each clip's
    status = server.api.get("/api/v1/devices").json()[0]
    assert status["last_seen_at"] is not None and status["health"] in ("ok", "warning")
    assert status["input_level_db"] is not None and -90 < status["input_level_db"] < 0  # it heard the visit
    assert status["spool_backlog"] == 0 and status["spool_full"] is False


def test_mic_array_roles_and_combined_customer_channels(server: Server, tmp_path: Path) -> None:
    env = server.enrol(tmp_path)
    scene = array_visit(tmp_path / "array.wav")
    with null_sink("kesheng_live_array", channels=4) as monitor:
        agent = AgentProcess(env, tmp_path / "agent.log", "--device", monitor, "--channels", "staff=0;customer=1-3")
        agent.wait_capturing()
        play("kesheng_live_array", scene)
        server.wait_for(lambda: len(server.stored_keys()) >= 4)
        assert agent.stop() == 0
    sessions = server.api.get("/api/v1/capture-sessions").json()
    utterances = interaction_utterances(server, sessions[0]["interaction_id"])
    heard = [(role, "".join(u["text"] for u in turn)) for role, turn in groupby(utterances, key=lambda u: u["role"])]
    assert [role for role, _ in heard] == ["staff", "customer", "staff", "customer"], heard  # a turn may be 2 sentences
    turns = [t.split(":", 1)[1] for t in TEXTS["call_stereo_8k.wav"].split(" | ")]
    for (_, said), text in zip(heard, turns, strict=True):
        assert cer(text, said) < 0.3, (text, said)
    complaints = server.api.get("/api/v1/complaints").json()["items"]
    assert complaints and all("抱歉" not in c["text"] for c in complaints)  # the staff apology is no complaint


def test_bluetooth_headset_that_goes_away_is_reopened(server: Server, tmp_path: Path) -> None:
    env = server.enrol(tmp_path)
    sink = "bluez_sink.00_11_22_33_44_66.handsfree_head_unit"
    first, second = (
        mono_visit(tmp_path / f"{n}.wav", (n,)) for n in ("counter_inquiry_card", "counter_complaint_fees")
    )
    module = load_sink(sink)
    try:
        agent = AgentProcess(env, tmp_path / "agent.log", "--device", f"{sink}.monitor", "--mode", "field")
        agent.wait_capturing()
        play(sink, first)
        server.wait_for(lambda: len(server.stored_keys()) == 1)
        unload_module(module)  # out of range
        server.wait_for(lambda: "went away" in agent.log_path.read_text(), timeout=30)
        module = load_sink(sink)  # back again
        server.wait_for(lambda: agent.log_path.read_text().count("capturing from") == 2, timeout=30)
        play(sink, second)
        server.wait_for(lambda: len(server.stored_keys()) == 2)
        assert agent.process.poll() is None  # never restarted
        assert agent.stop() == 0
    finally:
        unload_module(module)
    sessions = server.api.get("/api/v1/capture-sessions").json()
    assert len(sessions) == 1 and sessions[0]["mode"] == "field"
    with server.session() as session:
        assert session.scalar(select(func.count()).select_from(Utterance)) >= 2
    assert os.environ.get("PULSE_SOURCE") is None  # the agent's choice of source stays in its process


def test_staff_type_the_next_customer_and_a_new_session_begins(server: Server, tmp_path: Path) -> None:
    env = server.enrol(tmp_path)
    first, second = (mono_visit(tmp_path / f"{n}.wav", (n,)) for n in ("counter_inquiry_card", "counter_praise"))
    with null_sink("kesheng_live_queue") as monitor:
        agent = AgentProcess(
            env, tmp_path / "agent.log", "--device", monitor, "--customer", "Q-001", stdin=subprocess.PIPE
        )
        agent.wait_capturing()
        play("kesheng_live_queue", first)
        server.wait_for(lambda: len(server.stored_keys()) == 1)
        assert agent.process.stdin is not None
        agent.process.stdin.write(b"Q-002\n")  # the next ticket is called
        agent.process.stdin.flush()
        server.wait_for(lambda: "new session" in agent.log_path.read_text(), timeout=30)
        play("kesheng_live_queue", second)
        server.wait_for(lambda: len(server.stored_keys()) == 2)
        assert agent.stop() == 0
    sessions = server.api.get("/api/v1/capture-sessions").json()
    assert [(s["customer"], s["utterances"]) for s in sessions] == [("Q-002", 1), ("Q-001", 1)]
    timeline = server.api.get("/api/v1/customers/Q-002/timeline").json()
    assert len(timeline["interactions"]) == 1
