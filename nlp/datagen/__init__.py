"""Write the training conversations: templates × industries × channels, in the recogniser's spoken style.

    python -m nlp.datagen        # writes nlp/data/train/conversations.tsv (fixed seed: same file every run)

Only training data comes from here. The held-out set (nlp/data/heldout/) was written by hand in a
separate pass and shares no template with this generator.
"""

from __future__ import annotations

import csv
import random
from collections.abc import Iterator
from dataclasses import astuple, dataclass
from pathlib import Path

from nlp.datagen.lexicon import COMMON, INDUSTRIES, SLOTS, options
from nlp.datagen.spoken import spoken
from nlp.datagen.templates import (
    CANCEL,
    COMPLAINT,
    ESCALATION,
    INQUIRY,
    OTHER,
    PRAISE,
    REFUND,
    REQUEST,
    STAFF,
    SUGGESTION,
    Template,
)
from zhtext.script import to_traditional

SEED = 20261202
OUTPUT = Path(__file__).resolve().parent.parent / "data" / "train" / "conversations.tsv"
COLUMNS = ("conversation", "industry", "channel", "role", "text", "intent", "sentiment", "category", "severity")
CHANNELS = ("counter", "call", "field")
TEMPLATE_IDS = {
    t: i for i, t in enumerate(OTHER + INQUIRY + REQUEST + PRAISE + SUGGESTION + CANCEL + REFUND + COMPLAINT)
}


@dataclass(frozen=True)
class Row:
    """One labelled utterance of a generated conversation."""

    conversation: str
    industry: str
    channel: str
    role: str
    text: str
    intent: str
    sentiment: str
    category: str
    severity: str
    template: int  # which template it came from: held together when cross-validating


class Writer:
    """Fills templates for one conversation, in one industry and script."""

    def __init__(self, rng: random.Random, conversation: str, industry: str, channel: str) -> None:
        self.rng, self.conversation, self.industry, self.channel = rng, conversation, industry, channel
        self.traditional = rng.random() < 0.12
        self.rows: list[Row] = []

    def fill(self, pattern: str) -> str:
        slots = SLOTS[self.industry]
        out = pattern
        while "{" in out:
            start = out.index("{")
            name = out[start + 1 : out.index("}", start)]
            value = self.rng.choice(options(slots.get(name) or COMMON[name]))
            out = out[:start] + value + out[start + len(name) + 2 :]
        return out

    def say(self, role: str, text: str, labels: tuple[str, str, str, str], template: int = -1) -> None:
        rendered = spoken(text, self.rng, question=labels[0] == "inquiry")
        if self.traditional:
            rendered = to_traditional(rendered)
        self.rows.append(Row(self.conversation, self.industry, self.channel, role, rendered, *labels, template))

    def customer(self, templates: list[Template], suffix: str = "", severity: str | None = None) -> None:
        template = self.rng.choice(templates)
        pattern, intent, sentiment, category, level = template
        text = self.fill(pattern) + (" " + self.fill(suffix) if suffix else "")
        self.say("customer", text, (intent, sentiment, category, severity or level), TEMPLATE_IDS[template])

    def staff(self, pattern: str | None = None) -> None:
        text = self.fill(pattern or self.rng.choice(STAFF))
        self.say("staff", text, ("other", "neu", "-", "-"))


def _small_talk(w: Writer, n: int) -> None:
    for _ in range(n):
        if w.rng.random() < 0.6:
            w.staff()
        w.customer(OTHER)


def _opening(w: Writer) -> None:
    greeting = {"call": "您好 这里是客服中心 请问有什么可以帮您", "counter": "您好 请问办理什么业务"}
    w.staff(greeting.get(w.channel, "您好 请问有什么可以帮您"))
    if w.rng.random() < 0.5:
        w.customer(OTHER[:6])


def _closing(w: Writer) -> None:
    w.staff(w.rng.choice(["还有什么可以帮您", "请问还有其他需要吗", "请问还有别的问题吗"]))
    w.customer([t for t in OTHER if t[0].startswith(("没有", "没别", "就这些", "不用了", "好的 再见", "谢谢"))])
    if w.rng.random() < 0.5:
        w.staff("祝您生活愉快 再见")


def service(w: Writer) -> None:
    """An ordinary visit or call: a request or question, procedure, small talk, goodbye."""
    _opening(w)
    w.customer(w.rng.choice([REQUEST, INQUIRY, INQUIRY, CANCEL, REFUND]))
    _small_talk(w, w.rng.randint(1, 5))
    if w.rng.random() < 0.4:
        w.staff()
        w.customer(w.rng.choice([INQUIRY, REQUEST]))
    if w.rng.random() < 0.25:
        w.customer(w.rng.choice([PRAISE, SUGGESTION]))
    _closing(w)


def complaint(w: Writer) -> None:
    """A complaint: often opened as a question, turning angrier; the staff apologise; sometimes escalated."""
    _opening(w)
    if w.rng.random() < 0.5:
        w.customer(w.rng.choice([INQUIRY, REQUEST]))
        w.staff()
    category = w.rng.choice(COMPLAINT)[3]
    same = [t for t in COMPLAINT if t[3] == category]
    for i in range(w.rng.randint(1, 3)):
        escalate = i > 0 and w.rng.random() < 0.35
        w.customer(same, w.rng.choice(ESCALATION) if escalate else "", "high" if escalate else None)
        w.staff(w.rng.choice(["非常抱歉给您带来不便", "实在不好意思", "我理解您的心情 我们一定给您处理", None]))
        if w.rng.random() < 0.4:
            w.customer(OTHER[:25])
    if w.rng.random() < 0.5:
        w.customer(REQUEST[-3:])
    _closing(w)


def generate(n: int = 1100, seed: int = SEED) -> Iterator[Row]:
    """`n` conversations, 40% of them with a complaint, spread over industries and channels."""
    rng = random.Random(seed)
    for i in range(n):
        w = Writer(rng, f"g{i:05d}", INDUSTRIES[i % len(INDUSTRIES)], rng.choice(CHANNELS))
        (complaint if rng.random() < 0.4 else service)(w)
        yield from w.rows


def main() -> None:
    OUTPUT.parent.mkdir(parents=True, exist_ok=True)
    rows = list(generate())
    with OUTPUT.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, delimiter="\t", quoting=csv.QUOTE_NONE, lineterminator="\n")
        writer.writerow((*COLUMNS, "template"))
        writer.writerows(astuple(r) for r in rows)
    customer = [r for r in rows if r.role == "customer"]
    share = sum(r.intent == "other" for r in customer) / len(customer)
    print(f"wrote {OUTPUT}: {len(rows)} utterances, {len(customer)} customer ({share:.0%} other)")
