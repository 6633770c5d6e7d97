"""The vocabulary file: sections, the hotword choice per recording, the prompt budget, reloading."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from core.errors import ConfigError
from zhtext.vocabulary import load_vocabulary, parse_terms, save_vocabulary

USER = """# terms of this bank
招财宝 100 n
手续费
[industry bank]
安心贷
[branch TJ01 bank]
滨海新区
[branch SH02]
陆家嘴
"""


def _vocabulary(tmp_path: Path, text: str = USER):  # type: ignore[no-untyped-def]
    path = tmp_path / "vocabulary.txt"
    path.write_text(text, encoding="utf-8")
    return load_vocabulary(path)


def test_sections_and_every_term_once(tmp_path: Path) -> None:
    vocabulary = _vocabulary(tmp_path)
    assert vocabulary.user.get("") == ("招财宝", "手续费")
    assert vocabulary.user.get("branch TJ01") == ("滨海新区",)
    assert vocabulary.user.branch_industry == {"TJ01": "bank"}
    assert vocabulary.terms[:5] == ("招财宝", "手续费", "安心贷", "滨海新区", "陆家嘴")
    assert vocabulary.terms.count("手续费") == 1 and "柜台" in vocabulary.terms


def test_without_an_industry_whisper_gets_only_the_users_terms(tmp_path: Path) -> None:
    vocabulary = _vocabulary(tmp_path)
    assert vocabulary.candidates() == ("招财宝", "手续费")
    assert load_vocabulary(None).hotwords() is None  # built-in terms cost accuracy on general speech


def test_a_branch_gets_its_terms_first_then_its_industrys(tmp_path: Path) -> None:
    vocabulary = _vocabulary(tmp_path)
    chosen = vocabulary.candidates("TJ01")
    assert chosen[:4] == ("滨海新区", "招财宝", "手续费", "安心贷")
    assert "信用卡" in chosen and "柜台" in chosen and "宽带" not in chosen  # bank and common, not telecom
    assert vocabulary.candidates("SH02") == ("陆家嘴", "招财宝", "手续费")
    assert vocabulary.candidates("SH02", "telecom")[3:5] == ("宽带", "流量套餐")
    assert "陆家嘴" not in vocabulary.candidates("TJ01")


def test_the_budget_keeps_whole_terms_and_never_drops_a_users_term_for_a_built_in_one(tmp_path: Path) -> None:
    vocabulary = _vocabulary(tmp_path)
    every = vocabulary.candidates("TJ01")
    hotwords = vocabulary.hotwords("TJ01", budget=50).split()  # UTF-8 bytes: 3 a character
    assert hotwords[:4] == ["滨海新区", "招财宝", "手续费", "安心贷"]  # 43 bytes: the user's terms all fit
    assert len(hotwords) < len(every) and len((" " + " ".join(hotwords)).encode()) <= 50
    assert all(term in every for term in hotwords)
    assert vocabulary.hotwords("TJ01", budget=40).split()[3] == "年费"  # 安心贷 does not fit; a shorter term does
    counted = vocabulary.hotwords("TJ01", budget=13, count=len)  # a model's own token count
    assert counted == "滨海新区 招财宝 手续费"  # " 滨海新区 招财宝 手续费" is 13 characters


def test_an_edited_file_is_read_again(tmp_path: Path) -> None:
    path = tmp_path / "vocabulary.txt"
    path.write_text("招财宝\n", encoding="utf-8")
    assert load_vocabulary(path).candidates() == ("招财宝",)
    path.write_text("招财宝\n安心贷\n", encoding="utf-8")
    os.utime(path, ns=(1, 1))  # a different signature even on a coarse clock
    assert load_vocabulary(path).candidates() == ("招财宝", "安心贷")


def test_saving_refuses_a_bad_file_and_keeps_the_old_one(tmp_path: Path) -> None:
    path = tmp_path / "vocabulary.txt"
    save_vocabulary(path, "招财宝\n")
    with pytest.raises(ConfigError, match="line 2"):
        save_vocabulary(path, "安心贷\n[shop 7]\n")
    assert path.read_text(encoding="utf-8") == "招财宝\n"
    assert save_vocabulary(path, "[branch BJ01]\n朝阳门\n").candidates("BJ01") == ("朝阳门",)


@pytest.mark.parametrize("header", ["[industry]", "[branch]", "[industry bank retail]", "[branch A B C]", "[branch A"])
def test_bad_headers_name_their_line(header: str) -> None:
    with pytest.raises(ConfigError, match="line 1"):
        parse_terms(header + "\n招财宝\n")


def test_a_named_file_that_is_missing_is_an_error_the_default_one_is_not(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        load_vocabulary(tmp_path / "nope.txt")
    assert load_vocabulary(tmp_path / "nope.txt", missing_ok=True).candidates() == ()
