"""The transformers backend loads a sequence-classification model from a directory and uses its labels.

A tiny BERT is trained here on some of the project's intent training sentences (seconds on a CPU), saved the way
`save_pretrained` saves any fine-tuned model, and loaded back through the Analyzer.
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from core.errors import ConfigError
from nlp.analyzer import Analyzer, model_input
from nlp.classify import LABELS, TransformersClassifier, load_classifiers
from nlp.corpus import training_utterances

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")


def _train_tiny_intent_model(directory: Path) -> list[tuple[str, str]]:
    customer = sorted({(u.text, u.intent) for u in training_utterances() if u.role == "customer"})
    by_intent = {i: [row for row in customer if row[1] == i] for i in LABELS["intent"]}
    rng = random.Random(0)
    rows = [(model_input(t)[1], i) for i in LABELS["intent"] for t, _ in rng.sample(by_intent[i], 30)]
    chars = sorted({c for text, _ in rows for c in text})
    directory.mkdir(parents=True)
    vocab = {token: i for i, token in enumerate(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *chars])}
    tokenizer = transformers.BertTokenizerFast(vocab=vocab)
    labels = list(reversed(LABELS["intent"]))  # an order unlike ours: the id2label mapping must be used
    config = transformers.BertConfig(
        vocab_size=len(chars) + 5,
        hidden_size=64,
        num_hidden_layers=1,
        num_attention_heads=2,
        intermediate_size=128,
        max_position_embeddings=128,
        hidden_dropout_prob=0.0,
        attention_probs_dropout_prob=0.0,
        num_labels=len(labels),
        id2label=dict(enumerate(labels)),
        label2id={label: i for i, label in enumerate(labels)},
    )
    torch.manual_seed(0)
    model = transformers.BertForSequenceClassification(config)
    batch = tokenizer([t for t, _ in rows], padding=True, truncation=True, max_length=64, return_tensors="pt")
    target = torch.tensor([labels.index(label) for _, label in rows])
    optimiser = torch.optim.AdamW(model.parameters(), lr=3e-3)
    model.train()
    for _ in range(200):
        optimiser.zero_grad()
        loss = model(**batch, labels=target).loss
        loss.backward()
        optimiser.step()
    model.save_pretrained(directory)
    tokenizer.save_pretrained(directory)
    return rows


@pytest.mark.slow  # trains a tiny BERT
def test_directory_model_is_loaded_and_its_labels_mapped(tmp_path: Path) -> None:
    rows = _train_tiny_intent_model(tmp_path / "models" / "intent")
    classifier = TransformersClassifier(tmp_path / "models" / "intent", "intent")
    predictions = classifier.predict([t for t, _ in rows])
    accuracy = sum(p.label == label for p, (_, label) in zip(predictions, rows, strict=True)) / len(rows)
    assert accuracy > 0.9  # it learnt its training set, so labels come back through id2label correctly
    assert all(abs(sum(p.probabilities.values()) - 1) < 1e-4 for p in predictions)

    # The analyser takes it for intent and keeps the bundled models for the other tasks.
    analyzer = Analyzer(load_classifiers(tmp_path / "models"))
    assert isinstance(analyzer.classifiers["intent"], TransformersClassifier)
    assert not isinstance(analyzer.classifiers["sentiment"], TransformersClassifier)
    text, label = rows[0]
    assert analyzer.analyze(text).intent.label == label


@pytest.mark.slow  # trains a tiny BERT
def test_wrong_labels_are_refused(tmp_path: Path) -> None:
    directory = tmp_path / "sentiment"
    _train_tiny_intent_model(directory)  # intent labels in a sentiment slot
    with pytest.raises(ConfigError, match="not sentiment labels"):
        TransformersClassifier(directory, "sentiment")


def test_missing_directory_contents_are_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "intent").mkdir()
    with pytest.raises(ConfigError, match="cannot load a intent model"):
        TransformersClassifier(tmp_path / "intent", "intent")
