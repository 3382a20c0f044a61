"""A question adapter: buyers' wording moved toward the wording of the policy that answers it.

The sentence encoder (semantic.py) was trained to place paraphrases near each other, not
a buyer's question near the paragraph of a shop's policies that answers it: "can I pay
it off monthly" lands nearer a payment-methods paragraph than the instalments one.  The
question bank (bridge.py) holds 1,244 questions of ten shops, each labelled with the
section of its shop that answers it, and every section's paragraphs.  From those a
linear map W (384 × 384, starting at the identity) is fitted so that W·question is
closer to a paragraph of its own section than to any other section of the same shop: a
softmax over the shop's sections, each scored by its closest paragraph, trained with
Adam and pulled toward the identity (L2), so a question unlike the bank's keeps its
plain vector.

It is fitted on start from the bank (about two seconds of CPU, no file of weights to
keep in step with a library's version), with the bank's leave-out applied: a shop being
measured is never scored by an adapter that saw its questions.  Measured on the tuning
shops, each scored by an adapter and weights fitted on the other nine
(tests/bench/policy_weights.py): the closest paragraph alone found 76.6% of the right
sections plain and 81.6% adapted; in the whole re-ranking, the adapted closest
paragraph in place of the plain one took top-1 from 87.8% to 88.5%.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

STEPS = 30  # full-batch Adam steps (the fit has settled by then: 80 did no better)
LEARNING_RATE = 0.005
TEMPERATURE = 0.05  # of the softmax over a shop's sections
PULL = 0.01  # L2 toward the identity (0.1 and 1 held the map back; 0.001 overfitted)


@dataclass(frozen=True, slots=True)
class Shop:
    """One bank shop as the fit reads it: its questions' vectors, the section answering
    each (an index into `starts`), and its sections' paragraph vectors, grouped by
    section (section j's rows are passages[starts[j]:starts[j + 1]])."""

    questions: np.ndarray
    answers: np.ndarray
    passages: np.ndarray
    starts: np.ndarray

    def closest(self, adapted: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Per question (rows of `adapted`) and section: the closest paragraph's
        similarity, and that paragraph's row."""
        similar = adapted @ self.passages.T
        best = np.maximum.reduceat(similar, self.starts, axis=1)
        ends = [*self.starts[1:], len(self.passages)]
        where = np.empty(best.shape, dtype=np.int64)
        for j, (start, end) in enumerate(zip(self.starts, ends, strict=True)):
            where[:, j] = start + similar[:, start:end].argmax(axis=1)
        return best, where


def shop_of(questions: np.ndarray, answers: Sequence[int], sections: Sequence[np.ndarray]) -> Shop:
    """A `Shop` from its question vectors, the index of each one's section, and each
    section's paragraph vectors."""
    starts = np.cumsum([0, *(len(s) for s in sections[:-1])], dtype=np.int64)
    return Shop(
        questions.astype(np.float32),
        np.asarray(answers, dtype=np.int64),
        np.vstack(sections).astype(np.float32),
        starts,
    )


def fit(shops: Sequence[Shop], size: int = 384) -> np.ndarray:
    """The map W (size × size) fitted on `shops`; the identity when there are none."""
    identity = np.eye(size, dtype=np.float32)
    shops = [s for s in shops if len(s.questions) and len(s.starts) > 1]
    if not shops:
        return identity
    total = sum(len(s.questions) for s in shops)
    w = identity.copy()
    first = np.zeros_like(w)
    second = np.zeros_like(w)
    for step in range(1, STEPS + 1):
        gradient = PULL * (w - identity)
        for shop in shops:
            adapted = shop.questions @ w.T
            best, where = shop.closest(adapted)
            z = best / TEMPERATURE
            p = np.exp(z - z.max(axis=1, keepdims=True))
            p /= p.sum(axis=1, keepdims=True)
            p[np.arange(len(p)), shop.answers] -= 1.0  # softmax minus the right section
            toward = np.einsum("qs,qsd->qd", p, shop.passages[where]) / TEMPERATURE
            gradient += toward.T @ shop.questions / total
        first = 0.9 * first + 0.1 * gradient
        second = 0.999 * second + 0.001 * gradient * gradient
        step_size = LEARNING_RATE * np.sqrt(1 - 0.999**step) / (1 - 0.9**step)
        w -= step_size * first / (np.sqrt(second) + 1e-8)
    return w
