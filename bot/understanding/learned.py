"""A step's answer learned from the corpus's labelled answers, for the words the
patterns of `seller_steps` and `steps` do not know: a seller's reject reason, a
buyer's return reason at the reason step.

The patterns read a reason from the words that name it ("used", "final sale", "blurry
photo", "arrived cracked"); people explain instead ("the hem was taken up by the
customer", "we never sold that colour here"), in as many ways as there are people, and
each new writer's reasons were read 60-80% right by patterns written for the writers
before. A small model over the labelled answers of the corpus (words and word pairs,
multinomial naive Bayes; `FILES` says which files each step learns from) reads what
the patterns miss. Measured on writers that neither had seen (the patterns as they
stood before those writers' round, the model trained without their lines):

* reject reasons, hands 13 and 14: the patterns alone 82 of 137, with the model after
  them 97; hands 11 and 12: 50 of 57, then 53;
* return reasons, hands 5 and 6 of `steps_chat.jsonl`: 40 of 51, then 43;
* no answer meant as none read as a reason in any of them.

`MARGIN` was chosen on the reject-reason folds (1 to 5 tried: 150 of 194 at 2, 147 at
3, 141 at 5). Tried and left out: a seller's decision under a card (57 of 80, then
at most 60, with 4 to 9 of the undecided read as a decision) and a buyer's rating
(more ratings read, but the rating after a support chat is read from any message, and
one meant as none in each fold became stars: a request swallowed as a rating).

It only speaks when sure: at least two words it knows, its best answer ahead of the
next by `MARGIN` (a factor of about 7 in likelihood), and never for a question, so
"hmm", "because of reasons" or "does the buyer see this?" stays unread and the step
asks again. It is trained when first asked (a few milliseconds, from text files in the
repository: nothing pickled, nothing downloaded).
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from dataclasses import dataclass
from functools import cache
from itertools import pairwise
from pathlib import Path

from bot.domain.language_detect import fold
from bot.domain.words import FUNCTION_WORDS

CORPUS = Path(__file__).resolve().parent / "corpus"
# The labelled answers each step learns from.
FILES: dict[str, tuple[str, ...]] = {
    "reject_reason": ("steps.jsonl", "steps_sellers.jsonl"),
    "return_reason": ("steps.jsonl", "steps_others.jsonl", "steps_chat.jsonl"),
}
MARGIN = 2.0  # log-likelihood lead of the best reason over the next (chosen on two folds)
SMOOTHING = 0.5
MIN_WORDS = 2


def _features(text: str) -> list[str]:
    """Content words (accents folded, function words out) and neighbouring pairs."""
    said = [w for w in re.findall(r"[a-z]+", fold(text).lower()) if w not in FUNCTION_WORDS]
    return said + [f"{a}_{b}" for a, b in pairwise(said)]


@dataclass(frozen=True, slots=True)
class _Model:
    counts: dict[str, Counter[str]]
    totals: dict[str, int]
    priors: dict[str, float]
    vocabulary: frozenset[str]


@cache
def _model(step: str, corpus: Path = CORPUS) -> _Model:
    counts: dict[str, Counter[str]] = {}
    lines: Counter[str] = Counter()
    for name in FILES[step]:
        for line in (corpus / name).read_text(encoding="utf-8").splitlines():
            row = json.loads(line) if line.strip() else {}
            if row.get("step") == step and row.get("value"):
                counts.setdefault(row["value"], Counter()).update(_features(row["text"]))
                lines[row["value"]] += 1
    everything = sum(lines.values())
    return _Model(
        counts=counts,
        totals={reason: sum(c.values()) for reason, c in counts.items()},
        priors={reason: math.log(n / everything) for reason, n in lines.items()},
        vocabulary=frozenset(w for c in counts.values() for w in c),
    )


def learned(step: str, text: str) -> str | None:
    """The value (`step`: "reject_reason" or "return_reason") the words are most like,
    when the model is sure (see the module's docstring); None otherwise."""
    if text.rstrip().endswith("?"):
        return None  # "does the buyer see what I write here?" asks, it gives no reason
    model = _model(step)
    known = [f for f in _features(text) if f in model.vocabulary]
    if len(known) < MIN_WORDS:
        return None
    size = len(model.vocabulary)

    def score(reason: str) -> float:
        counts, total = model.counts[reason], model.totals[reason] + SMOOTHING * size
        return model.priors[reason] + sum(math.log((counts[f] + SMOOTHING) / total) for f in known)

    scores = sorted((score(reason), reason) for reason in model.counts)
    (second, _), (best, reason) = scores[-2], scores[-1]
    return reason if best - second >= MARGIN else None
