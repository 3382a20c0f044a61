"""The shop's policies as a searchable knowledge base.

* Markdown files, one folder per shop code under the knowledge directory, plus
  `default/` for shops without their own (the bundled sample lives in
  `prompts/knowledge/default`).
* Each `##` or `###` heading starts a chunk; its id is `file.md#heading-slug`, its title
  "Document › Section", so an answer can name where it comes from.
* The index (chunks + a digest of the files they came from) is a JSON file: rebuilt
  by `python run_bot.py kb reindex`, and on start when the files changed.
* Search is BM25 over an inverted index (only the documents sharing a term with the
  question are scored, so thousands of chunks stay fast), exposed to LangChain as a
  retriever.  Each hit carries a confidence: how much of the question's weight (idf)
  the section covers, so "do you sell gift cards" scores low even when some chunk
  matches "do" and "sell".
"""

from __future__ import annotations

import functools
import hashlib
import heapq
import json
import logging
import math
import re
import threading
from array import array
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass
from operator import itemgetter
from pathlib import Path
from typing import Any

import snowballstemmer
from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict

log = logging.getLogger(__name__)

BUNDLED = Path(__file__).resolve().parents[2] / "prompts" / "knowledge"
DEFAULT_SHOP = "default"
INDEX_VERSION = 2

_HEADING = re.compile(r"^(#{1,3})\s+(.+?)\s*#*\s*$")
_WORD = re.compile(r"[a-z0-9]+")

# Words that carry no meaning for finding a policy section.
STOPWORDS = frozenset(
    [
        "a",
        "about",
        "above",
        "after",
        "again",
        "all",
        "am",
        "an",
        "and",
        "any",
        "are",
        "as",
        "at",
        "be",
        "been",
        "before",
        "being",
        "below",
        "between",
        "both",
        "but",
        "by",
        "can",
        "could",
        "did",
        "do",
        "does",
        "doing",
        "down",
        "during",
        "each",
        "few",
        "for",
        "from",
        "further",
        "had",
        "has",
        "have",
        "having",
        "he",
        "her",
        "here",
        "hers",
        "herself",
        "him",
        "himself",
        "his",
        "how",
        "i",
        "if",
        "in",
        "into",
        "is",
        "it",
        "its",
        "itself",
        "just",
        "me",
        "more",
        "most",
        "my",
        "myself",
        "no",
        "nor",
        "not",
        "now",
        "of",
        "off",
        "on",
        "once",
        "only",
        "or",
        "other",
        "our",
        "ours",
        "ourselves",
        "out",
        "over",
        "own",
        "same",
        "she",
        "should",
        "so",
        "some",
        "such",
        "than",
        "that",
        "the",
        "their",
        "theirs",
        "them",
        "themselves",
        "then",
        "there",
        "these",
        "they",
        "this",
        "those",
        "through",
        "to",
        "too",
        "under",
        "until",
        "up",
        "very",
        "was",
        "we",
        "were",
        "what",
        "when",
        "where",
        "which",
        "while",
        "who",
        "whom",
        "why",
        "will",
        "with",
        "would",
        "you",
        "your",
        "yours",
        "yourself",
        "yourselves",
        "hi",
        "hello",
        "hey",
        "please",
        "thanks",
        "thank",
        "pls",
        "plz",
        "ok",
        "okay",
        "u",
        "ur",
        "im",
        "ive",
        "id",
        "get",
        "got",
        "want",
        "wanna",
        "need",
        "know",
        "tell",
        "let",
        "like",
        "also",
        "still",
        "yet",
        "one",
        "much",
        "many",
        "really",
    ]
)

# Everyday words buyers use for the terms the policies use (stems, applied to questions
# and policies alike, so either wording finds the other).
SYNONYMS = {
    "packag": "parcel",
    "shipment": "parcel",
    "box": "parcel",
    "courier": "carrier",
    "driver": "carrier",
    "postman": "carrier",
    "arriv": "deliveri",
    "deliv": "deliveri",
    "money": "refund",
    "reimburs": "refund",
    "repay": "refund",
    "broken": "damag",
    "broke": "damag",
    "crack": "damag",
    "smash": "damag",
    "shatter": "damag",
    "dent": "damag",
    "faulti": "defect",
    "fault": "defect",
    "stolen": "miss",
    "lost": "miss",
    "exchang": "replac",
    "swap": "replac",
    "worn": "use",
    "wore": "use",
    "wear": "use",
    "paypal": "pay",
    "bill": "charg",
    "paid": "pay",
    "invoic": "receipt",
    "guarante": "warranti",
    "abroad": "intern",
    "oversea": "intern",
    "countri": "intern",
    "human": "person",
    "agent": "person",
    "someon": "person",
    "somebodi": "person",
    "staff": "person",
    "fee": "cost",
    "price": "cost",
    "postag": "cost",
    "expens": "cost",
    "cheap": "cost",
    "free": "cost",
    "fast": "express",
    "quick": "express",
    "quicker": "express",
    "faster": "express",
    "speed": "express",
    "house": "address",
    "home": "address",
    "flat": "address",
    "apart": "address",
    "quit": "cancel",
    "stop": "cancel",
}

_STEMMER = snowballstemmer.stemmer("english")
_STEMMER_LOCK = threading.Lock()


@functools.lru_cache(maxsize=65_536)
def _stem(word: str) -> str:
    """The Snowball stem of one word, remembered: the pure-Python stemmer costs ~40 µs a
    word, which made indexing 5,000 sections take 17 s instead of 1 s.  The stemmer
    object keeps its state between calls and breaks (wrong stems, IndexError) when two
    threads use it at once, as the agent's search tool (run in a worker thread) and an
    offline answer can: one thread at a time."""
    with _STEMMER_LOCK:
        return str(_STEMMER.stemWord(word))


# Contractions lose their apostrophe before the stopword check ("what's" → "whats"),
# so they are stopwords of their own; else "whats" weighs as a rare, telling word.
# (Negations such as "doesn't" stay: "doesn't work" and "hasn't arrived" mean something.)
CONTRACTIONS = frozenset(["whats", "thats", "theres", "wheres", "hows", "whos", "youre", "theyre"])


def tokenize(text: str) -> list[str]:
    words = [
        w
        for w in _WORD.findall(text.lower().replace("'", "").replace("\u2019", ""))
        if w not in STOPWORDS and w not in CONTRACTIONS and (len(w) > 1 or w.isdigit())
    ]
    return [SYNONYMS.get(stem, stem) for stem in map(_stem, words)]


def slug(heading: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", heading.lower()).strip("-")


@dataclass(frozen=True, slots=True)
class Chunk:
    id: str  # file.md#section-slug
    shop: str
    title: str  # "Returns › Return window"
    text: str
    # Words buyers use for this section, from `<!-- search: ... -->` lines the policy's
    # author wrote: searched, never shown.
    search_terms: str = ""


_SEARCH = re.compile(r"<!--\s*search:(.*?)-->", re.S | re.I)


def chunk_markdown(shop: str, file_name: str, markdown: str) -> list[Chunk]:
    """Split one policy file at its `##`/`###` headings."""
    doc_title = file_name.rsplit(".", 1)[0].replace("-", " ").capitalize()
    chunks: list[Chunk] = []
    parents: dict[int, str] = {}
    heading: tuple[int, str] | None = None
    lines: list[str] = []

    def flush() -> None:
        raw = "\n".join(lines)
        terms = " ".join(" ".join(m.split()) for m in _SEARCH.findall(raw))
        body = _SEARCH.sub("", raw).strip()
        if heading is not None and body:
            level, name = heading
            trail = [parents[lvl] for lvl in sorted(parents) if 2 <= lvl < level]
            title = " › ".join([doc_title, *trail, name])
            chunks.append(Chunk(f"{file_name}#{slug(name)}", shop, title, body, terms))

    for line in markdown.splitlines():
        match = _HEADING.match(line)
        if match is None:
            lines.append(line)
            continue
        level, name = len(match.group(1)), match.group(2).strip()
        if level == 1:
            doc_title = name
            continue
        flush()
        parents = {k: v for k, v in parents.items() if k < level}
        parents[level] = name
        heading, lines = (level, name), []
    flush()
    return chunks


def _files(root: Path) -> dict[str, list[Path]]:
    """Markdown files by shop folder."""
    found: dict[str, list[Path]] = {}
    if not root.is_dir():
        return found
    for folder in sorted(p for p in root.iterdir() if p.is_dir()):
        files = sorted(folder.glob("*.md"))
        if files:
            found[folder.name] = files
    return found


def digest(root: Path) -> str:
    h = hashlib.sha256()
    for shop, files in _files(root).items():
        for path in files:
            h.update(f"{shop}/{path.name}\0".encode())
            h.update(path.read_bytes())
    return h.hexdigest()


def build_chunks(root: Path) -> list[Chunk]:
    chunks: list[Chunk] = []
    for shop, files in _files(root).items():
        for path in files:
            chunks += chunk_markdown(shop, path.name, path.read_text(encoding="utf-8"))
    return chunks


# ---------------------------------------------------------------------- the index


@dataclass(frozen=True, slots=True)
class Hit:
    chunk: Chunk
    score: float
    confidence: float  # 0..1: share of the question's weight this section covers


class Bm25:
    """Okapi BM25 over an inverted index.

    A term's postings are three flat arrays: the sections that use it, how often, and
    the BM25 denominator `tf + k1 * (1 - b + b * length / avg)`, computed once here
    rather than on every question.  A common word at 5,000 sections has thousands of
    postings; walking them this way is several times faster than tuples plus per-posting
    arithmetic, in less memory, with the same scores.
    """

    def __init__(self, docs: list[list[str]], k1: float = 1.4, b: float = 0.75) -> None:
        self.k1, self.b = k1, b
        self.lengths = [len(d) for d in docs]
        self.avg = (sum(self.lengths) / len(docs)) if docs else 1.0
        lists: dict[str, list[tuple[int, int]]] = defaultdict(list)
        for index, doc in enumerate(docs):
            for term, count in Counter(doc).items():
                lists[term].append((index, count))
        avg, lengths = self.avg, self.lengths
        self.postings: dict[str, tuple[array[int], array[int], array[float]]] = {
            term: (
                array("i", [index for index, _ in p]),
                array("i", [tf for _, tf in p]),
                array("d", [tf + k1 * (1 - b + b * lengths[index] / avg) for index, tf in p]),
            )
            for term, p in lists.items()
        }
        n = len(docs)
        self.idf = {
            term: math.log(1 + (n - len(p) + 0.5) / (len(p) + 0.5)) for term, p in lists.items()
        }
        # A word no policy uses weighs as much as the rarest word that one does.
        self.unknown_idf = math.log(1 + (n + 0.5) / 0.5) if n else 1.0

    def scores(self, query: list[str]) -> dict[int, float]:
        totals: dict[int, float] = {}
        get = totals.get
        k1_plus_1 = self.k1 + 1
        # In the question's word order, not a set's: a set's order changes with each
        # process's string hashing, and with it which of two equally scored sections
        # came first (the same question could cite another section after a restart).
        for term in dict.fromkeys(query):
            postings = self.postings.get(term)
            if postings is None:
                continue
            idf = self.idf[term]
            indexes, tfs, norms = postings
            for index, tf, norm in zip(indexes, tfs, norms, strict=True):
                totals[index] = get(index, 0.0) + idf * tf * k1_plus_1 / norm
        return totals

    def weight(self, term: str) -> float:
        return self.idf.get(term, self.unknown_idf)


def _heading(chunk: Chunk) -> str:
    """The section's own heading (not the document's title, which every section of a
    file shares and which would pull questions towards the biggest file)."""
    return chunk.title.rsplit(" › ", 1)[-1]


class KnowledgeBase:
    """All shops' chunks, searchable per shop (falling back to `default/`)."""

    def __init__(self, chunks: list[Chunk]) -> None:
        self.chunks = chunks
        self._by_shop: dict[str, tuple[list[Chunk], list[set[str]], Bm25]] = {}
        grouped: dict[str, list[Chunk]] = defaultdict(list)
        for chunk in chunks:
            grouped[chunk.shop].append(chunk)
        for shop, items in grouped.items():
            # The title is part of what a section is about.
            docs = [
                tokenize(f"{_heading(c)} {_heading(c)} {c.search_terms} {c.text}") for c in items
            ]
            self._by_shop[shop] = (items, [set(d) for d in docs], Bm25(docs))

    @property
    def shops(self) -> list[str]:
        return sorted(self._by_shop)

    def search(self, question: str, shop: str | None = None, k: int = 3) -> list[Hit]:
        key = shop if shop in self._by_shop else DEFAULT_SHOP
        if key not in self._by_shop:
            return []
        items, term_sets, bm25 = self._by_shop[key]
        query = tokenize(question)
        if not query:
            return []
        scores = bm25.scores(query)
        # = sorted(..., reverse=True)[:k], ties in the same order, without sorting them all
        best = heapq.nlargest(k, scores.items(), key=itemgetter(1))
        unique = dict.fromkeys(query)  # ordered: the same sums in every process
        total = sum(bm25.weight(t) for t in unique)
        hits = []
        for index, score in best:
            covered = sum(bm25.weight(t) for t in unique if t in term_sets[index])
            hits.append(Hit(items[index], score, covered / total if total else 0.0))
        return hits

    # -- persistence -------------------------------------------------------------

    def save(self, path: Path, source_digest: str) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        data = {
            "version": INDEX_VERSION,
            "digest": source_digest,
            "chunks": [asdict(c) for c in self.chunks],
        }
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        tmp.replace(path)  # a reader never sees half an index

    @classmethod
    def load(cls, path: Path) -> tuple[KnowledgeBase, str] | None:
        try:
            data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if data.get("version") != INDEX_VERSION:
            return None
        return cls([Chunk(**c) for c in data["chunks"]]), str(data["digest"])


def knowledge_root(configured: Path | None) -> Path:
    return configured if configured is not None else BUNDLED


def reindex(root: Path, index_path: Path) -> KnowledgeBase:
    """Rebuild the index from the Markdown files and store it."""
    kb = KnowledgeBase(build_chunks(root))
    kb.save(index_path, digest(root))
    log.info("knowledge base indexed", extra={"chunks": len(kb.chunks), "shops": len(kb.shops)})
    return kb


def load_or_index(root: Path, index_path: Path) -> KnowledgeBase:
    """The stored index if it matches the files, else a fresh one (on start)."""
    current = digest(root)
    stored = KnowledgeBase.load(index_path)
    if stored is not None and stored[1] == current:
        return stored[0]
    return reindex(root, index_path)


class PolicyRetriever(BaseRetriever):
    """The knowledge base as a LangChain retriever (what the agent's search tool and
    any chain use); each document carries its section id, title and confidence."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    kb: KnowledgeBase
    shop: str | None = None
    k: int = 3

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
                },
            )
            for hit in self.kb.search(query, self.shop, self.k)
        ]
