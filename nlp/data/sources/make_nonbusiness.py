"""Rebuild nlp/data/sources/nonbusiness_*.tsv.gz: real Chinese talk about anything but the business.

Usage: python nlp/data/sources/make_nonbusiness.py [MIRROR_ROOT]

Casual chat turns, read-speech transcripts and subtitles from public snapshots (sources, commits and
licences in nlp/data/SOURCES.md), each read with `git -C DIR show COMMIT:PATH`, so the output depends
only on the pinned commits and the seed. The complaint detector learns from them that such talk is
not a complaint. Sources are kept only where their licence allows use in a product. Never read:
LCCC / CDial-GPT and AISHELL-1 (the test and development sets come from them), and any text that
shares a 12-character window with a test or development file is dropped.
"""

import gzip
import io
import json
import os
import random
import re
import subprocess
import sys
import zipfile

MIRROR = sys.argv[1] if len(sys.argv) > 1 else "/work/.mirror"
OUT = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(OUT, "..", "..", ".."))
KEEP = ("tencent_chat_prompts", "kdconv", "chatterbot_zh", "thchs30", "dgk_tv_subtitles")
MAX_ROWS = 20000
SEED = 20261207

# (short_name, kind, repo dir under MIRROR, commit, paths, parser)
SOURCES = []


def src(name, kind, repo_dir, commit, paths):
    def deco(fn):
        SOURCES.append((name, kind, repo_dir, commit, paths, fn))
        return fn

    return deco


def git_show(repo_dir, commit, path):
    d = os.path.join(MIRROR, repo_dir)
    return subprocess.run(["git", "-C", d, "show", f"{commit}:{path}"], check=True, capture_output=True).stdout


# ---------------------------------------------------------------- cleaning
BAD = [
    "傻",
    "逼",
    "滚",
    "贱",
    "婊",
    "你妈",
    "他妈",
    "妈的",
    "尼玛",
    "去死",
    "脑残",
    "白痴",
    "混蛋",
    "王八",
    "垃圾",
    "废物",
    "蠢",
    "智障",
    "sb",
    "fuck",
    "http",
    "www",
    ".com",
    ".cn",
]
BUSINESS = ["投诉", "退款", "客服", "退货", "差评"]
CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
# a space is removed unless both neighbours are ASCII alphanumerics
SPACE = re.compile(r"(?<![A-Za-z0-9])\s+|\s+(?![A-Za-z0-9])")


def clean(t):
    if t is None:
        return None
    t = str(t).replace("\u3000", " ").replace("\t", " ")
    t = re.sub(r"\s+", " ", t).strip()
    t = SPACE.sub("", t).strip()
    if not (2 <= len(t) <= 60):
        return None
    if not CJK.search(t):
        return None
    low = t.lower()
    if any(b in low for b in BAD):
        return None
    if any(b in t for b in BUSINESS):
        return None
    return t


# ---------------------------------------------------------------- parsers
@src(
    "tencent_chat_prompts",
    "chat",
    "502ping+RetrievalBased_Chatbot/repo/.git",
    "07a1eaae0683dd0f6b31682ab2cf2c6c6733b413",
    ["data_Q.txt"],
)
def p_tencent(blobs):
    for b in blobs:
        yield from b.decode("utf-8-sig").splitlines()


@src(
    "kdconv",
    "chat",
    "thu-coai+KdConv/repo",
    "653db76432de09a004ba708a68f8bbd5500e6bec",
    [f"data/{d}/{s}.json" for d in ("film", "music", "travel") for s in ("dev", "test")],
)
def p_kdconv(blobs):
    for b in blobs:
        for dlg in json.loads(b.decode("utf-8")):
            for m in dlg["messages"]:
                yield m.get("message")


@src(
    "crosswoz_user",
    "chat",
    "thu-coai+CrossWOZ/repo",
    "df82c9fdff91b9b130f2d6b89110d3870ba6260e",
    ["data/crosswoz/val.json.zip", "data/crosswoz/test.json.zip"],
)
def p_crosswoz(blobs):
    for b in blobs:
        z = zipfile.ZipFile(io.BytesIO(b))
        for n in z.namelist():
            if not n.endswith(".json"):
                continue
            for dlg in json.loads(z.read(n).decode("utf-8")).values():
                for m in dlg["messages"]:
                    if m.get("role") == "usr":
                        yield m.get("content")


@src("cdconv_user", "chat", "thu-coai+CDConv/repo", "2e88d215b2986a3719f9f63508e10a2e0fe72bfe", ["cdconv.txt"])
def p_cdconv(blobs):
    # only u1: the human-written opening user turn (u2 is partly constructed,
    # b1/b2 are bot generations)
    for b in blobs:
        for line in b.decode("utf-8").splitlines():
            if line.strip():
                yield json.loads(line).get("u1")


@src(
    "nus_sms_zh",
    "chat",
    "kite1988+nus-sms-corpus/repo/.git",
    "bf0a365170d324e61e4025edf363d400f1edd1a6",
    ["smsCorpus_zh_xml_2015.03.09.zip"],
)
def p_sms(blobs):
    import xml.etree.ElementTree as ET

    for b in blobs:
        z = zipfile.ZipFile(io.BytesIO(b))
        for n in z.namelist():
            if n.endswith(".xml"):
                root = ET.fromstring(z.read(n))
                for m in root.iter("message"):
                    t = m.find("text")
                    yield t.text if t is not None else None


@src(
    "chatterbot_zh",
    "chat",
    "gunthercox+chatterbot-corpus/repo",
    "a01efece26661309b870af0251d96f94ee09fb19",
    [
        "chatterbot_corpus/data/chinese/" + f
        for f in (
            "ai.yml",
            "botprofile.yml",
            "conversations.yml",
            "emotion.yml",
            "food.yml",
            "gossip.yml",
            "greetings.yml",
            "history.yml",
            "humor.yml",
            "literature.yml",
            "movies.yml",
            "politics.yml",
            "psychology.yml",
            "science.yml",
            "sports.yml",
            "trivia.yml",
        )
    ],
)
def p_chatterbot(blobs):
    # money.yml left out on purpose (financial talk); tiny YAML subset parsed by hand
    for b in blobs:
        for line in b.decode("utf-8").splitlines():
            m = re.match(r"^\s*(?:- )+(.*)$", line)
            if m and not line.startswith("- conversations") and m.group(1):
                yield m.group(1).strip().strip("'\"")


@src(
    "thchs30",
    "speech",
    "cnfive+speech/repo/.git",
    "77bcbe4900102b0d0c63582e9991a3c2c8aca067",
    ["doc/trans/train.word.txt", "doc/trans/cv.word.txt", "doc/trans/test.word.txt"],
)
def p_thchs(blobs):
    for b in blobs:
        for line in b.decode("utf-8", "replace").splitlines():
            parts = line.split(None, 1)
            if len(parts) == 2:
                yield parts[1]


@src(
    "biaobei_bznsyp",
    "speech",
    "FreeLo0op+llm_pp/repo",
    "a8ca2ffce7569364929d6a01a037b0fe7fd56333",
    ["000001-010000-text.txt"],
)
def p_biaobei(blobs):
    for b in blobs:
        for line in b.decode("utf-8-sig").splitlines():
            parts = line.split("\t", 1)
            if len(parts) == 2:
                yield parts[1]


@src(
    "dgk_tv_subtitles",
    "speech",
    "fate233+dgk_lost_conv/repo",
    "e90f8c67d12a10235959abae4c3ba134e3e51853",
    ["results/" + f for f in ("fanzxl.conv", "haosys.conv", "juemds.conv", "laoyj.conv", "lost.conv", "prisonb.conv")],
)
def p_dgk(blobs):
    for b in blobs:
        for line in b.decode("utf-8", "replace").splitlines():
            if line.startswith("M "):
                yield line[2:]


# ---------------------------------------------------------------- main
def held_out_texts():
    """Every text of the test files (bench/data/public), the held-out split and the development split."""
    sys.path.insert(0, os.path.join(ROOT, "bench", "data", "public"))
    from make_samples import texts_of

    folders = [os.path.join(ROOT, "bench", "data", "public")]
    folders += [os.path.join(ROOT, "nlp", "data", name) for name in ("heldout", "dev")]
    return texts_of([os.path.join(f, n) for f in folders for n in os.listdir(f) if n.endswith(".tsv")])


def main():
    sys.path.insert(0, os.path.join(ROOT, "bench", "data", "public"))
    from make_samples import Excluder

    excluder = Excluder(held_out_texts())
    seen_global = set()
    stats = []
    for name, kind, repo_dir, commit, paths, fn in SOURCES:
        if name not in KEEP:
            continue
        blobs = [git_show(repo_dir, commit, p) for p in paths]
        raw = 0
        texts, seen = [], set()
        for t in fn(blobs):
            raw += 1
            c = clean(t)
            if c is None or c in seen or c in seen_global or excluder.hit(c):
                continue
            seen.add(c)
            texts.append(c)
        uniq = len(texts)
        if len(texts) > MAX_ROWS:
            texts = random.Random(SEED).sample(texts, MAX_ROWS)
        seen_global.update(texts)
        with io.TextIOWrapper(
            gzip.GzipFile(os.path.join(OUT, f"nonbusiness_{name}.tsv.gz"), "wb", mtime=0), encoding="utf-8"
        ) as f:
            f.write("text\n")
            for t in texts:
                f.write(t + "\n")
        stats.append((name, kind, raw, uniq, len(texts)))
        print(f"{name}\t{kind}\traw={raw}\tclean_unique={uniq}\twritten={len(texts)}", file=sys.stderr)
    print(json.dumps(stats, ensure_ascii=False))


if __name__ == "__main__":
    main()
