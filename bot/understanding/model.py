"""The intent model: a multinomial logistic regression over word and character n-grams,
trained from the corpus in the repository, calibrated on its dev split.

Why this shape:

* **No pickle, no model download.** The learned weights are plain numbers in a JSON
  file keyed by a digest of the corpus and of the feature code, so any later version of
  scikit-learn (or none at all) reads them. When the file is missing or stale the model
  is trained again from the corpus (`corpus/intents*.jsonl`, a few seconds, once) and the file is
  written next to the policy index.
* **Inference is pure Python.** Features are a dictionary look-up and a dot product
  with 16 weights each (15 intents and `out_of_scope`): loading takes a fraction of a
  second and a message is classified well under a millisecond, without importing
  scikit-learn or NumPy.
* **A probability the bot can act on.** The logits are divided by a temperature fitted
  on the dev split (never trained on), so that "0.9" is right about nine times in ten.
  A message with no word the model has learned from ("because", "asdfgh", "5.00") gets
  the same probabilities pulled towards uniform: nothing in it says what the buyer
  wants, so the bot must not be sure. A message that asks for something the shop does
  not do ("tell me a joke", "what's the weather") is learned as `out_of_scope` (see
  `corpus/README.md`), whose probability no intent gets.
* **One model for English and Spanish**, trained on both parts of the corpus, rather
  than one per language with a language guess in front.  Buyers mix the languages in
  one message ("mi order no llega", "how long tarda el envio"), and the messages that
  most need reading are the shortest ("reembolso??", "cancel", "5781…"), where no
  guess of the language is reliable; one model needs no guess at all.  The two
  vocabularies barely share a word, so each language's features carry its own
  evidence, and the placeholders (`<order>`, `<money>`) and the calibration are shared.
  Adding the Spanish part left the English held-out figures as they were (see
  tests/bench/understanding.py).
* **Meaning beside the words, when the sentence encoder is loaded** (as it is for the
  policy search): a message of two or more known words is also read from its sentence
  vector and the two readings are blended (`sentences.py`), which carries to wording
  the corpus never had, for a few milliseconds more.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import os
import tempfile
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.domain.words import FUNCTION_WORDS
from bot.understanding import features
from bot.understanding import slots as slots_module
from bot.understanding.features import FEATURES_VERSION, analyze
from bot.understanding.slots import Slots, extract

if TYPE_CHECKING:
    from bot.understanding.sentences import SentenceEncoder, SentenceHead

log = logging.getLogger(__name__)

CORPUS_DIR = Path(__file__).resolve().parent / "corpus"
# Each language's part of the corpus: trained on together (see the module docstring).
TRAINING_FILES = (
    "intents.jsonl",
    "intents_others.jsonl",
    "intents_short.jsonl",
    "intents_by_ear.jsonl",
    "intents_mixed.jsonl",
    "intents_late.jsonl",
    "intents_desk.jsonl",
    "intents_social.jsonl",
    "intents_more_hands.jsonl",
    "intents_follow_ups.jsonl",
    "intents_tiktok.jsonl",
    "intents_translated.jsonl",
    "intents_parcel_news.jsonl",
    "intents_es.jsonl",
    "intents_es_others.jsonl",
    "intents_es_hands.jsonl",
)
DEV_FILES = ("intents_dev.jsonl", "intents_dev_es.jsonl")
DEFAULT_CACHE = Path("data/understanding-model.json")
# The training class for messages the shop does not serve (jokes, weather, trivia,
# keyboard mashes): learned like an intent, never returned as one (see `classify`).
OUT_OF_SCOPE = "out_of_scope"

# Hyper-parameters, chosen on the dev split (see tests/bench/understanding.py).
C = 20.0
CHAR_MIN_DF = 2
FORMAT = 1

# Below SURE the bot should not act on the intent without asking; below UNSURE it has
# no real idea. Probabilities are calibrated, so these read as rates of being right.
# On the dev split, 91% of messages reach SURE and 97.8% of those are right.
SURE = 0.75
UNSURE = 0.45
# The model reads the first this many characters: what a buyer asks is said by then, and
# it bounds the time a pasted wall of text costs (Telegram allows 4,096).
MAX_CHARS = 1000
# Pseudo-count of the uniform prior for a one-word message's word distribution.
ONE_WORD_PRIOR = 2.0
# A message of at most this many words, one of them the only one the model knows, is
# read as that word alone (see `IntentModel.probabilities`).
SHORT_MESSAGE = 2

# Words that carry no request on their own: a message made only of these (or of words
# the model never saw) is read with no evidence.  (Why not the search list: bot/domain/words.py.)
STOPWORDS = FUNCTION_WORDS


@dataclass(frozen=True, slots=True)
class Reading:
    """How the model reads one message."""

    intent: str
    probability: float
    # The most likely intents after the first, most likely first, with probabilities.
    alternatives: tuple[tuple[str, float], ...]
    slots: Slots = field(default_factory=Slots)
    # How many of the message's words the model learned anything from.
    evidence: int = 0
    # The probability that the message asks nothing the shop serves ("tell me a joke"):
    # the `out_of_scope` class's share, which is why `probability` plus the
    # alternatives can fall well short of 1 for such a message.
    off_topic: float = 0.0

    @property
    def sure(self) -> bool:
        """Act on the intent without asking."""
        return self.probability >= SURE

    @property
    def unsure(self) -> bool:
        """Too unsure to act: ask which of the likely intents the buyer means."""
        return self.probability < UNSURE

    def as_dict(self) -> dict[str, Any]:
        return {
            "intent": self.intent,
            "probability": round(self.probability, 3),
            "sureness": "sure" if self.sure else "unsure" if self.unsure else "likely",
            "off_topic": round(self.off_topic, 3),
            "alternatives": [
                {"intent": intent, "probability": round(p, 3)} for intent, p in self.alternatives
            ],
            "slots": self.slots.as_dict(),
        }


def _read_jsonl(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def corpus_digest(corpus_dir: Path = CORPUS_DIR) -> str:
    """What the weights depend on: the training and dev files and the code that reads
    them (features, training, normalisation). A change to any of them retrains."""
    sha = hashlib.sha256()
    for name in (*TRAINING_FILES, *DEV_FILES):
        sha.update(name.encode())
        sha.update((corpus_dir / name).read_bytes())
    for module in (features.__file__, __file__, slots_module.__file__):
        sha.update(Path(module).read_bytes())
    sha.update(f"{FEATURES_VERSION}|{C}|{CHAR_MIN_DF}|{FORMAT}".encode())
    return sha.hexdigest()


def _softmax(logits: Sequence[float], temperature: float = 1.0) -> list[float]:
    top = max(logits)
    exps = [math.exp((x - top) / temperature) for x in logits]
    total = sum(exps)
    return [e / total for e in exps]


def word_count(text: str) -> int:
    """Words and placeholders of a message, not punctuation or emoji ("refund??" is 1)."""
    return sum(
        1
        for w in features.tokens(features.normalise(text))
        if w != "<emoji>" and (w.startswith("<") or any(c.isalnum() for c in w))
    )


class IntentModel:
    """Weights and the pure-Python forward pass."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.key: str = data["key"]
        self.labels: list[str] = data["labels"]
        self.bias: list[float] = data["bias"]
        self.temperature: float = data["temperature"]
        self.no_evidence_weight: float = data["no_evidence_weight"]
        # block -> feature -> [idf, weight per label]
        self.blocks: dict[str, dict[str, list[float]]] = data["blocks"]
        self.vocabulary = frozenset(
            f[2:] for f in self.blocks["word"] if f.startswith("w:") and not f.startswith("w:<")
        )
        # word -> {label index: training messages with that word and label}
        self.word_labels: dict[str, dict[str, int]] = data["word_labels"]

    def logits(self, feats: Iterable[str]) -> list[float]:
        counts = Counter(feats)
        out = list(self.bias)
        n = len(out)
        for prefixes, table in (
            (("w", "b", "q", "e", "k"), self.blocks["word"]),
            (("c",), self.blocks["char"]),
        ):
            active = []
            for feat, tf in counts.items():
                if feat[0] not in prefixes:
                    continue
                row = table.get(feat)
                if row is not None:
                    active.append(((1.0 + math.log(tf)) * row[0], row))
            norm = math.sqrt(sum(v * v for v, _ in active))
            if not norm:
                continue
            for value, row in active:
                scale = value / norm
                for k in range(n):
                    out[k] += scale * row[k + 1]
        return out

    def evidence(self, text: str) -> list[str]:
        """The words of the message (not stopwords) the model has seen in training,
        placeholders (an order number, an amount, an emoji) included."""
        words = features.tokens(features.normalise(text))
        return [
            w
            for w in words
            if (w.startswith("<") and w != "<num>")
            or (w not in STOPWORDS and w in self.vocabulary and len(w) > 1)
        ]

    def probabilities(self, text: str) -> tuple[list[float], int]:
        probs = _softmax(self.logits(analyze(text)), self.temperature)
        evidence = self.evidence(text)
        k = len(probs)
        if not evidence:
            # Nothing in the message says what is wanted: pull towards uniform.
            w = self.no_evidence_weight
            probs = [w * p + (1 - w) / k for p in probs]
        elif (
            len(evidence) == 1
            and not evidence[0].startswith("<")
            and word_count(text) <= SHORT_MESSAGE
        ):
            # One word (maybe with a stopword: "the price", "refund??"): the model's
            # confidence in it is only as good as what that word meant when a buyer
            # said little else in training ("paypal?" payments, "hi" chit-chat); a word
            # never seen that way ("price") is no request at all. Half of the
            # probability is that word's smoothed label distribution. A longer message
            # ("where my stuff") says more than its one content word: the stopwords
            # around it carry the request, and the model reads them.
            counts = self.word_labels.get(evidence[0])
            if counts is None:
                w = self.no_evidence_weight
                return [w * p + (1 - w) / k for p in probs], len(evidence)
            n = sum(counts.values())
            alpha = ONE_WORD_PRIOR
            empirical = [(counts.get(str(i), 0) + alpha / k) / (n + alpha) for i in range(k)]
            probs = [(p + e) / 2 for p, e in zip(probs, empirical, strict=True)]
        return probs, len(evidence)


class Understanding:
    """Intent and slots of a buyer's message: `Understanding.load().classify(text)`."""

    def __init__(self, model: IntentModel, sentences: SentenceHead | None = None) -> None:
        self.model = model
        # The reading by meaning blended in (`sentences.py`), when an encoder is loaded.
        self.sentences = sentences

    @classmethod
    def load(
        cls,
        cache: Path | None = DEFAULT_CACHE,
        corpus_dir: Path = CORPUS_DIR,
        encoder: SentenceEncoder | None = None,
    ) -> Understanding:
        """The cached weights when they match the corpus, else trained now (and cached);
        with a sentence encoder, the head that reads its vectors too."""
        model = IntentModel(_weights(cache, corpus_dir))
        if encoder is None:
            return cls(model)
        from bot.understanding.sentences import load_head

        head_cache = None if cache is None else cache.with_name(f"{cache.stem}-sentences.json")
        return cls(model, load_head(model, encoder, corpus_dir, head_cache))

    @property
    def labels(self) -> list[str]:
        """The intents a reading can have (the 15 the bot serves, not `out_of_scope`)."""
        return [label for label in self.model.labels if label != OUT_OF_SCOPE]

    def classify(self, text: str) -> Reading:
        """The most likely intent, its calibrated probability, the next two, the slots.

        `out_of_scope` is never the reading's intent: its probability is held back (as
        `off_topic`), so an off-topic message comes out as a served intent with a low
        probability, i.e. not understood, and the alternatives still give the likely
        choices for a clarifying question."""
        probs, evidence = self.model.probabilities(text[:MAX_CHARS])
        if self.sentences is not None and self.sentences.reads(text, evidence):
            try:
                probs = self.sentences.blend(probs, text[:MAX_CHARS])
            except Exception as exc:  # the encoder failing: the n-gram reading stands
                log.warning("sentence reading failed", extra={"error": type(exc).__name__})
        pairs = zip(self.model.labels, probs, strict=True)
        off_topic = 0.0
        served = []
        for label, p in pairs:
            if label == OUT_OF_SCOPE:
                off_topic = p
            else:
                served.append((label, p))
        ranked = sorted(served, key=lambda x: -x[1])
        return Reading(
            intent=ranked[0][0],
            probability=ranked[0][1],
            alternatives=tuple(ranked[1:3]),
            slots=extract(text),
            evidence=evidence,
            off_topic=off_topic,
        )


def _weights(cache: Path | None, corpus_dir: Path) -> dict[str, Any]:
    key = corpus_digest(corpus_dir)
    if cache is not None:
        data = _read_cache(cache)
        if data is not None and data.get("key") == key and data.get("format") == FORMAT:
            return data
    started = time.perf_counter()
    data = train(corpus_dir, key)
    log.info(
        "intent model trained",
        extra={"seconds": round(time.perf_counter() - started, 2), "cache": str(cache)},
    )
    if cache is not None:
        _write_cache(cache, data)
    return data


def _read_cache(path: Path) -> dict[str, Any] | None:
    try:
        with path.open(encoding="utf-8") as handle:
            data = json.load(handle)
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _write_cache(path: Path, data: dict[str, Any]) -> None:
    """Write atomically; a read-only disk only costs training again next start."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".intent-model-", suffix=".json")
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(data, handle, ensure_ascii=False, separators=(",", ":"))
        os.replace(tmp, path)
    except OSError as exc:
        log.warning("intent model not cached", extra={"path": str(path), "error": str(exc)})


# ----------------------------------------------------------------------------- training


def _only(prefixes: str) -> Any:
    """An analyzer for one block, over features computed once per message."""

    def analyzer(feats: tuple[str, ...]) -> list[str]:
        return [f for f in feats if f[0] in prefixes]

    return analyzer


def _fit_temperature(logits: list[list[float]], gold: list[int]) -> float:
    """The temperature that minimises the dev split's negative log-likelihood."""

    def nll(t: float) -> float:
        return -sum(
            math.log(max(_softmax(row, t)[g], 1e-12)) for row, g in zip(logits, gold, strict=True)
        )

    grid = [0.25 * 1.08**i for i in range(60)]
    best = min(grid, key=nll)
    lo, hi = best / 1.08, best * 1.08
    for _ in range(30):  # golden-section refinement
        m1, m2 = lo + (hi - lo) * 0.382, lo + (hi - lo) * 0.618
        if nll(m1) < nll(m2):
            hi = m2
        else:
            lo = m1
    return (lo + hi) / 2


def train(corpus_dir: Path = CORPUS_DIR, key: str | None = None) -> dict[str, Any]:
    """Fit the model on the training file and calibrate it on the dev file.

    Needs scikit-learn (imported here only): returns the weights as plain JSON data.
    """
    from scipy.sparse import hstack
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    rows = [r for name in TRAINING_FILES for r in _read_jsonl(corpus_dir / name)]
    dev = [r for name in DEV_FILES for r in _read_jsonl(corpus_dir / name)]
    texts = [tuple(analyze(r["text"])) for r in rows]
    word = TfidfVectorizer(analyzer=_only("wbqek"), sublinear_tf=True, lowercase=False)
    char = TfidfVectorizer(
        analyzer=_only("c"), sublinear_tf=True, min_df=CHAR_MIN_DF, lowercase=False
    )
    x = hstack([word.fit_transform(texts), char.fit_transform(texts)]).tocsr()
    clf = LogisticRegression(C=C, max_iter=3000, solver="saga", tol=1e-3, random_state=0)
    clf.fit(x, [r["intent"] for r in rows])
    labels = [str(label) for label in clf.classes_]
    coef = clf.coef_
    n_word = len(word.vocabulary_)
    blocks: dict[str, dict[str, list[float]]] = {"word": {}, "char": {}}
    for name, vec, offset in (("word", word, 0), ("char", char, n_word)):
        for feat, col in vec.vocabulary_.items():
            weights = [round(float(w), 5) for w in coef[:, offset + col]]
            if not any(weights):
                continue
            blocks[name][feat] = [round(float(vec.idf_[col]), 5), *weights]
    label_index = {label: i for i, label in enumerate(labels)}
    # What each word meant when a short training message said nothing else ("paypal?",
    # "hi", "refund me"): the evidence behind a one-word message.
    word_labels: dict[str, Counter[str]] = {}
    for r in rows:
        if word_count(r["text"]) > SHORT_MESSAGE:
            continue
        words = {
            w
            for w in features.tokens(features.normalise(r["text"]))
            if not (w in STOPWORDS or w.startswith("<") or len(w) < 2)
        }
        if len(words) == 1:
            word_labels.setdefault(words.pop(), Counter())[str(label_index[r["intent"]])] += 1
    data: dict[str, Any] = {
        "format": FORMAT,
        "key": key or corpus_digest(corpus_dir),
        "labels": labels,
        "bias": [round(float(b), 5) for b in clf.intercept_],
        "temperature": 1.0,
        "no_evidence_weight": 1.0,
        "blocks": blocks,
        "word_labels": {w: dict(c) for w, c in sorted(word_labels.items())},
    }
    model = IntentModel(data)
    index = label_index
    dev_logits = [model.logits(analyze(r["text"])) for r in dev]
    data["temperature"] = round(_fit_temperature(dev_logits, [index[r["intent"]] for r in dev]), 4)
    # A message without evidence keeps a third of what the model says: enough to rank
    # the choices for a clarifying question, never enough to be "likely".
    data["no_evidence_weight"] = 0.3
    return data
