"""The correction step: confident homophones of vocabulary terms only, never general speech."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from tests.conftest import REAL
from transcribe.correction import Corrector
from zhtext.vocabulary import load_vocabulary

PUBLIC = Path(__file__).resolve().parents[2] / "bench" / "data" / "real_speech"


@pytest.fixture(scope="module")
def corrector() -> Corrector:
    return Corrector.of(load_vocabulary(None).terms)


@pytest.mark.parametrize(
    ("heard", "meant"),
    [
        ("这位贵园服务态度特别好", "这位柜员服务态度特别好"),
        ("我去贵台办理挂失", "我去柜台办理挂失"),
        ("打克服电话也没人接，我要投诉", "打客服电话也没人接，我要投诉"),
        ("手续废太高了", "手续费太高了"),
        ("我家的宽代老是断网", "我家的宽带老是断网"),
    ],
)
def test_whisper_base_misspellings_are_corrected(corrector: Corrector, heard: str, meant: str) -> None:
    assert corrector.correct(heard) == meant


def test_a_common_word_changes_only_in_a_sentence_about_the_business(corrector: Corrector) -> None:
    assert corrector.correct("我们一定要克服困难。") == "我们一定要克服困难。"
    assert (
        corrector.correct("我们一定要克服困难。克服电话打不通，我要投诉。")
        == "我们一定要克服困难。客服电话打不通，我要投诉。"
    )


def test_matches_do_not_run_over_punctuation_or_latin(corrector: Corrector) -> None:
    assert corrector.correct("贵，台") == "贵，台"
    assert corrector.correct("贵a台") == "贵a台"
    assert corrector.correct("") == "" and corrector.correct("ok") == "ok"


def test_two_terms_with_the_same_sound_cancel_out() -> None:
    corrector = Corrector.of(["公式", "公事"])  # gōng shì and gōng shì: no way to tell which was meant
    assert corrector.correct("攻势很猛") == "攻势很猛"


def _references(path: Path, column: str) -> list[str]:
    if not path.exists():
        return []
    with path.open(encoding="utf-8") as src:
        return [row[column] for row in csv.DictReader(src, delimiter="\t")]


def test_human_references_of_general_speech_are_left_alone(corrector: Corrector) -> None:
    references = _references(REAL / "transcripts.tsv", "reference_text")
    references += _references(PUBLIC / "transcripts.tsv", "reference_text")
    assert len(references) >= 9
    changed = [text for text in references if corrector.correct(text) != text]
    assert changed == []
