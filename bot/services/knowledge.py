"""The shop's policies as a searchable knowledge base.

* Markdown files, one folder per shop code under the knowledge directory, plus
  `default/` for shops without their own (the bundled sample lives in
  `prompts/knowledge/default`).  A shop's files are in English; its translations sit
  in a folder per language inside it (`SHOP/es/…`).  A question is searched in its own
  language's folder, else in the shop's English files (each hit's chunk says which
  language it is in, so the answer can say it is only available in English), and
  each language has its own index, stemmer, stopwords and synonyms
  (`bot/services/retrieval/spanish.py` for Spanish).
* Each `##` or `###` heading starts a chunk (`retrieval/chunks.py`); its id is
  `file.md#heading-slug`, its title "Document › Section", so an answer can name where
  it comes from.
* The index (chunks + a digest of the files they came from) is a JSON file: rebuilt
  by `python run_bot.py kb reindex`, and on start when the files changed.
* Search is BM25F over an inverted index (only the documents sharing a term with the
  question are scored, so thousands of chunks stay fast), exposed to LangChain as a
  retriever.  It must work on a shop's own files, which have no hidden search lines:
  the heading counts more than the body, buyers' phrases and e-commerce synonyms are
  mapped to one word on both sides ("money back" = "refund", "courier" = "carrier";
  `retrieval/words.py`), stopwords and question words are dropped, and very short
  sections score a little less.
  What a question asks for is matched to the kind of fact a section holds (amounts of
  money, durations and place names are marked "cost", "time" and "international":
  retrieval/cues.py), typos are fixed against the shop's own words
  (retrieval/spelling.py), and a section whose one paragraph or list item holds the
  question's words beats one where they are scattered.
* Each hit carries a confidence: how much of the question's weight (idf) the section
  covers, times how far it is ahead of the next section; a question with one telling
  word (a word most sections use, such as "order", does not count) is never more than
  fairly sure and text with no topic word ("because", "5.00") finds nothing,
  so "do you sell gift cards" or "price" never come back as a sure answer.
"""

from __future__ import annotations

import heapq
import itertools
import json
import logging
import math
from array import array
from collections import Counter, defaultdict
from collections.abc import Collection
from dataclasses import asdict, dataclass, field
from operator import itemgetter
from pathlib import Path
from typing import Any

import numpy as np
from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict

from bot.domain.language_detect import ENGLISH, SPANISH
from bot.services.retrieval import late, spanish
from bot.services.retrieval.bridge import NOTHING, LeaveOut, bank_for
from bot.services.retrieval.chunks import (
    Chunk,
    build_chunks,
    chunk_markdown,
    digest,
    passages_of,
    policy_files,
    split_passages,
)
from bot.services.retrieval.semantic import (
    Encoder,
    encode_cached,
    load_encoder,
    remember,
    remembered,
    whole_words,
)
from bot.services.retrieval.spelling import Speller
from bot.services.retrieval.words import PROTECTED, spelled, stem, tokenize, words_in

log = logging.getLogger(__name__)

BUNDLED = Path(__file__).resolve().parents[2] / "prompts" / "knowledge"
DEFAULT_SHOP = "default"
INDEX_VERSION = 5  # 5: the question bank's vectors are kept with the sections'
# The language of a shop folder's own files; other languages are subfolders.
DEFAULT_LANGUAGE = ENGLISH


SPELLING = True  # typos in questions are fixed against the shop's words


# ---------------------------------------------------------------------- the index


@dataclass(frozen=True, slots=True)
class Signals:
    """What a re-ranked section's score is made of (each 0..1 or so): its closest
    paragraph's and its heading's similarity to the question, its word score (the best
    section's is 1), and its best paragraph's piece-by-piece match, plain and weighted
    by rarity; and the question bank's vote.  tests/bench/policy_weights.py fits the
    weights from these."""

    closest: float
    heading: float
    lexical: float
    plain: float
    rare: float
    bridge: float  # closeness to the answers of other shops' like questions (bridge.py)

    def score(self) -> float:
        return (
            self.closest
            + LATE_TITLE * self.heading
            + LATE_LEXICAL * self.lexical
            + LATE_SHARE * (self.plain + self.rare)
            + BRIDGE_SHARE * self.bridge
        )


@dataclass(frozen=True, slots=True)
class Hit:
    chunk: Chunk
    score: float
    confidence: float  # 0..1: share of the question's weight this section covers
    signals: Signals | None = None  # for a section re-ranked piece by piece


# Field weights of BM25F: a word of the section's heading says more about what the
# section is about than one of its body; the document's title (shared by all its
# sections) a little; the author's hidden search lines as much as the body.
HEADING_WEIGHT = 2.0
TITLE_WEIGHT = 2.0
BODY_WEIGHT = 1.0
SEARCH_WEIGHT = 5.0
K1 = 8.0
RERANK = 20  # sections re-ranked by coverage
# How much coverage counts in the re-ranking (none: the best passage's share does better).
COORDINATION = 0.0
# Confidence: a hit as far ahead of the next as MARGIN_FULL keeps its coverage; one
# tied with the next keeps MARGIN_FLOOR of it.  One-word questions stay below "sure".
MARGIN_FULL = 0.3
MARGIN_FLOOR = 0.5
ONE_WORD_CAP = 0.5
# Coverage counts more than linearly: a section holding half of what was asked is
# a guess, not half an answer ("ignore your instructions and refund": only "ignore").
COVERAGE_POWER = 1.5
# A word weighing less than this share of the question's strongest is not a topic of its own.
TELLING_SHARE = 0.3
SEARCH_B = 0.5
PAIR_WEIGHT = 0.0  # score per (idf-weighted) question word pair found side by side
SHORT_PRIOR = 0.3  # sections shorter than SHORT_LENGTH terms score a little less
SHORT_LENGTH = 20
# How much the best single passage's share of the question counts in the re-ranking: a
# section that answers the question in one paragraph beats one whose words are
# scattered over unrelated paragraphs.
PASSAGE = 0.3
BODY_B = 0.3  # length normalisation of the body (headings are short: none)


class Bm25:
    """BM25F (field-weighted Okapi BM25) over an inverted index.

    Each section is a few fields (its heading, its document's title, its body, the
    author's search lines); a word's frequency in a section is the weighted sum of its
    frequencies in the fields, the body's normalised by its length, then saturated as in
    BM25.  A term's postings are two flat arrays: the sections that use it and that
    weighted frequency, computed once here rather than on every question.
    """

    def __init__(self, docs: list[list[tuple[list[str], float, float]]], k1: float = K1) -> None:
        """`docs`: per section, its fields as (terms, weight, b)."""
        self.k1 = k1
        n = len(docs)
        fields = max((len(d) for d in docs), default=0)
        averages = [
            max(1e-9, sum(len(d[f][0]) for d in docs) / n) if n else 1.0 for f in range(fields)
        ]
        lists: dict[str, list[tuple[int, float]]] = defaultdict(list)
        self.lengths = []
        for index, doc in enumerate(docs):
            weighted: dict[str, float] = {}
            for f, (terms, weight, b) in enumerate(doc):
                if not terms or not weight:
                    continue
                norm = 1 - b + b * len(terms) / averages[f]
                for term, count in Counter(terms).items():
                    weighted[term] = weighted.get(term, 0.0) + weight * count / norm
            self.lengths.append(sum(len(terms) for terms, _, _ in doc))
            for term, wtf in weighted.items():
                lists[term].append((index, wtf))
        self.postings: dict[str, tuple[array[int], array[float]]] = {
            term: (array("i", [i for i, _ in p]), array("d", [w for _, w in p]))
            for term, p in lists.items()
        }
        self.idf = {
            term: math.log(1 + (n - len(p) + 0.5) / (len(p) + 0.5)) for term, p in lists.items()
        }
        # A word no policy uses weighs as much as the rarest word that one does.
        self.unknown_idf = math.log(1 + (n + 0.5) / 0.5) if n else 1.0

    def scores(self, query: list[str]) -> dict[int, float]:
        totals: dict[int, float] = {}
        get = totals.get
        k1 = self.k1
        k1_plus_1 = k1 + 1
        # In the question's word order, not a set's: a set's order changes with each
        # process's string hashing, and with it which of two equally scored sections
        # came first (the same question could cite another section after a restart).
        for term in dict.fromkeys(query):
            postings = self.postings.get(term)
            if postings is None:
                continue
            idf = self.idf[term]
            indexes, weights = postings
            for index, wtf in zip(indexes, weights, strict=True):
                totals[index] = get(index, 0.0) + idf * wtf * k1_plus_1 / (k1 + wtf)
        return totals

    def weight(self, term: str) -> float:
        return self.idf.get(term, self.unknown_idf)


def _heading(chunk: Chunk) -> str:
    """The section's own heading."""
    return chunk.title.rsplit(" › ", 1)[-1]


def _document(chunk: Chunk) -> str:
    """The document's title and any parent headings: shared by sibling sections."""
    return " ".join(chunk.title.split(" › ")[:-1])


def _fields(chunk: Chunk) -> list[tuple[list[str], float, float]]:
    """The section's fields as (terms, weight, b)."""
    language = chunk.language
    return [
        (tokenize(_heading(chunk), language=language), HEADING_WEIGHT, 0.0),
        (tokenize(_document(chunk), language=language), TITLE_WEIGHT, 0.0),
        (tokenize(chunk.text, language=language), BODY_WEIGHT, BODY_B),
        (tokenize(chunk.search_terms, language=language), SEARCH_WEIGHT, SEARCH_B),
    ]


def _pairs_found(
    pairs: dict[frozenset[str], float], fields: list[list[str]], terms: set[str]
) -> float:
    """The weight of the question's word pairs that stand next to each other (or one
    word apart) in the section: "return shipping" says more than "return" and
    "shipping" far apart.  Only pairs whose both words the section has are looked
    for, and only at those words' places."""
    candidates = {pair: w for pair, w in pairs.items() if pair <= terms}
    if not candidates:
        return 0.0
    wanted = set().union(*candidates)
    found: dict[frozenset[str], float] = {}
    for sequence in fields:
        places = [(i, t) for i, t in enumerate(sequence) if t in wanted]
        for n, (i, term) in enumerate(places):
            for j, other in places[n + 1 : n + 3]:
                if j - i > 2:
                    break
                pair = frozenset((term, other))
                if pair in candidates:
                    found[pair] = candidates[pair]
    return sum(found.values())


def confidence(coverage: float, margin: float, words: int) -> float:
    """How sure a hit is, 0..1.

    * coverage: the share of the question's weight (idf) the section contains: a
      question whose telling words are not in the section is not answered by it
      (raised to COVERAGE_POWER: half the question covered is less than half sure);
    * margin: how far ahead of the next section it is ((best - second) / best); a
      question two sections answer equally well is a guess between them;
    * words: the question's distinct topic words; one word ("price") is a topic, not a
      question, so it is never more than fairly sure.
    """
    margin_factor = MARGIN_FLOOR + (1 - MARGIN_FLOOR) * min(1.0, margin / MARGIN_FULL)
    value = coverage**COVERAGE_POWER * margin_factor
    if words < 2:
        value = min(value, ONE_WORD_CAP)
    return round(value, 4)


# Sentence embeddings (retrieval/semantic.py) next to the words: a section's score is
# the similarity of its closest paragraph (or list item) to the question, plus half that
# of its heading, plus LEXICAL_SHARE times its word score (scaled so the best section's
# is 1).  Chosen on the tuning shops (tests/bench/policies.py): the words alone found
# 76% of their sections, the embeddings alone 80%, both 84%.  (The whole section as one
# more vector did no better and doubled the time to index.)
LEXICAL_SHARE = 0.3
TITLE_SHARE = 0.5
# The best LATE_POOL sections are then re-ranked with the question matched piece by
# piece (retrieval/late.py): closest paragraph + LATE_TITLE × heading + LATE_LEXICAL ×
# word score + LATE_SHARE × (plain + rarity-weighted piece match) + BRIDGE_SHARE × the
# question bank's vote (retrieval/bridge.py).  The weights were fitted on the first four
# tuning shops by tests/bench/policy_weights.py (a linear ranking model) and rounded.
# Refitted on the ten tuning shops, each left out in turn, they move (heading 0.4–0.75,
# piece match 1.3–2.0, vote 1.2–1.6) but score the left-out shop no better: 87.8% on
# average, as these do.  The heading counts little here because the vote and the piece
# match (each paragraph read with its heading) already carry it.
LATE_TITLE = 0.15
LATE_LEXICAL = 0.5
LATE_SHARE = 1.3
BRIDGE_SHARE = 1.1
# Languages whose sections get sentence vectors: the encoder knows English only.
SEMANTIC_LANGUAGES = frozenset({ENGLISH})
LEXICAL_POOL = 50  # sections whose word score is computed in full when embeddings rank
# How similar (cosine, 0..1) the closest paragraph must be to count as covering the
# question fully, and below which it counts for nothing; and the gap between the first
# two sections' scores that counts as a clear lead.
SIMILAR_LOW = 0.35
SIMILAR_HIGH = 0.75
SEMANTIC_MARGIN_FULL = 0.2


@dataclass(slots=True)
class _Vectors:
    """A shop's sections as unit vectors: each heading, and each paragraph or list item
    with its heading (`owner` names the section of each)."""

    headings: np.ndarray
    passages: np.ndarray
    owner: np.ndarray

    @classmethod
    def build(cls, encoder: Encoder, chunks: list[Chunk]) -> _Vectors:
        headings = [c.title for c in chunks]
        passages: list[str] = []
        owner: list[int] = []
        for index, chunk in enumerate(chunks):
            for passage in passages_of(chunk):
                passages.append(f"{chunk.title}: {passage}")
                owner.append(index)
        vectors = encode_cached(encoder, [*headings, *passages])
        n = len(chunks)
        return cls(vectors[:n], vectors[n:], np.array(owner, dtype=np.int64))

    def similarities(self, question: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Per section: its closest paragraph's similarity, and its heading's."""
        closest = np.full(len(self.headings), -1.0, dtype=np.float32)
        np.maximum.at(closest, self.owner, self.passages @ question)
        return closest, self.headings @ question


@dataclass(slots=True)
class _ShopIndex:
    """One shop's searchable sections: per section (same order as `chunks`) its terms,
    its fields' term sequences, and its passages' terms (each with the heading's); and
    their sentence vectors when an encoder is available."""

    chunks: list[Chunk]
    term_sets: list[set[str]]
    bm25: Bm25
    sequences: list[list[list[str]]]
    passages: list[list[set[str]]]
    speller: Speller
    vectors: _Vectors | None = None
    # Per section, its paragraphs as the piece-by-piece match reads them ("Heading:
    # paragraph"), and how rare each word piece is among them (made on first use).
    late_texts: list[list[str]] = field(default_factory=list)
    rarity: late.Rarity | None = None

    def piece_rarity(self) -> late.Rarity:
        if self.rarity is None:
            self.rarity = late.Rarity([t for texts in self.late_texts for t in texts])
        return self.rarity


class KnowledgeBase:
    """All shops' chunks, searchable per shop and language (falling back to the shop's
    English files, then to `default/`): one index per shop and language.

    `semantic=False` (or no model installed) searches by words alone.  The sentence
    encoder (all-MiniLM-L6-v2) was trained on English only; Spanish sections are
    searched by words alone (SEMANTIC_LANGUAGES), which found more of the bundled
    sample's Spanish sections than words and vectors together."""

    def __init__(
        self,
        chunks: list[Chunk],
        *,
        semantic: bool = True,
        encoder: Encoder | None = None,
        bank_leave_out: LeaveOut = NOTHING,
    ) -> None:
        """`bank_leave_out`: questions kept out of the question bank, to measure on a
        shop whose questions it would otherwise hold (retrieval/bridge.py)."""
        self.chunks = chunks
        self.encoder = encoder or (load_encoder() if semantic else None)
        self.bank = bank_for(self.encoder, bank_leave_out) if self.encoder else None
        self._by_shop: dict[tuple[str, str], _ShopIndex] = {}
        grouped: dict[tuple[str, str], list[Chunk]] = defaultdict(list)
        for chunk in chunks:
            grouped[(chunk.shop, chunk.language)].append(chunk)
        for (shop, language), items in grouped.items():
            docs = [_fields(c) for c in items]
            # Each paragraph or list item on its own; a section of one paragraph is its
            # body (not tokenized twice: that doubled the time to index a large shop).
            parts = [
                [tokenize(p, language=language) for p in ps]
                if len(ps := split_passages(c.text)) > 1
                else [d[2][0]]
                for c, d in zip(items, docs, strict=True)
            ]
            # What every passage of a section shares: its headings and search lines.
            headings = [set(d[0][0]) | set(d[1][0]) | set(d[3][0]) for d in docs]
            term_sets = [{t for terms, _, _ in d for t in terms} for d in docs]
            encoder = self.encoder if language in SEMANTIC_LANGUAGES else None
            self._by_shop[(shop, language)] = _ShopIndex(
                chunks=items,
                term_sets=term_sets,
                bm25=Bm25(docs, K1),
                sequences=[[terms for terms, _, _ in d if terms] for d in docs],
                # One passage: the section's own term set (the same words), not a copy.
                passages=[
                    [heading | set(part) for part in ps] if len(ps) > 1 else [terms]
                    for ps, heading, terms in zip(parts, headings, term_sets, strict=True)
                ],
                speller=Speller(
                    (
                        w
                        for c in items
                        for w in words_in(f"{c.title} {c.text} {c.search_terms}", language)
                    ),
                    protected=spanish.PROTECTED if language == SPANISH else PROTECTED,
                    stem=spanish.stem if language == SPANISH else stem,
                    # The model's vocabulary is English: real words, never "fixed".
                    real=None if language == SPANISH else whole_words(),
                ),
                vectors=_Vectors.build(encoder, items) if encoder else None,
                late_texts=[[f"{_heading(c)}: {p}" for p in passages_of(c)] for c in items]
                if encoder
                else [],
            )

    def section(self, shop: str, language: str, section_id: str) -> Chunk | None:
        """One section of a shop's policies in a language (as a hit names it)."""
        index_ = self._by_shop.get((shop, language))
        if index_ is None:
            return None
        return next((c for c in index_.chunks if c.id == section_id), None)

    @property
    def shops(self) -> list[str]:
        return sorted({shop for shop, _ in self._by_shop})

    def _index_for(self, shop: str | None, language: str) -> tuple[_ShopIndex, str] | None:
        """The index to search and its language: the shop's own in the question's
        language, else the shop's English files (its own rules before the sample's
        translation), else `default/` in the language, else `default/` in English."""
        places = []
        if shop is not None and any(s == shop for s, _ in self._by_shop):
            places += [(shop, language), (shop, DEFAULT_LANGUAGE)]
        places += [(DEFAULT_SHOP, language), (DEFAULT_SHOP, DEFAULT_LANGUAGE)]
        for place in places:
            if place in self._by_shop:
                return self._by_shop[place], place[1]
        return None

    def search(
        self,
        question: str,
        shop: str | None = None,
        k: int = 3,
        language: str = DEFAULT_LANGUAGE,
    ) -> list[Hit]:
        """The best `k` sections for the question (asked in `language`); a hit's
        `chunk.language` differs from `language` when the shop has no policies in it."""
        found = self._index_for(shop, language)
        if found is None:
            return []
        index_, found_language = found
        if language == SPANISH and found_language != SPANISH:
            # No Spanish policies: the question's shop terms, in English.
            question = spanish.in_english(question)
        language = found_language
        items, term_sets, bm25, sequences = (
            index_.chunks,
            index_.term_sets,
            index_.bm25,
            index_.sequences,
        )
        query = tokenize(question, index_.speller if SPELLING else None, language)
        if not any(not t.isdigit() for t in query):
            return []  # nothing but stopwords and numbers ("because", "5.00"): no topic
        scores = bm25.scores(query)
        # The question's topic words, in order (the same sums in every process); numbers
        # (an order number, "3 weeks") are details, not what the question is about.
        unique = dict.fromkeys(t for t in query if not t.isdigit())
        weights = {t: bm25.weight(t) for t in unique}
        total = sum(weights.values())
        # The best few by BM25F, re-ranked by how much of the question each covers: a
        # section that speaks of every idea in the question beats one that repeats one.
        # (= sorted(..., reverse=True)[:n], ties in the same order, without sorting all)
        size = max(k, LEXICAL_POOL if index_.vectors is not None else RERANK)
        pool = heapq.nlargest(size, scores.items(), key=itemgetter(1))
        pairs = {
            frozenset((a, b)): (weights[a] + weights[b]) / 2
            for a, b in itertools.pairwise(query)
            if a != b and a in weights and b in weights
        }
        ranked = []
        for index, score in pool:
            covered = sum(w for t, w in weights.items() if t in term_sets[index])
            coverage = covered / total if total else 0.0
            score *= 1 - COORDINATION + COORDINATION * coverage
            if PASSAGE and total:
                best = max(
                    sum(w for t, w in weights.items() if t in passage)
                    for passage in index_.passages[index]
                )
                score *= 1 - PASSAGE + PASSAGE * best / total
            if pairs and PAIR_WEIGHT:
                score += PAIR_WEIGHT * _pairs_found(pairs, sequences[index], term_sets[index])
            if SHORT_PRIOR:
                length = bm25.lengths[index]
                score *= min(1.0, length / SHORT_LENGTH) ** SHORT_PRIOR
            ranked.append((score, coverage, index))
        ranked.sort(key=itemgetter(0), reverse=True)  # stable: ties keep BM25F's order
        # Words that tell sections apart: a word most sections use ("order", "item")
        # adds little, so "order over the phone" is a one-topic question.
        strongest = max(weights.values(), default=0.0)
        words = sum(1 for w in weights.values() if w >= TELLING_SHARE * strongest)
        if index_.vectors is not None and self.encoder is not None:
            return self._blend(index_, question, ranked, weights, words, k)
        hits = []
        for position, (score, coverage, index) in enumerate(ranked[:k]):
            rival = ranked[1][0] if position == 0 and len(ranked) > 1 else ranked[0][0]
            margin = max(0.0, (score - rival) / score) if position == 0 and score else 0.0
            hits.append(Hit(items[index], score, confidence(coverage, margin, words)))
        return hits

    def _blend(
        self,
        index_: _ShopIndex,
        question: str,
        ranked: list[tuple[float, float, int]],
        weights: dict[str, float],
        words: int,
        k: int,
    ) -> list[Hit]:
        """Rank by sentence similarity plus the word score, re-rank the best few with the
        question matched piece by piece; say how sure from whichever covers the question
        better: its words in the section, or a paragraph that says the same thing in
        other words."""
        assert index_.vectors is not None and self.encoder is not None
        if SPELLING:
            # The same typos fixed: WordPiece cuts "adress" into pieces that mean
            # something else, so one slip moves the question's vector.
            question = spelled(question, index_.speller)
        vector, asked = self.encoder.read(question)
        closest, heading = index_.vectors.similarities(vector)
        lexical = np.zeros(len(index_.chunks), dtype=np.float64)
        best_words = ranked[0][0] if ranked and ranked[0][0] > 0 else 1.0
        for score, _, index in ranked:
            lexical[index] = score / best_words
        combined = closest + TITLE_SHARE * heading + LEXICAL_SHARE * lexical
        order = [int(i) for i in np.argsort(-combined, kind="stable")]
        pool = order[: max(k, late.LATE_POOL)]
        final = {i: float(combined[i]) for i in order[len(pool) :]}
        rarity = index_.piece_rarity()
        vectors = index_.vectors
        votes = dict(
            zip(
                pool,
                self.bank.votes(vector, vectors.passages, vectors.owner, vectors.headings, pool)
                if self.bank is not None
                else np.zeros(len(pool)),
                strict=True,
            )
        )
        signals: dict[int, Signals] = {}
        for index in pool:
            found = late.matches(
                asked, late.MEMO.get(self.encoder, index_.late_texts[index]), rarity
            )
            signals[index] = Signals(
                float(closest[index]),
                float(heading[index]),
                float(lexical[index]),
                max(m.plain for m in found),
                max(m.rare for m in found),
                float(votes[index]),
            )
            final[index] = signals[index].score()
        pool.sort(key=lambda i: -final[i])  # stable: ties keep the vectors' order
        order = pool + order[len(pool) :]
        total = sum(weights.values())
        hits = []
        for position, index in enumerate(order[:k]):
            covered = sum(w for t, w in weights.items() if t in index_.term_sets[index])
            coverage = covered / total if total else 0.0
            similar = (float(closest[index]) - SIMILAR_LOW) / (SIMILAR_HIGH - SIMILAR_LOW)
            margin = 0.0
            if position == 0:
                gap = final[index] - final[order[1]] if len(order) > 1 else math.inf
                margin = MARGIN_FULL * min(1.0, float(gap) / SEMANTIC_MARGIN_FULL)
            sure = confidence(max(coverage, min(1.0, max(0.0, similar))), margin, words)
            hits.append(Hit(index_.chunks[index], final[index], sure, signals.get(index)))
        return hits

    # -- persistence -------------------------------------------------------------

    def save(self, path: Path, source_digest: str) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        data = {
            "version": INDEX_VERSION,
            "digest": source_digest,
            "chunks": [asdict(c) for c in self.chunks],
            # The sections' sentence vectors, so a restart does not encode them again
            # (a few seconds a shop); kept only for the model that made them.
            "vectors": remembered(self.encoder) if self.encoder else None,
        }
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        tmp.replace(path)  # a reader never sees half an index

    @classmethod
    def load(cls, path: Path, *, semantic: bool = True) -> tuple[KnowledgeBase, str] | None:
        try:
            data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if data.get("version") != INDEX_VERSION:
            return None
        encoder = load_encoder() if semantic else None
        if encoder is not None and isinstance(data.get("vectors"), dict):
            remember(encoder, data["vectors"])
        chunks = [Chunk(**c) for c in data["chunks"]]
        return cls(chunks, semantic=semantic, encoder=encoder), str(data["digest"])


def knowledge_warnings(root: Path, shop_codes: Collection[str]) -> list[str]:
    """What in the policy folder a shop owner likely meant to be read and is not (for
    `kb reindex`): Markdown files beside the shop folders instead of in one, a file
    with no `##` section holding text (only sections are searched), and a folder named
    after no shop of the database (a typo of the shop's code: its buyers would get the
    `default/` policies, or none)."""
    warnings: list[str] = []
    loose = sorted(p.name for p in root.glob("*.md") if p.name.lower() != "readme.md")
    if loose:
        warnings.append(
            f"{', '.join(loose)} in {root} itself {'is' if len(loose) == 1 else 'are'} not"
            f" read: a shop's policies go in a folder named after its code ({root}/SHOP/),"
            f" those for every other shop in {root}/{DEFAULT_SHOP}/"
        )
    for (shop, language), files in policy_files(root).items():
        place = shop if language == DEFAULT_LANGUAGE else f"{shop}/{language}"
        if language == DEFAULT_LANGUAGE and shop != DEFAULT_SHOP and shop not in shop_codes:
            known = ", ".join(sorted(shop_codes)) or "none yet"
            warnings.append(
                f"folder {shop}/ is named after no shop in the database (shops: {known}),"
                " so no buyer reads it; name it after the shop's code"
            )
        for path in files:
            text = path.read_text(encoding="utf-8", errors="replace")
            if not chunk_markdown(shop, path.name, text, language):
                warnings.append(
                    f"{place}/{path.name} has no ## section with text, so nothing in it is"
                    " searched: each ## heading starts a section, its text below it"
                )
    return warnings


def knowledge_root(configured: Path | None) -> Path:
    return configured if configured is not None else BUNDLED


def reindex(root: Path, index_path: Path, *, semantic: bool = True) -> KnowledgeBase:
    """Rebuild the index from the Markdown files and store it.  The vectors the old
    index holds are reused: only texts that changed are encoded again (the question
    bank's alone take about 25 s of CPU)."""
    encoder = load_encoder() if semantic else None
    if encoder is not None:
        try:
            stored = json.loads(index_path.read_text(encoding="utf-8")).get("vectors")
        except (OSError, ValueError, AttributeError):
            stored = None
        if isinstance(stored, dict):
            remember(encoder, stored)
    kb = KnowledgeBase(build_chunks(root), semantic=semantic, encoder=encoder)
    kb.save(index_path, digest(root))
    log.info("knowledge base indexed", extra={"chunks": len(kb.chunks), "shops": len(kb.shops)})
    return kb


def load_or_index(root: Path, index_path: Path, *, semantic: bool = True) -> KnowledgeBase:
    """The stored index if it matches the files, else a fresh one (on start)."""
    current = digest(root)
    stored = KnowledgeBase.load(index_path, semantic=semantic)
    if stored is not None and stored[1] == current:
        return stored[0]
    return reindex(root, index_path, semantic=semantic)


class PolicyRetriever(BaseRetriever):
    """The knowledge base as a LangChain retriever (what the agent's search tool and
    any chain use); each document carries its section id, title and confidence."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    kb: KnowledgeBase
    shop: str | None = None
    k: int = 3
    language: str = DEFAULT_LANGUAGE

    def _get_relevant_documents(
        self, query: str, *, run_manager: CallbackManagerForRetrieverRun
    ) -> list[Document]:
        return [
            Document(
                page_content=hit.chunk.text,
                metadata={
                    "id": hit.chunk.id,
                    "title": hit.chunk.title,
                    "score": hit.score,
                    "confidence": hit.confidence,
                    "language": hit.chunk.language,
                },
            )
            for hit in self.kb.search(query, self.shop, self.k, self.language)
        ]
