"""The bundled NLP models on held-out sentences, traditional input, complaints and the JSON contract."""

from __future__ import annotations

import csv

import pytest

from nlp.analyzer import Analyzer
from nlp.classify import LABELS
from nlp.train import DATA

CONTRACT_KEYS = {"text", "redacted", "tokens", "sentiment", "intent", "complaint", "pii", "keywords"}


def _held_out() -> list[dict[str, str]]:
    with (DATA / "cs_test.tsv").open(encoding="utf-8") as src:
        return list(csv.DictReader(src, delimiter="\t"))


def test_train_and_test_sentences_do_not_overlap() -> None:
    with (DATA / "cs_train.tsv").open(encoding="utf-8") as src:
        train = {row["text"] for row in csv.DictReader(src, delimiter="\t")}
    assert not train & {row["text"] for row in _held_out()}


def test_held_out_intent_and_complaint_accuracy(analyzer: Analyzer) -> None:
    rows = _held_out()
    results = analyzer.analyze_many([r["text"] for r in rows])
    intent_acc = sum(a.intent.label == r["intent"] for a, r in zip(results, rows, strict=True)) / len(rows)
    complaint_acc = sum(a.complaint.flag == (r["category"] != "-") for a, r in zip(results, rows, strict=True)) / len(
        rows
    )
    assert intent_acc >= 0.75
    assert complaint_acc >= 0.8


def test_contract_fields_and_redaction(analyzer: Analyzer) -> None:
    text = "你们的柜员态度太差了，我要投诉，电话13912345678"
    data = analyzer.analyze(text).to_json()
    assert set(data) == CONTRACT_KEYS
    assert "13912345678" not in data["redacted"]
    assert "13912345678" not in "".join(data["tokens"])
    assert [text[p["start"] : p["end"]] for p in data["pii"]] == ["13912345678"]
    assert data["sentiment"]["label"] == "neg"
    assert data["intent"]["label"] == "complaint"
    assert data["complaint"] == {"flag": True, "severity": "medium", "category": "service_attitude"}
    assert "柜员" in data["tokens"] and "态度" in data["tokens"]


def test_traditional_input_is_understood_and_tokens_keep_its_script(analyzer: Analyzer) -> None:
    result = analyzer.analyze("你們的櫃員態度太差了，我要投訴")
    assert result.complaint.flag and result.complaint.category == "service_attitude"
    assert "櫃員" in result.tokens


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("请问这张卡的年费是多少", "inquiry"),
        ("客服小姐态度很好，谢谢你们", "praise"),
        ("我要把这张卡注销", "cancel"),
    ],
)
def test_not_complaints(analyzer: Analyzer, text: str, intent: str) -> None:
    result = analyzer.analyze(text)
    assert result.intent.label == intent
    assert not result.complaint.flag
    assert result.complaint.severity == "none" and result.complaint.category is None


def test_escalation_and_fraud_are_high_severity(analyzer: Analyzer) -> None:
    for text in ("你们再不处理我就去银保监会投诉", "我的卡被盗刷了三万块，你们要负责"):
        complaint = analyzer.analyze(text).complaint
        assert complaint.flag and complaint.severity == "high", text


def test_labels_and_scores_are_in_range(analyzer: Analyzer) -> None:
    for result in analyzer.analyze_many(["好的", "嗯嗯", "ok", "12345"]):
        assert result.sentiment.label in LABELS["sentiment"]
        assert result.intent.label in LABELS["intent"]
        assert 0.0 <= result.sentiment.score <= 1.0
        assert abs(sum(result.intent.probabilities.values()) - 1.0) < 1e-6
