"""`kesheng agent run/upload` with bad arguments, bad tokens and a device revoked while it runs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kesheng.harness import AgentProcess, Server, kesheng_env, null_sink, play, pulseaudio_ready, run_cli
from tests.capture.scenes import mono_visit
from tests.cli import invoke


def test_agent_argument_errors(tmp_path: Path, model_cache: Path) -> None:
    env = kesheng_env(tmp_path / "data", model_cache, KESHENG_AGENT_DIR=str(tmp_path / "agent"))
    cases = [
        (["agent", "run", "--device", "x"], "not enrolled"),
        (["agent", "run", "--device", "x", "--mode", "walk"], "--mode"),
        (["agent", "run", "--device", "x", "--combine", "loudest"], "--combine"),
        (["agent", "run", "--device", "x", "--channels", "staff=0;staff=1"], "named twice"),
        (["agent", "run", "--device", "x", "--server", "http://127.0.0.1:9", "--token", "t"], "cannot reach"),
        (["agent", "upload"], "not enrolled"),
    ]
    for args, message in cases:
        result = invoke(args, env)
        assert result.returncode != 0, args
        assert message in result.stderr, (args, result.stderr)
    assert not (tmp_path / "agent").exists()  # a mistake leaves nothing behind
    (tmp_path / "agent").mkdir()
    (tmp_path / "agent" / "device.json").write_text("{not json")
    broken = invoke(["agent", "upload"], env)
    assert broken.returncode == 1 and "enrol again" in broken.stderr


def test_tokens_wrong_or_given_by_hand(server: Server, tmp_path: Path) -> None:
    env = server.enrol(tmp_path)
    token = json.loads((Path(env["KESHENG_AGENT_DIR"]) / "device.json").read_text())["token"]
    other = kesheng_env(tmp_path / "other", Path(env["KESHENG_MODEL_CACHE"]), KESHENG_AGENT_DIR=str(tmp_path / "o"))
    wrong = run_cli(["agent", "upload", "--server", server.url, "--token", "ksd_wrong"], other)
    assert wrong.returncode == 1 and "refused --token (401)" in wrong.stderr
    by_hand = run_cli(["agent", "upload", "--server", server.url, "--token", token, "--json"], other)
    assert by_hand.returncode == 0, by_hand.stderr
    summary = json.loads(by_hand.stdout)
    assert set(summary) == {"uploaded", "rejected", "spooled", "quarantined", "last_error"}
    assert (summary["uploaded"], summary["spooled"]) == (0, 0)


def test_channel_map_wider_than_the_device_fails_fast(server: Server, tmp_path: Path) -> None:
    if not pulseaudio_ready():
        pytest.skip("no PulseAudio server")
    env = server.enrol(tmp_path)
    with null_sink("kesheng_cli_mono") as monitor:
        result = run_cli(["agent", "run", "--device", monitor, "--channels", "staff=0;customer=1"], env, timeout=60)
    assert result.returncode == 2 and "has 1 channel(s); the map needs 2" in result.stderr


def test_revoked_while_running_stops_the_agent_and_keeps_the_audio(server: Server, tmp_path: Path) -> None:
    if not pulseaudio_ready():
        pytest.skip("no PulseAudio server")
    env = server.enrol(tmp_path)
    visit = mono_visit(tmp_path / "v.wav", ("counter_inquiry_card",))
    with null_sink("kesheng_cli_revoke") as monitor:
        agent = AgentProcess(env, tmp_path / "agent.log", "--device", monitor)
        agent.wait_capturing()
        assert server.api.post(f"/api/v1/devices/{env['DEVICE_ID']}/revoke").status_code == 200
        play("kesheng_cli_revoke", visit)
        assert agent.process.wait(timeout=60) == 4
    assert "re-enrol" in agent.log_path.read_text()
    status = json.loads(run_cli(["agent", "status", "--json"], env).stdout)
    assert status["spooled"] == 1 and "revoked" in status["last_error"]
