"""`kesheng analyze`: JSON lines with conversations and roles, `--cases`, and bad input line by line."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from kesheng.harness import KESHENG, kesheng_env

pytestmark = pytest.mark.process


@pytest.fixture
def env(tmp_path: Path, model_cache: Path) -> dict[str, str]:
    return kesheng_env(tmp_path / "data", model_cache)


def analyze(args: list[str], env: dict[str, str], stdin: bytes) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [*KESHENG, "analyze", *args], input=stdin, capture_output=True, env=env, timeout=300, check=False
    )


def _lines(*objects: dict[str, object]) -> bytes:
    return "".join(json.dumps(o, ensure_ascii=False) + "\n" for o in objects).encode()


CONVERSATION = [
    {"conversation": "c1", "role": "staff", "text": "您好，请问办理什么业务"},
    {"conversation": "c1", "role": "customer", "text": "我想问一下这个月怎么多扣了五十块管理费"},
    {"conversation": "c1", "role": "staff", "text": "请稍等，我帮您查一下"},
    {"conversation": "c1", "role": "customer", "text": "我根本没开通过，凭什么乱扣我的钱，我要投诉你们"},
    {"conversation": "c1", "role": "unknown", "text": "非常抱歉给您带来不便"},
    {"conversation": "c2", "role": "unknown", "text": "您好，请问有什么可以帮您"},
    {"conversation": "c2", "role": "unknown", "text": "嗯，对，是的，我想办张卡"},
    {"conversation": "c2", "role": "customer", "text": "今天天气不错"},
]


def test_json_lines_give_one_line_each_with_role_and_score(env: dict[str, str]) -> None:
    result = analyze(["--jsonl"], env, _lines(*CONVERSATION))
    assert result.returncode == 0, result.stderr.decode()
    rows = [json.loads(line) for line in result.stdout.decode().splitlines()]
    assert len(rows) == len(CONVERSATION)
    assert [r["conversation"] for r in rows] == [c["conversation"] for c in CONVERSATION]
    assert [r["text"] for r in rows] == [c["text"] for c in CONVERSATION]
    assert [r["role"] for r in rows[:4]] == ["staff", "customer", "staff", "customer"]  # given roles are kept
    assert rows[4]["role"] == "staff" and rows[5]["role"] == "staff"  # inferred from words and turns
    for row in rows:
        assert set(row["complaint"]) == {"flag", "severity", "category", "score"}
        assert 0 <= row["complaint"]["score"] <= 1
    assert rows[3]["complaint"]["flag"] and rows[3]["complaint"]["category"] == "fees"
    assert not any(r["complaint"]["flag"] for r in rows[5:])


def test_the_threshold_settings_reach_analyze(env: dict[str, str]) -> None:
    """KESHENG_COMPLAINT_THRESHOLD (the bar for a complaint on its own) and KESHENG_COMPLAINT_EVIDENCE_THRESHOLD
    (the bar for the other turns of a conversation that holds one) both override the models' own."""
    lines = _lines(*CONVERSATION[:4])
    scores = [json.loads(r)["complaint"]["score"] for r in analyze(["--jsonl"], env, lines).stdout.splitlines()]
    # the angry turn and the question before it, just under their printed (rounded) scores
    top, second = scores[3] - 0.0001, scores[1] - 0.0001
    assert second + 0.001 < top
    above = scores[3] + 0.0001
    flags = {}
    cases = [(top, top), (top, second)] + ([(above, 0.0)] if above <= 1.0 else [])
    for threshold, evidence in cases:
        run = analyze(
            ["--jsonl"],
            {
                **env,
                "KESHENG_COMPLAINT_THRESHOLD": str(threshold),
                "KESHENG_COMPLAINT_EVIDENCE_THRESHOLD": str(evidence),
            },
            lines,
        )
        assert run.returncode == 0, run.stderr.decode()
        flags[(threshold, evidence)] = [json.loads(r)["complaint"]["flag"] for r in run.stdout.splitlines()]
    assert flags[(top, top)] == [False, False, False, True]  # the question stays out at the threshold
    assert flags[(top, second)] == [False, True, False, True]  # and joins the case at its own score
    if above <= 1.0:
        assert not any(flags[(above, 0.0)])  # nothing reaches the threshold: no evidence bar


def test_cases_follow_each_conversation(env: dict[str, str]) -> None:
    result = analyze(["--jsonl", "--cases"], env, _lines(*CONVERSATION))
    assert result.returncode == 0, result.stderr.decode()
    rows = [json.loads(line) for line in result.stdout.decode().splitlines()]
    assert len(rows) == len(CONVERSATION) + 2
    case1, case2 = rows[5], rows[-1]
    assert set(case1) == {"conversation", "case"} and case1["conversation"] == "c1"
    assert set(case1["case"]) == {"flag", "severity", "category", "score", "evidence"}
    assert case1["case"]["flag"] and case1["case"]["category"] == "fees" and 3 in case1["case"]["evidence"]
    assert not {0, 2, 4} & set(case1["case"]["evidence"])
    assert case2 == {
        "conversation": "c2",
        "case": {"flag": False, "severity": "none", "category": None, "score": case2["case"]["score"], "evidence": []},
    }


def test_plain_text_lines_work_as_before(env: dict[str, str]) -> None:
    result = analyze(["--jsonl", "--cases"], env, "今天天气不错\n\n你们柜员态度太差了，我要投诉\n".encode())
    assert result.returncode == 0, result.stderr.decode()
    rows = [json.loads(line) for line in result.stdout.decode().splitlines()]
    assert [r["text"] for r in rows] == ["今天天气不错", "你们柜员态度太差了，我要投诉"]  # no case lines
    assert [r["complaint"]["flag"] for r in rows] == [False, True]
    assert "conversation" not in rows[0]


def test_bad_lines_get_an_error_each_and_the_rest_are_answered(env: dict[str, str]) -> None:
    stdin = b"".join(
        [
            "好的，谢谢\n".encode(),
            b"\n",
            b'{"conversation": "c1", "text": \n',  # malformed JSON
            ("很" * 100_000 + "\n").encode(),  # far longer than one turn
            b"\xff\xfe\x00\x01binary\x00\n",  # binary bytes
            b'{"conversation": "c1", "role": "boss", "text": "hi"}\n',
            b'["only", "an", "object", "is", "a", "JSON", "line"]\n',
            _lines({"conversation": "c9", "role": "customer", "text": "你们乱收费，我要投诉"}),
        ]
    )
    result = analyze(["--jsonl", "--cases"], env, stdin)
    assert result.returncode == 1
    stderr = result.stderr.decode()
    assert "Traceback" not in stderr
    rows = [json.loads(line) for line in result.stdout.decode().splitlines()]
    errors = {r["line"]: r["error"] for r in rows if "error" in r}
    assert set(errors) == {3, 4, 5, 6}
    assert "malformed JSON" in errors[3] and "over the limit" in errors[4] and "UTF-8" in errors[5]
    assert "role" in errors[6]
    assert rows[0]["text"] == "好的，谢谢" and rows[-2]["complaint"]["flag"] and rows[-1]["case"]["flag"]
    assert any(r.get("text", "").startswith('["only"') for r in rows)  # plain text that looks like JSON


def test_empty_input_gives_nothing(env: dict[str, str]) -> None:
    result = analyze(["--jsonl"], env, b"")
    assert result.returncode == 0 and result.stdout == b""
