"""The question adapter (bot/services/retrieval/adapter.py): fitted on labelled questions,
it moves a question toward the paragraphs of the section that answers it, and leaves a
question unlike them as it was."""

from __future__ import annotations

import numpy as np

from bot.services.retrieval import adapter
from bot.services.retrieval.bridge import Bank, LeaveOut, bank_data

SIZE = 6


def unit(*weights: float) -> np.ndarray:
    vector = np.array([*weights, *[0.0] * (SIZE - len(weights))], dtype=np.float32)
    return vector / np.linalg.norm(vector)


def test_questions_are_moved_toward_the_section_that_answers_them() -> None:
    """Buyers ask about refunds in words (axis 3) that lie as near the payments
    paragraph (axis 1) as the refunds one (axis 2); after the fit, the refunds
    paragraph is the closest to such a question, in a shop it was not fitted on."""
    payments, refunds, other = [unit(1, 0, 0.2)], [unit(0, 1, 0.2)], [unit(0, 0, 1)]
    rng = np.random.default_rng(7)

    def asked(n: int) -> np.ndarray:
        noise = np.zeros((n, SIZE), dtype=np.float32)
        noise[:, :4] = rng.normal(0, 0.05, (n, 4))
        rows = unit(0.3, 0.3, 0, 1) + noise
        return rows / np.linalg.norm(rows, axis=1, keepdims=True)

    shops = [  # two shops, their sections in another order
        adapter.shop_of(asked(20), [1] * 20, [payments, refunds, other]),
        adapter.shop_of(asked(20), [0] * 20, [refunds, payments, other]),
    ]
    w = adapter.fit(shops, SIZE)
    new = asked(10)
    paragraphs = np.vstack([payments[0], refunds[0], other[0]])
    plain = (new @ paragraphs.T).argmax(axis=1)
    moved = ((new @ w.T) @ paragraphs.T).argmax(axis=1)
    assert (moved == 1).all()
    assert not (plain == 1).all()
    # A question unlike any the fit saw keeps its own vector.
    elsewhere = unit(0, 0, 0, 0, 1)
    assert np.allclose(w @ elsewhere, elsewhere)


def test_no_questions_no_change() -> None:
    assert np.array_equal(adapter.fit([], SIZE), np.eye(SIZE, dtype=np.float32))


class Fake:
    """An encoder that knows nothing: a fixed random vector per text."""

    fingerprint = "fake-adapter-test"

    def encode(self, texts: list[str]) -> np.ndarray:
        rows = [np.random.default_rng(abs(hash(t)) % 2**32).normal(size=384) for t in texts]
        return np.array([r / np.linalg.norm(r) for r in rows], dtype=np.float32)


def test_a_shop_left_out_of_the_bank_is_left_out_of_the_adapter() -> None:
    """Measured with every bank shop left out, the adapter has nothing to learn from:
    it is the identity, so no shop is scored by an adapter fitted on its own questions."""
    data = bank_data()
    shops = {q["shop"] for q in data["questions"]}
    few = {
        "sections": data["sections"],
        "questions": [q for q in data["questions"] if q["shop"] in sorted(shops)[:2]],
    }
    everything = Bank.build(Fake(), few)  # type: ignore[arg-type]
    assert not np.allclose(everything.adapter, np.eye(384), atol=1e-4)
    questions = frozenset(q["text"].lower() for q in few["questions"])
    alone = Bank.build(Fake(), few, LeaveOut(None, questions))  # type: ignore[arg-type]
    assert np.array_equal(alone.adapter, np.eye(384, dtype=np.float32))
