"""Late interaction: the question matched to a paragraph word piece by word piece.

One vector per paragraph (semantic.py) says what the paragraph is about on the whole;
two paragraphs of the same file ("Return window" and "Sending the item back") are close
to each other and to any question about returns.  What tells them apart is often one
detail of the question ("It arrived 3 weeks ago, can I still send it back?": *3 weeks*
against the window).  So the best few sections are re-ranked the way ColBERT ranks: each
of the question's word pieces, as the model reads it in its sentence, finds its most
similar piece in the paragraph, and the paragraph scores the mean of those matches,
once plain and once weighted by how rare the piece is in the shop's policies (a piece
every paragraph has, "the" or "order", tells nothing).  The model is the same
all-MiniLM-L6-v2 already loaded; nothing more is installed.

Measured on the tuning shops only (tests/bench/policy_weights.py; each shop scored with the
weights fitted on the other three, so no shop is scored by weights it chose): top-1
over the four English tuning shops went from 84.1% to 87.3%, and on the bundled sample
without its search lines, the one most like a shop's own files, from 72.5% to 76.1%
(and to 88.2% and 78.2% with the question bank's vote, retrieval/bridge.py).

Only the best LATE_POOL sections by the paragraph vectors are re-ranked (the right one
is among them for 1,236 of the 1,244 tuning questions), so a question costs a few hundred
vector products whatever the shop's size.  A paragraph's piece vectors are computed the
first time it is in a pool and kept (float16, at most MEMO_SIZE paragraphs a process).
"""

from __future__ import annotations

import math
import threading
from collections import Counter, OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

import numpy as np

from bot.services.retrieval.semantic import VOCAB, Encoder, Pieces, WordPiece

LATE_POOL = 10
MEMO_SIZE = 4096


@dataclass(frozen=True, slots=True)
class Match:
    """How well a paragraph matches the question piece by piece, 0..1 each: the mean of
    the question pieces' best similarities, plain and weighted by rarity."""

    plain: float
    rare: float


@cache
def _word_pieces() -> WordPiece:
    return WordPiece(VOCAB)


class Rarity:
    """How rare each word piece is among a shop's paragraphs (BM25's idf): a piece no
    paragraph has weighs as much as the rarest."""

    def __init__(self, paragraphs: Sequence[str]) -> None:
        pieces = _word_pieces()
        counts: Counter[int] = Counter()
        for text in paragraphs:
            counts.update(set(pieces.encode(text)[1:-1]))
        self.n = len(paragraphs)
        self._idf = {piece: self._of(count) for piece, count in counts.items()}
        self._unseen = self._of(0)

    def _of(self, count: int) -> float:
        return math.log(1 + (self.n - count + 0.5) / (count + 0.5))

    def weights(self, ids: Sequence[int]) -> np.ndarray:
        w = np.array([self._idf.get(i, self._unseen) for i in ids], dtype=np.float32)
        return w / w.sum() if w.sum() > 0 else np.full(len(ids), 1 / max(1, len(ids)))


class _Memo:
    """Paragraph pieces already computed, per model: least recently used dropped first."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._items: OrderedDict[tuple[str, str], Pieces] = OrderedDict()
        self._lock = threading.Lock()

    def clear(self) -> None:
        with self._lock:
            self._items.clear()

    def get(self, encoder: Encoder, texts: Sequence[str]) -> list[Pieces]:
        keys = [(encoder.fingerprint, t) for t in texts]
        with self._lock:
            have = {k: self._items[k] for k in keys if k in self._items}
            for key in have:
                self._items.move_to_end(key)
        missing = list(dict.fromkeys(t for k, t in zip(keys, texts, strict=True) if k not in have))
        if missing:
            fresh = {
                (encoder.fingerprint, text): Pieces(found.ids, found.vectors.astype(np.float16))
                for text, found in zip(missing, encoder.tokens(missing), strict=True)
            }
            with self._lock:
                self._items.update(fresh)
                while len(self._items) > self.size:
                    self._items.popitem(last=False)
            have.update(fresh)
        return [have[key] for key in keys]


MEMO = _Memo(MEMO_SIZE)


def matches(question: Pieces, paragraphs: Sequence[Pieces], rarity: Rarity) -> list[Match]:
    """Each paragraph's match with the question (its pieces against the paragraph's)."""
    if not question.ids or not paragraphs:
        return [Match(0.0, 0.0) for _ in paragraphs]
    weights = rarity.weights(question.ids)
    query = question.vectors.astype(np.float32)
    out = []
    for paragraph in paragraphs:
        if not paragraph.ids:
            out.append(Match(0.0, 0.0))
            continue
        best = (query @ paragraph.vectors.astype(np.float32).T).max(axis=1)
        out.append(Match(float(best.mean()), float(best @ weights)))
    return out
