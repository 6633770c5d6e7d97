"""Rebuild nlp/data/sources/reviews_*.tsv.gz: labelled pos/neg texts from public corpora, for sentiment.

Usage: python nlp/data/sources/make_reviews.py [MIRROR_ROOT]

Every file is read with `git -C DIR show COMMIT:PATH` from pinned snapshots (sources, commits and
licences in nlp/data/SOURCES.md), so the output depends only on the pinned commits. Rules for every
source: tabs/newlines -> space, 4..300 characters, each text once, texts under both labels dropped,
then a balanced random sample (seed 0) of min(#pos, #neg, 15000) per label. Never read: the review
sets kept as the independent test (ChnSentiCorp, waimai_10k, online_shopping_10_cats,
weibo_senti_100k); any text sharing a 12-character window with a test or development file is dropped.
"""

import collections
import csv
import gzip
import io
import json
import os
import random
import re
import subprocess
import sys

MIRROR = sys.argv[1] if len(sys.argv) > 1 else "/work/.mirror"
OUT = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(OUT, "..", "..", ".."))
CAP_PER_LABEL = 15000
sys.path.insert(0, os.path.join(ROOT, "bench", "data", "public"))
sys.path.insert(0, OUT)
from make_nonbusiness import held_out_texts  # noqa: E402
from make_samples import Excluder  # noqa: E402

EXCLUDER = Excluder(held_out_texts())


def show(repo_dir, commit, path):
    r = subprocess.run(
        ["git", "-C", f"{MIRROR}/{repo_dir}", "show", f"{commit}:{path}"], capture_output=True, check=True
    )
    return r.stdout.decode("utf-8-sig", errors="replace")


def clean(t):
    t = re.sub(r"[\t\r\n\u2028\u2029]+", " ", t or "")
    return re.sub(r" {2,}", " ", t).strip()


def finish(name, pairs, stats):
    labels = collections.defaultdict(set)
    order = []
    for text, lab in pairs:
        text = clean(text)
        if not (4 <= len(text) <= 300) or EXCLUDER.hit(text):
            continue
        if text not in labels:
            order.append(text)
        labels[text].add(lab)
    by = {"pos": [], "neg": []}
    conflicts = 0
    for t in order:
        if len(labels[t]) > 1:
            conflicts += 1
            continue
        by[next(iter(labels[t]))].append(t)
    n = min(len(by["pos"]), len(by["neg"]), CAP_PER_LABEL)
    rng = random.Random(0)
    rows = []
    for lab in ("pos", "neg"):
        avail = len(by[lab])
        rows += [(t, lab) for t in rng.sample(by[lab], n)]
        stats[name] = stats.get(name, {})
        stats[name][lab + "_available"] = avail
    rng.shuffle(rows)
    with io.TextIOWrapper(
        gzip.GzipFile(f"{OUT}/reviews_{name}.tsv.gz", "wb", mtime=0), encoding="utf-8", newline=""
    ) as f:
        f.write("text\tlabel\n")
        for t, lab in rows:
            f.write(f"{t}\t{lab}\n")
    stats[name].update(pos=n, neg=n, conflicts_dropped=conflicts, overlap_dropped=EXCLUDER.dropped)
    EXCLUDER.dropped = 0
    print(name, stats[name], file=sys.stderr)


def star_label(s):
    s = int(float(s))
    return "neg" if s <= 2 else ("pos" if s >= 4 else None)


# ---------------- sources ----------------
# douban_dmr and asap_samples are defined but not run: only 14 and 26 usable rows.


def douban_csuldw():
    repo, c = "csuldw+comment-sentiment-analysis/repo/.git", "8470a1f6df6f276416ca32b8f4110488c6fabbd5"
    for p in ["data/comment_trainset_2class.csv", "data/comment_testset_2class.csv"]:
        for r in csv.DictReader(io.StringIO(show(repo, c, p))):
            lab = star_label(r["RATING"])
            if lab:
                yield r["CONTENT"], lab


def douban_robin():
    repo, c = "robin-hlt+Chinese-Film-Comments-Sentiment-Analysis/repo", "3203cba658a47f058fa4ec5dbeb0b806afdefb66"
    m = {"力荐": "pos", "推荐": "pos", "还行": None, "较差": "neg", "很差": "neg"}
    recs = []
    for line in show(repo, c, "raw_comments.txt").splitlines():
        head = line.split("\t", 1)
        if len(head) == 2 and head[0] in m:
            recs.append([head[0], head[1]])
        elif recs:  # continuation of a multi-line comment
            recs[-1][1] += " " + line
    for star, text in recs:
        if m[star]:
            yield text, m[star]


def douban_dmr():
    repo, c = "yiyepianzhounc+DMR-Dataset-1/repo", "100c7e29b111ad6077fa61347e5b801a7d8ae67d"
    d = json.loads(show(repo, c, "reviews.json"))
    for r in d.values():
        if r.get("label") == 1 and r.get("stars"):  # label 1 = non-spam
            lab = star_label(r["stars"])
            if lab:
                yield r["text"], lab


def nlpcc2014_sc():
    repo, c = "zyrest+sentiment-classification/repo", "ece569d769ed654d6efcf61d81649f6ab2bd4375"
    for p, lab in [("data/sample.positive.txt", "pos"), ("data/sample.negative.txt", "neg")]:
        for m in re.finditer(r'<review id="\d+">(.*?)</review>', show(repo, c, p), re.S):
            yield m.group(1), lab


def car_bdci2018():
    repo, c = "shawnco411+ccf_bigdata/repo/.git", "0f9018f190771542c6bb694cd9a6d75ac57ef8d6"
    vals, text = collections.defaultdict(set), {}
    for r in csv.DictReader(io.StringIO(show(repo, c, "venv/train.csv"))):
        vals[r["content_id"]].add(r["sentiment_value"].strip())
        text[r["content_id"]] = r["content"]
    for cid, v in vals.items():
        if v == {"1"}:
            yield text[cid], "pos"
        elif v == {"-1"}:
            yield text[cid], "neg"


def asap_samples():
    repo, c = "Meituan-Dianping+asap/repo", "975122a60065240124df62cb4d5dbfd19ed9ef2c"
    for p in ["data/train_sample.csv", "data/dev_sample.csv", "data/test_sample.csv"]:
        for r in csv.DictReader(io.StringIO(show(repo, c, p))):
            lab = star_label(r["star"])
            if lab:
                yield r["reviewbody"], lab


def _unsegment(t):
    # corpus is jieba-segmented; drop spaces between non-ASCII chars, keep others
    return re.sub(r"(?<=[^\x00-\x7f]) +(?=[^\x00-\x7f])", "", t.strip())


def _conv(path):
    repo, c = "z17176+Chinese_conversation_sentiment/repo", "486e9a71244c684b2503c55a809a3e99606f6997"
    lines = show(repo, c, path).splitlines()
    for line in lines[1:]:
        lab, _, text = line.partition(",")
        if lab in ("positive", "negative"):
            yield _unsegment(text), lab[:3]


def conversation_xs_manual():
    yield from _conv("sentiment_XS_test.txt")


def conversation_xs30k_auto():
    yield from _conv("sentiment_XS_30k.txt")


def weibo_smp2020_virus():
    repo, c = "msft-vivi+SMP2020---Weibo-sentiment-classification/repo", "58776085adf6a0355b1b0fea16e6c91626b1c4e6"
    m = {"happy": "pos", "angry": "neg", "sad": "neg", "fear": "neg"}  # drop surprise, neural
    for r in json.loads(show(repo, c, "baseline/k_fold/virus/train.txt")):
        if r["label"] in m:
            yield r["content"], m[r["label"]]


def weibo_clue_emotion():
    repo, c = "CLUEbenchmark+CLUEmotionAnalysis2020/repo", "ff1bc945fc3a5854e0013de5a2f222dd1da61516"
    m = {"happiness": "pos", "like": "pos", "sadness": "neg", "anger": "neg", "disgust": "neg", "fear": "neg"}
    for p in ["CLUEdataset/emotion/valid.txt", "CLUEdataset/emotion/test.txt"]:
        for line in show(repo, c, p).splitlines():
            if line.strip():
                r = json.loads(line)
                if r["label"] in m:
                    yield r["content"], m[r["label"]]


# Left out: douban_csuldw (its author forbids redistribution and commercial use) and the two
# conversation_xs sets (labels that look arbitrary on inspection; one set labelled automatically).
SOURCES = [douban_robin, nlpcc2014_sc, car_bdci2018, weibo_smp2020_virus, weibo_clue_emotion]

if __name__ == "__main__":
    stats = {}
    for fn in SOURCES:
        finish(fn.__name__, list(fn()), stats)
    print(json.dumps(stats, ensure_ascii=False, indent=1))
