"""What other shops' buyers asked, and which section answered them.

A question and the section that answers it often share neither words nor much of a
sentence vector ("why do you need my email to show me my order" → *Privacy and
security*).  But buyers ask the same things of every shop, so a bank of questions
labelled with the section of *another* shop's policies that answers each is a bridge:
the new question finds the bank's questions most like it, and each of this shop's
sections scores by how close it is to the sections that answered those ("the answer to
questions like this one reads like this").  It is a signal beside the others, not a
lookup: the bank never names this shop's sections.

The bank (`question_bank.json`, written by tests/bench/question_bank.py) holds the
labelled questions of the English tuning shops (tests/data/answers).  Measured on the
first four with each shop's own questions left out of the bank and the weights fitted
on the other three (tests/bench/policy_weights.py), it lifted top-1 from 87.3% (the
piece match alone) to 88.2%, and on the bundled sample without its search lines from
76.1% to 78.2%; a broader bank helped most on a shop unlike the tuning ones (README).
Each question costs one product with the bank's vectors and ten with the shop's
paragraphs.  The bank's vectors are encoded once (a few seconds on first start) and
kept in the index file with the sections'.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

from bot.services.retrieval.chunks import passages_of  # the search's own paragraphs
from bot.services.retrieval.semantic import Encoder, encode_cached

BANK = Path(__file__).with_name("question_bank.json")
NEAREST = 10  # bank questions that vote
TEMPERATURE = 0.1  # how much more a closer bank question's vote counts
HEADING_SHARE = 0.5  # of a section's heading, beside its closest paragraph


def bank_from(
    shops: Iterable[tuple[str, Sequence[Any], Sequence[tuple[str, str]]]],
) -> dict[str, Any]:
    """The bank's JSON from (shop name, its chunks, its (question, section id) pairs)."""
    sections: dict[str, Any] = {}
    questions = []
    for shop, chunks, asked in shops:
        by_id = {c.id: c for c in chunks}
        for text, section in asked:
            key = f"{shop}/{section}"
            chunk = by_id[section]
            sections.setdefault(key, {"title": chunk.title, "passages": passages_of(chunk)})
            questions.append({"shop": shop, "text": text, "section": key})
    return {"sections": sections, "questions": questions}


@dataclass(frozen=True, slots=True)
class LeaveOut:
    """Bank questions kept out when measuring: a tuning shop's own (`shop`), or any
    worded exactly as one of the measured questions (`questions`, lower case): a shop
    is never scored with its own questions in the bank."""

    shop: str | None = None
    questions: frozenset[str] = frozenset()

    def keeps(self, row: dict[str, str]) -> bool:
        return row["shop"] != self.shop and row["text"].lower() not in self.questions


NOTHING = LeaveOut()


@dataclass(frozen=True, slots=True)
class Bank:
    """The bank's questions as vectors, and per question the vector of its answer (its
    section's paragraphs' mean plus its heading, at unit length)."""

    questions: np.ndarray
    answers: np.ndarray

    @classmethod
    def build(cls, encoder: Encoder, data: dict[str, Any], leave_out: LeaveOut = NOTHING) -> Bank:
        rows = [q for q in data["questions"] if leave_out.keeps(q)]
        keys = list(dict.fromkeys(q["section"] for q in rows))
        answer: dict[str, np.ndarray] = {}
        for key in keys:
            section = data["sections"][key]
            texts = [section["title"], *(f"{section['title']}: {p}" for p in section["passages"])]
            vectors = encode_cached(encoder, texts)
            mean = vectors[1:].sum(axis=0)
            mean /= max(1e-12, float(np.linalg.norm(mean)))
            both = mean + vectors[0]
            answer[key] = both / max(1e-12, float(np.linalg.norm(both)))
        return cls(
            encode_cached(encoder, [q["text"] for q in rows]),
            np.vstack([answer[q["section"]] for q in rows]) if rows else np.zeros((0, 384)),
        )

    def votes(
        self,
        question: np.ndarray,
        passages: np.ndarray,
        owner: np.ndarray,
        headings: np.ndarray,
        sections: Sequence[int],
    ) -> np.ndarray:
        """For each of a shop's `sections` (the few being re-ranked, not all: the cost
        stays the same whatever the shop's size): how close it is to the answers of the
        bank questions most like `question`, each weighted by how alike.  `passages`
        and `owner` are the shop's paragraph vectors and the section of each."""
        if not len(self.questions):
            return np.zeros(len(sections))
        alike = self.questions @ question
        nearest = np.argsort(-alike)[:NEAREST]
        weights = np.exp((alike[nearest] - alike[nearest].max()) / TEMPERATURE)
        weights /= weights.sum()
        answers = self.answers[nearest]
        place = {section: i for i, section in enumerate(sections)}
        keep = np.isin(owner, list(place))
        column = np.array([place[int(o)] for o in owner[keep]], dtype=np.int64)
        closest = np.full((len(nearest), len(sections)), -1.0)
        rows = np.arange(len(nearest))[:, None]
        np.maximum.at(closest, (rows, column[None, :]), answers @ passages[keep].T)
        heading = answers @ headings[list(sections)].T
        return np.asarray(weights @ (closest + HEADING_SHARE * heading))


_BUILT: dict[tuple[str, LeaveOut], Bank] = {}
_BUILT_LOCK = threading.Lock()


def bank_for(encoder: Encoder, leave_out: LeaveOut = NOTHING) -> Bank:
    """The bundled bank's vectors for this model, built once a process (the bank does
    not depend on the shop; its vectors also go into the index file with the sections',
    so a restart does not encode it again)."""
    key = (encoder.fingerprint, leave_out)
    with _BUILT_LOCK:
        built = _BUILT.get(key)
    if built is None:
        built = Bank.build(encoder, bank_data(), leave_out)
        with _BUILT_LOCK:
            _BUILT[key] = built
    return built


@cache
def bank_data() -> dict[str, Any]:
    """The bundled bank (empty if the file is missing)."""
    try:
        data: dict[str, Any] = json.loads(BANK.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {"sections": {}, "questions": []}
    return data
