"""How far the tags can be trusted, on data the models never saw, against the plain alternative (snownlp).

    .venv/bin/python bench/bench_nlp.py [--no-audio]

Reports, for the bundled models at their threshold (chosen on the development split, nlp/data/dev):
- held-out conversations (a separate hand-written pass): intent macro-F1, complaint precision /
  recall / F1 per utterance and per conversation, category and severity accuracy, role accuracy
  with the roles hidden (mono);
- false complaints on held-out counter small talk, on real non-business speech and chat
  (bench/data/public: transcripts of public speech corpora, a public chat corpus, the real
  recordings' references) — every line taken as the customer's, so the role model cannot hide
  a false complaint;
- sentiment accuracy on real reviews (bench/data/public/reviews_*.tsv, never trained or tuned on)
  and the share of positive reviews flagged as complaints, beside snownlp on the same reviews;
- roles on audio: the stereo call fixture mixed down to mono, transcribed, roles inferred, compared
  with the roles its two channels give;
- utterances per second, model size, load time.
Writes bench/results/nlp.json.
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import sys
import tempfile
import time
import wave
from collections.abc import Sequence
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from audio import decode_audio  # noqa: E402
from bench.bench_pipeline import machine  # noqa: E402
from nlp.analyzer import Analyzer  # noqa: E402
from nlp.classify import DEFAULT_MODEL_FILE  # noqa: E402
from nlp.corpus import heldout_conversations  # noqa: E402
from nlp.evaluate import DevScores, choose_threshold, heldout_metrics  # noqa: E402
from transcribe.types import Segment  # noqa: E402

PUBLIC = ROOT / "bench" / "data" / "public"
REAL = ROOT / "tests" / "fixtures" / "real" / "transcripts.tsv"
STEREO = ROOT / "tests" / "fixtures" / "audio" / "call_stereo_8k.wav"
RESULT = ROOT / "bench" / "results" / "nlp.json"
GOALS = {
    "false complaints, small talk": "≤ 0.02",
    "false complaints, non-business speech": "≤ 0.02",
    "complaint precision per conversation": "≥ 0.90",
    "complaint recall per conversation": "≥ 0.90",
    "sentiment, real reviews": "≥ 0.92",
    "positive reviews flagged": "≤ 0.01",
    "positive reviews flagged, no complaint in them (second reading)": "≤ 0.01",
}


def _tsv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8") as src:
        return list(csv.DictReader(src, delimiter="\t", quoting=csv.QUOTE_NONE))


def flag_rate(analyzer: Analyzer, texts: list[str]) -> dict[str, float]:
    """Share of texts flagged as complaints when said by a customer."""
    results = analyzer.analyze_many(texts, ["customer"] * len(texts))
    return {"rate": round(sum(r.complaint.flag for r in results) / max(len(texts), 1), 4), "n": len(texts)}


def real_speech_sentences() -> list[str]:
    """Sentences of the non-business public sets and of the real recordings' references (Mandarin only)."""
    texts = [
        r["text"]
        for path in sorted(PUBLIC.glob("speech_*.tsv")) + sorted(PUBLIC.glob("chat_*.tsv"))
        for r in _tsv(path)
    ]
    for row in _tsv(REAL):
        if row["language"].startswith("zh"):
            texts += [s for s in re.split(r"[，。？！,.?!]", row["reference_text"]) if len(s) >= 4]
    return texts


def reviews(analyzer: Analyzer) -> dict[str, dict[str, float]]:
    """Per public review set: our sentiment accuracy, snownlp's, positive reviews flagged as complaints (all of
    them, and those a second reader found no complaint in), and what the same model family reaches when
    trained on the set itself (5-fold cross-validation: a ceiling for reference, nothing shipped is fit on it)."""
    from snownlp import SnowNLP

    judged = {r["text"]: r["complaint"] for r in _tsv(PUBLIC / "judged_positive_reviews.tsv")}
    out = {}
    for path in sorted(PUBLIC.glob("reviews_*.tsv")):
        rows = _tsv(path)
        texts, labels = [r["text"] for r in rows], [r["label"] for r in rows]
        results = analyzer.analyze_many(texts, ["customer"] * len(texts))
        ours = sum(r.sentiment.label == label for r, label in zip(results, labels, strict=True)) / len(rows)
        snow = sum(
            ("pos" if SnowNLP(t).sentiments >= 0.5 else "neg") == label for t, label in zip(texts, labels, strict=True)
        )
        flagged = [r.text for r, label in zip(results, labels, strict=True) if label == "pos" and r.complaint.flag]
        n_pos = max(labels.count("pos"), 1)
        out[path.stem.removeprefix("reviews_")] = {
            "sentiment_accuracy": round(ours, 4),
            "snownlp_accuracy": round(snow / len(rows), 4),
            "in_domain_ceiling": round(in_domain_ceiling(texts, labels), 4),
            "positive_flagged": round(len(flagged) / n_pos, 4),
            "positive_flagged_no_complaint": round(sum(judged.get(t) == "no" for t in flagged) / n_pos, 4),
            "positive_flagged_unjudged": sum(t not in judged for t in flagged),
            "n": len(rows),
        }
    return out


def in_domain_ceiling(texts: list[str], labels: list[str]) -> float:
    """Mean accuracy of the bundled sentiment model's recipe trained and tested on one set (5 folds)."""
    from sklearn.model_selection import StratifiedKFold, cross_val_score

    from nlp.train import prepare, sentiment_model

    folds = StratifiedKFold(5, shuffle=True, random_state=0)
    return float(cross_val_score(sentiment_model(), prepare(texts), labels, cv=folds).mean())


def mono_roles(analyzer: Analyzer) -> dict[str, float]:
    """The stereo fixture mixed down: inferred roles against the channels' roles, by time overlap."""
    from core.settings import Settings
    from transcribe.service import make_transcriber, transcribe_file

    settings = Settings(_env_file=None)
    transcriber = make_transcriber(settings)
    stereo = transcribe_file(STEREO, transcriber, settings, ("staff", "customer"))
    with wave.open(str(STEREO)) as wav:
        rate, frames = wav.getframerate(), wav.readframes(wav.getnframes())
    mixed = np.frombuffer(frames, dtype="<i2").reshape(-1, 2).astype(np.int32).mean(axis=1).astype("<i2")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "mono.wav"
        with wave.open(str(path), "wb") as out:
            out.setnchannels(1), out.setsampwidth(2), out.setframerate(rate)
            out.writeframes(mixed.tobytes())
        mono = transcribe_file(path, transcriber, settings, ("unknown",))
        samples = decode_audio(path).channels[0]
    inferred = analyzer.analyze_conversation([s.text for s in mono.segments], [s.role for s in mono.segments])

    def truth(start: float, end: float) -> str:
        overlap = {r: 0.0 for r in ("staff", "customer")}
        for s in stereo.segments:
            overlap[s.role] += max(0.0, min(end, s.end) - max(start, s.start))
        return max(overlap, key=lambda r: overlap[r])

    truths = [truth(s.start, s.end) for s in mono.segments]
    right = sum(a.role == t for a, t in zip(inferred, truths, strict=True))
    out = {"accuracy": round(right / max(len(inferred), 1), 4), "n": len(inferred)}
    voice = voice_roles(analyzer, mono.segments, samples)
    if voice is not None:
        out["voice_accuracy"] = round(sum(v == t for v, t in zip(voice, truths, strict=True)) / len(truths), 4)
    return out


def voice_roles(analyzer: Analyzer, segments: Sequence[Segment], samples: np.ndarray) -> list[str] | None:
    """Speaker clustering: resemblyzer voice embeddings in two clusters, each named by the text model's
    mean p(staff). None when resemblyzer (an optional measurement dependency) is not installed."""
    try:
        from resemblyzer import VoiceEncoder
    except ImportError:
        return None
    from sklearn.cluster import AgglomerativeClustering

    encoder = VoiceEncoder("cpu", verbose=False)
    embeddings = np.stack(
        [
            encoder.embed_utterance(samples[int(s.start * 16000) : int(s.end * 16000)].astype(np.float32))
            for s in segments
        ]
    )
    clusters = AgglomerativeClustering(n_clusters=2, metric="cosine", linkage="average").fit_predict(embeddings)
    p_staff = [p.probabilities["staff"] for p in analyzer.classifiers["role"].predict([s.text for s in segments])]
    staff_cluster = max(
        (0, 1), key=lambda c: np.mean([p for p, k in zip(p_staff, clusters, strict=True) if k == c] or [0])
    )
    return ["staff" if k == staff_cluster else "customer" for k in clusters]


def sweep(analyzer: Analyzer) -> list[dict[str, float]]:
    """What KESHENG_COMPLAINT_THRESHOLD trades: per-conversation precision/recall against false complaints."""
    out = []
    speech = real_speech_sentences()
    for threshold in sorted({0.3, 0.4, 0.5, 0.6, 0.7, 0.8, analyzer.threshold}):
        at = Analyzer(analyzer.classifiers, threshold=threshold, evidence_threshold=analyzer.evidence_threshold)
        m = heldout_metrics(at)
        out.append(
            {
                "threshold": threshold,
                "conversation_precision": m["complaint_conversation"]["precision"],
                "conversation_recall": m["complaint_conversation"]["recall"],
                "utterance_f1": m["complaint_utterance"]["f1"],
                "false_small_talk": m["false_complaints_counter_talk"]["rate"],
                "false_non_business": flag_rate(at, speech)["rate"],
            }
        )
    return out


def speed(analyzer_file: Path) -> dict[str, float]:
    """Load time, model size and utterances per second over the held-out texts (batched, all tasks)."""
    started = time.perf_counter()
    analyzer = Analyzer.from_settings(None, None, analyzer_file)
    load = time.perf_counter() - started
    texts = [u.text for u in heldout_conversations()] * 3
    analyzer.analyze_many(texts[:50])  # warm caches (jieba)
    started = time.perf_counter()
    analyzer.analyze_conversation(texts)
    rate = len(texts) / (time.perf_counter() - started)
    return {
        "load_s": round(load, 2),
        "model_mb": round(analyzer_file.stat().st_size / 1e6, 1),
        "utterances_per_s": round(rate, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--no-audio", action="store_true", help="skip the mono-audio role check (needs Whisper)")
    args = parser.parse_args()
    analyzer = Analyzer.from_settings(None)
    result: dict[str, object] = {
        "machine": machine(),
        "date": time.strftime("%Y-%m-%d"),
        "threshold": analyzer.threshold,
        "evidence_threshold": analyzer.evidence_threshold,
    }
    result["heldout"] = heldout_metrics(analyzer)
    result["false_complaints_real_speech"] = flag_rate(analyzer, real_speech_sentences())
    result["reviews"] = reviews(analyzer)
    if not args.no_audio:
        result["roles_mono_audio"] = mono_roles(analyzer)
    result["threshold_sweep"] = sweep(analyzer)
    result["threshold_choice_dev"] = choose_threshold(DevScores.of(analyzer))[2]
    result["speed"] = speed(DEFAULT_MODEL_FILE)
    RESULT.parent.mkdir(exist_ok=True)
    RESULT.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    print(table(result))


def table(result: dict) -> str:
    """The README's markdown table of the figures against their goals."""
    h = result["heldout"]
    revs = result["reviews"]
    n_rev = sum(r["n"] for r in revs.values()) or 1
    sentiment = sum(r["sentiment_accuracy"] * r["n"] for r in revs.values()) / n_rev
    snow = sum(r["snownlp_accuracy"] * r["n"] for r in revs.values()) / n_rev
    flagged = sum(r["positive_flagged"] * r["n"] for r in revs.values()) / n_rev
    no_complaint = sum(r["positive_flagged_no_complaint"] * r["n"] for r in revs.values()) / n_rev
    unjudged = sum(r["positive_flagged_unjudged"] for r in revs.values())
    ceiling = sum(r["in_domain_ceiling"] * r["n"] for r in revs.values()) / n_rev
    rows = [
        ("intent macro-F1 (8 labels)", h["intent"]["macro_f1"], h["intent"]["n"], ""),
        ("complaint precision per utterance", h["complaint_utterance"]["precision"], h["complaint_utterance"]["n"], ""),
        ("complaint recall per utterance", h["complaint_utterance"]["recall"], h["complaint_utterance"]["n"], ""),
        ("complaint F1 per utterance", h["complaint_utterance"]["f1"], h["complaint_utterance"]["n"], ""),
        (
            "complaint precision per conversation",
            h["complaint_conversation"]["precision"],
            h["complaint_conversation"]["n"],
            "",
        ),
        (
            "complaint recall per conversation",
            h["complaint_conversation"]["recall"],
            h["complaint_conversation"]["n"],
            "",
        ),
        ("complaint F1 per conversation", h["complaint_conversation"]["f1"], h["complaint_conversation"]["n"], ""),
        ("category accuracy (labelled complaints)", h["category"]["accuracy"], h["category"]["n"], ""),
        ("severity accuracy (labelled complaints)", h["severity"]["accuracy"], h["severity"]["n"], ""),
        (
            "false complaints, small talk",
            h["false_complaints_counter_talk"]["rate"],
            h["false_complaints_counter_talk"]["n"],
            "",
        ),
        (
            "false complaints, non-business speech",
            result["false_complaints_real_speech"]["rate"],
            result["false_complaints_real_speech"]["n"],
            "",
        ),
        (
            "sentiment, real reviews",
            round(sentiment, 4),
            n_rev,
            f"snownlp {snow:.3f}; same recipe trained on each set itself {ceiling:.3f}",
        ),
        ("positive reviews flagged", round(flagged, 4), n_rev // 2, ""),
        (
            "positive reviews flagged, no complaint in them (second reading)",
            round(no_complaint, 4),
            n_rev // 2,
            f"{unjudged} flagged without a reading",
        ),
        ("role accuracy, mono text (roles hidden)", h["role_mono"]["accuracy"], h["role_mono"]["n"], ""),
    ]
    if "roles_mono_audio" in result:
        audio = result["roles_mono_audio"]
        voice = f"voice clustering {audio['voice_accuracy']:.3f}" if "voice_accuracy" in audio else ""
        rows.append(("role accuracy, stereo call mixed to mono", audio["accuracy"], audio["n"], voice))
    lines = ["| figure | value | n | goal | note |", "| --- | ---: | ---: | --- | --- |"]
    lines += [f"| {name} | {value:.3f} | {n} | {GOALS.get(name, '')} | {note} |" for name, value, n, note in rows]
    lines += [
        "",
        "| threshold | precision / recall per conversation | F1 per utterance | false: small talk "
        "| false: non-business |",
        "| ---: | --- | ---: | ---: | ---: |",
    ]
    for r in result["threshold_sweep"]:
        mark = "**" if r["threshold"] == result["threshold"] else ""  # the one chosen on the development split
        lines.append(
            f"| {mark}{r['threshold']}{mark} | {r['conversation_precision']:.3f} / {r['conversation_recall']:.3f} | "
            f"{r['utterance_f1']:.3f} | {r['false_small_talk']:.3f} | {r['false_non_business']:.3f} |"
        )
    s = result["speed"]
    lines += ["", f"Speed: {s['utterances_per_s']} utterances/s; models {s['model_mb']} MB, loaded in {s['load_s']} s."]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
