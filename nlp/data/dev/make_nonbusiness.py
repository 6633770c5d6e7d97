"""Rebuild nlp/data/dev/nonbusiness.tsv: real non-business sentences for choosing the threshold.

Development data only: the threshold and gates are chosen on it; nothing is trained on it.

Usage: python nlp/data/dev/make_nonbusiness.py MIRROR_ROOT
It draws from the same two pinned public pools as the test files in bench/data/public (AISHELL-1
test-set transcripts, LCCC chat shipped with CDial-GPT; sources and licences in
bench/data/public/SOURCES.md), cleaned and filtered the same way, but never a sentence that is in
a test file or that overlaps the training data: dev and test are disjoint rows of the same corpora.
"""

import json
import os
import random
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "bench", "data", "public"))

from make_samples import (  # noqa: E402
    CJK,
    INSULT_OR_URL,
    Excluder,
    aishell_sentences,
    lccc_turns,
    texts_of,
    training_texts,
    write_tsv,
)

SEED = 20261207  # not the test files' seed
PER_SOURCE = 1000


def test_texts():
    public = os.path.join(ROOT, "bench", "data", "public")
    return texts_of([os.path.join(public, n) for n in ("speech_aishell1.tsv", "chat_lccc.tsv")])


def main(mirror):
    # Training overlap and any 12-character window shared with a test sentence both keep a row out.
    excl, held = Excluder(training_texts()), Excluder(test_texts())
    rows, stats = [], {}
    for name, texts in (("aishell1", aishell_sentences(mirror)), ("lccc", lccc_turns(mirror))):
        seen, pool = set(), []
        for t in texts:
            if t in seen or not (2 <= len(t) <= 80) or not CJK.search(t):
                continue
            seen.add(t)
            if not held.hit(t) and not INSULT_OR_URL.search(t) and not excl.hit(t):
                pool.append(t)
        sample = random.Random(SEED).sample(pool, min(PER_SOURCE, len(pool)))
        rows += [[t, name] for t in sample]
        stats[name] = {"pool": len(pool), "written": len(sample)}
    write_tsv(os.path.join(HERE, "nonbusiness.tsv"), ["text", "source"], rows)
    print(json.dumps(stats))


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "/work/.mirror")
