"""The `kesheng` command-line contract, run as a user runs it: real processes, real files."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import httpx
import pytest

from kesheng.harness import API_KEY, kesheng_env, run_cli, server_process
from tests import badfiles
from tests.cli import invoke
from tests.conftest import AUDIO, REAL
from transcribe.quality import cer

_env = kesheng_env
run = run_cli


@pytest.fixture
def env(tmp_path: Path, model_cache: Path) -> dict[str, str]:
    return _env(tmp_path / "data", model_cache)


@pytest.mark.process
def test_analyze_jsonl_contract(env: dict[str, str]) -> None:
    lines = "你们的柜员态度太差了，我要投诉，电话13912345678\n\n請問信用卡年費怎麼收\n"
    result = run(["analyze", "--jsonl"], env, stdin=lines)
    assert result.returncode == 0, result.stderr
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(rows) == 2
    first = rows[0]
    assert set(first) == {"text", "redacted", "role", "tokens", "sentiment", "intent", "complaint", "pii", "keywords"}
    assert set(first["complaint"]) == {"flag", "severity", "category", "score"}
    assert "13912345678" not in first["redacted"]
    assert first["complaint"]["flag"] is True and first["complaint"]["severity"] in ("medium", "high")
    assert first["text"][first["pii"][0]["start"] : first["pii"][0]["end"]] == "13912345678"
    assert rows[1]["intent"]["label"] == "inquiry" and rows[1]["complaint"]["flag"] is False


@pytest.mark.process
def test_transcribe_json_contract(env: dict[str, str], tmp_path: Path) -> None:
    files = [AUDIO / "counter_complaint_fees.wav", AUDIO / "call_stereo_8k.wav"]
    result = run(["transcribe", *map(str, files), "--json"], env)
    assert result.returncode == 0, result.stderr
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["file"] for r in rows] == [str(f) for f in files]
    for row in rows:
        assert {"file", "duration", "language", "segments", "text"} <= set(row)
        assert row["language"] == "zh" and row["text"]
        assert all({"start", "end", "channel", "role", "text"} <= set(s) for s in row["segments"])
    assert "投诉" in rows[0]["text"]
    assert {s["role"] for s in rows[1]["segments"]} == {"staff", "customer"}


@pytest.mark.process
def test_transcribe_with_a_branchs_vocabulary(env: dict[str, str], tmp_path: Path) -> None:
    vocabulary = tmp_path / "terms.txt"
    vocabulary.write_text("[branch TJ01]\n滨海新区\n", encoding="utf-8")
    clip = str(REAL / "zh_funasr_llamacpp_sample.wav")  # 我想问我在滨海新区有房
    result = run(["transcribe", clip, "--branch", "TJ01", "--json"], env | {"KESHENG_VOCABULARY_FILE": str(vocabulary)})
    assert result.returncode == 0, result.stderr
    assert "滨海新区" in json.loads(result.stdout)["text"]
    vocabulary.write_text("[branch TJ01]\n[shop]\n", encoding="utf-8")
    broken = run(["transcribe", clip], env | {"KESHENG_VOCABULARY_FILE": str(vocabulary)})
    assert broken.returncode == 1 and "line 2" in broken.stderr and "Traceback" not in broken.stderr


@pytest.mark.process
def test_transcribe_bad_files_report_and_continue(env: dict[str, str], tmp_path: Path) -> None:
    files = [badfiles.empty(tmp_path), tmp_path / "missing.wav", AUDIO / "counter_praise.wav"]
    result = run(["transcribe", *map(str, files), "--json"], env)
    assert result.returncode == 1
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert "empty" in rows[0]["error"] and "does not exist" in rows[1]["error"]
    assert rows[2]["text"]
    assert "Traceback" not in result.stderr


@pytest.mark.process
def test_import_folder_and_manifest_then_cases(env: dict[str, str], tmp_path: Path) -> None:
    folder = tmp_path / "batch" / "nested"
    folder.mkdir(parents=True)
    shutil.copy(AUDIO / "counter_complaint_fees.wav", folder)
    shutil.copy(AUDIO / "counter_praise.wav", tmp_path / "batch")
    badfiles.not_audio(folder)
    (folder / "notes.txt").write_text("ignored")
    result = run(
        ["import", str(tmp_path / "batch"), "--customer", "C7", "--branch", "HZ01", "--channel", "counter"], env
    )
    assert result.returncode == 1  # the PDF pretending to be a WAV failed; the rest went in
    assert "import summary" in result.stdout
    assert result.stdout.count(" done ") == 2 and "failed" in result.stdout

    manifest = tmp_path / "calls.csv"
    shutil.copy(AUDIO / "call_stereo_8k.wav", tmp_path / "call.wav")
    manifest.write_text(
        "path,customer,branch,channel,stereo_roles,occurred_at\n"
        'call.wav,C8,HZ02,call,"staff,customer",2026-11-01T10:00:00+08:00\n',
        encoding="utf-8",
    )
    result = run(["import", str(manifest)], env)
    assert result.returncode == 0, result.stdout + result.stderr

    again = run(["import", str(tmp_path / "call.wav"), "--channel", "call"], env)
    assert again.returncode == 0 and "duplicate" in again.stdout

    listed = run(["cases", "--json"], env)
    cases = json.loads(listed.stdout)
    assert sorted(c["customer"] for c in cases) == ["C7", "C8"]  # one case per customer's problem
    for c in cases:
        assert {"id", "customer", "branch", "severity", "category", "status", "occurred_at", "due_at"} <= set(c)
        assert c["status"] == "new" and c["evidence"] and all(isinstance(e, str) and e for e in c["evidence"])
        assert datetime.fromisoformat(c["due_at"]) > datetime.fromisoformat(c["occurred_at"])
    call = next(c for c in cases if c["customer"] == "C8")
    assert call["occurred_at"] == "2026-11-01T02:00:00+00:00"  # when the call happened, from the manifest
    assert json.loads(run(["complaints", "--json"], env).stdout) == cases  # the command's former name
    assert json.loads(run(["cases", "--status", "resolved", "--json"], env).stdout) == []
    assert run(["cases", "--status", "closed"], env).returncode == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["import", "/nonexistent/dir/x.wav"], "does not exist"),
        (["import", "--channel", "fax", "x.wav"], "--channel"),
        (["import", "--stereo-roles", "boss,customer", "x.wav"], "unknown role"),
        (["worker", "--queue", "urgent"], "--queue must be all, live or imports"),
        (["worker", "--threads", "0"], "at least 1"),
    ],
)
def test_import_argument_errors(env: dict[str, str], args: list[str], message: str) -> None:
    result = invoke(args, env)
    assert result.returncode != 0
    assert message in result.stdout + result.stderr
    assert "Traceback" not in result.stderr


def test_bad_manifest(env: dict[str, str], tmp_path: Path) -> None:
    manifest = tmp_path / "m.csv"
    manifest.write_text("file,customer\nx.wav,C1\n", encoding="utf-8")
    result = invoke(["import", str(manifest)], env)
    assert result.returncode == 1 and "needs a 'path' column" in result.stderr
    manifest.write_bytes(b"path\n\xff\xfe\x00garbage")
    assert invoke(["import", str(manifest)], env).returncode == 1


@pytest.fixture
def server(tmp_path: Path, model_cache: Path) -> Iterator[tuple[str, dict[str, str]]]:
    with server_process(tmp_path, model_cache) as running:
        yield running.url, running.env


def test_import_to_a_running_server(server: tuple[str, dict[str, str]], tmp_path: Path, model_cache: Path) -> None:
    url, _server_env = server
    client_env = _env(tmp_path / "client-data", model_cache, KESHENG_API_KEY=API_KEY)
    result = run(
        [
            "import",
            str(AUDIO / "counter_complaint_fees.wav"),
            "--server",
            url,
            "--customer",
            "C9",
            "--branch",
            "WH01",
            "--channel",
            "counter",
        ],
        client_env,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert " done " in result.stdout
    listed = httpx.get(f"{url}/api/v1/complaints", headers={"X-API-Key": API_KEY}).json()
    # One clip, however many of its sentences complain: one case.
    assert listed["total"] == 1 and [(i["customer"], i["category"]) for i in listed["items"]] == [("C9", "fees")]
    wrong_key = run(["import", str(AUDIO / "counter_praise.wav"), "--server", url, "--api-key", "nope"], client_env)
    assert wrong_key.returncode == 1 and "401" in wrong_key.stdout


@pytest.mark.process
def test_oversized_and_truncated_inputs_through_the_cli(tmp_path: Path, model_cache: Path) -> None:
    limited = _env(tmp_path / "data", model_cache, KESHENG_MAX_AUDIO_SECONDS="2")
    result = run(["import", str(AUDIO / "counter_praise.wav"), "--channel", "counter"], limited)
    assert result.returncode == 1 and "over the limit of 2 s" in result.stdout
    mp3 = badfiles.transcode(AUDIO / "counter_complaint_fees.wav", tmp_path / "fees.mp3", "mp3")
    cut = badfiles.truncated(mp3, tmp_path, keep=0.6)
    transcribed = run(["transcribe", str(cut), "--json"], _env(tmp_path / "data", model_cache))
    assert transcribed.returncode == 0, transcribed.stderr
    # What decoded of the first 60% is transcribed. (Whisper base hears this 3 s mp3 cut as 手续费 or
    # 手机飞 depending on the PyAV build's mp3 codec: 0.07 or 0.29 against the words said.)
    assert cer("你们乱扣我的手续费，上个月扣了", json.loads(transcribed.stdout)["text"]) < 0.4


def test_devices_add_and_enrol_against_a_server(server: tuple[str, dict[str, str]], tmp_path: Path) -> None:
    url, server_env = server
    added = run(["devices", "add", "--branch", "BJ01", "--counter", "2", "--staff", "li"], server_env)
    assert added.returncode == 0, added.stderr
    code = added.stdout.strip().splitlines()[-1]
    assert len(code) == 9 and code[4] == "-"

    agent_dir = tmp_path / "agent"
    agent_env = {**server_env, "KESHENG_AGENT_DIR": str(agent_dir)}
    enrolled = run(["devices", "enrol", "--server", url, "--code", code, "--name", "counter-2"], agent_env)
    assert enrolled.returncode == 0, enrolled.stderr
    device_id = int(enrolled.stdout.strip().splitlines()[-1])
    stored = json.loads((agent_dir / "device.json").read_text())
    assert stored["device_id"] == device_id and stored["token"].startswith("ksd_")
    assert (agent_dir / "device.json").stat().st_mode & 0o777 == 0o600

    again = run(["devices", "enrol", "--server", url, "--code", code], agent_env)
    assert again.returncode == 1 and "already used" in again.stderr
    listed = httpx.get(f"{url}/api/v1/devices", headers={"X-API-Key": API_KEY}).json()
    assert listed[0]["name"] == "counter-2" and listed[0]["health"] == "never_seen"
