"""The parts of the policy search that let it read a shop's own files: facts marked with
what they are (amounts, durations, places), typos fixed against the shop's own words,
sections read paragraph by paragraph, and one home for the stopword lists."""

from __future__ import annotations

import pytest

from bot.domain.words import FUNCTION_WORDS, SEARCH_STOPWORDS
from bot.services import knowledge
from bot.services.knowledge import KnowledgeBase
from bot.services.retrieval.chunks import chunk_markdown, split_passages
from bot.services.retrieval.cues import mark
from bot.services.retrieval.spelling import Speller
from bot.services.retrieval.words import STOPWORDS, stem, tokenize
from bot.understanding import model

# A terse shop, in the style the search must handle: headings of one word, facts
# without the words buyers use ("Rates" says no "cost", "Transit" no "how long").
TERSE = """
# Shipping

## Rates

- Ground: $5.99, free over $49.
- Overnight: $29.99.

## Transit

- Ground: 3–7 business days.
- Overnight: next business day.

## Destinations

- Canada, Mexico and all 50 states.
- Not to P.O. boxes.

## Restocking fee

A fee applies to opened items that are returned without a fault.

## Damaged items

Report anything that arrives damaged within 7 days with photos.
"""


@pytest.fixture(scope="module")
def terse() -> KnowledgeBase:
    return KnowledgeBase(chunk_markdown("default", "shipping.md", TERSE))


@pytest.mark.parametrize(
    ("question", "section"),
    [
        ("how much is shipping", "shipping.md#rates"),
        ("how long does ground shipping take", "shipping.md#transit"),
        ("do you ship to canada", "shipping.md#destinations"),
        ("can i get it shipped to texas", "shipping.md#destinations"),
        ("is there a restock fee", "shipping.md#restocking-fee"),
        ("my parcel came smashed", "shipping.md#damaged-items"),
    ],
)
def test_a_terse_shop_is_found_by_what_its_facts_are(
    terse: KnowledgeBase, question: str, section: str
) -> None:
    [hit] = terse.search(question, None, k=1)
    assert hit.chunk.id == section


def test_amounts_durations_and_places_are_marked_with_what_they_are() -> None:
    assert "cost" in mark("ground: $5.99 under $49").split()
    assert "cost" in mark("a 15% fee").split()
    assert "time" in mark("two to four working days").split()
    assert "time" in mark("within 24 hours").split()
    assert "international" in mark("we post to ireland and the united states").split()
    # Shop words that are also place names elsewhere are not places.
    assert "international" not in mark("a fine china mug").split()
    assert mark("nothing to see") == "nothing to see"


def test_a_typo_is_fixed_against_the_shops_words(terse: KnowledgeBase) -> None:
    fixed = knowledge.SPELLING
    try:
        knowledge.SPELLING = False
        without = terse.search("how much is shiping overnite", None, k=1)
        knowledge.SPELLING = True
        [hit] = terse.search("how much is shiping", None, k=1)
    finally:
        knowledge.SPELLING = fixed
    assert hit.chunk.id == "shipping.md#rates"
    assert without == [] or without[0].confidence <= hit.confidence


@pytest.mark.parametrize(
    ("typed", "fixed"),
    [
        ("shiping", "shipping"),  # a letter dropped
        ("refundd", "refund"),  # one too many
        ("recieved", "received"),  # two swapped
        ("plate", "plate"),  # a changed letter makes another real word: left alone
        ("laptop", "laptop"),  # the policies say "laptops": same stem, left alone
        ("iphone", "iphone"),  # not a slip in the first letter
        ("bitcoin", "bitcoin"),  # unknown and nothing close: left alone
        ("pay", "pay"),  # short words are left alone
    ],
)
def test_the_speller_fixes_slips_not_other_words(typed: str, fixed: str) -> None:
    words = ["shipping", "refund", "received", "place", "phone", "laptops", "pays"]
    speller = Speller(words, stem=stem)
    assert speller.fix(typed) == fixed


def test_a_real_word_is_never_fixed_into_a_shop_word() -> None:
    """The policies say "there", "spilt" and "country"; a buyer who writes "three",
    "split" or "county" means those (a split payment is not spilt water)."""
    words = ["there", "spilt", "country", "shipping"]
    real = frozenset({"three", "split", "county", "shipping"})
    without = Speller(words, stem=stem)
    assert [without.fix(w) for w in ("three", "split", "county")] == ["there", "spilt", "country"]
    speller = Speller(words, stem=stem, real=real)
    typed = ("three", "split", "county", "shiping")
    assert [speller.fix(w) for w in typed] == ["three", "split", "county", "shipping"]


def test_a_split_payment_is_searched_as_one() -> None:
    kb = KnowledgeBase(
        chunk_markdown(
            "default",
            "policies.md",
            "# Help\n\n## Instalments\nPay in four with Klarna.\n\n"
            "## Spills and stains\nWipe spilt coffee at once.\n",
        )
    )
    assert kb.search("can i split the payment", None, k=1)[0].chunk.id == (
        "policies.md#instalments"
    )


def test_a_section_is_read_paragraph_by_paragraph_and_item_by_item() -> None:
    text = "First line\nsame paragraph.\n\nSecond paragraph.\n- one item\n  wrapped\n- two"
    assert split_passages(text) == [
        "First line\nsame paragraph.",
        "Second paragraph.",
        "- one item\n  wrapped",
        "- two",
    ]


def test_words_scattered_over_paragraphs_count_less_than_one_paragraph_answering(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    policies = """
# Help

## Orders

Gift wrapping paper, gift bags and wrapping ribbons are sold in our shop.

Delivery is free on orders over $50.

## Presents

Say the order is a present at checkout and we leave the price off the packing slip
and put a card in with your message; wrapping it in gift paper is free, and you can
choose the colour of the paper and of the ribbon on the checkout page before you pay.
"""

    def lead() -> float:
        kb = KnowledgeBase(chunk_markdown("default", "help.md", policies))
        first, second = kb.search("is gift wrapping free", None, k=2)
        assert first.chunk.id == "help.md#presents"
        return first.score / second.score

    with_passages = lead()
    monkeypatch.setattr(knowledge, "PASSAGE", 0.0)
    assert with_passages > 1.1 * lead()


def test_one_home_for_stopwords_with_two_named_lists() -> None:
    """The intent model keeps its function words (its behaviour unchanged); the search
    drops greetings and fillers too, but not "when" (it asks about time)."""
    assert model.STOPWORDS is FUNCTION_WORDS
    assert STOPWORDS is SEARCH_STOPWORDS
    assert {"hi", "thanks", "yes", "help", "want"} <= SEARCH_STOPWORDS - FUNCTION_WORDS
    assert "when" in FUNCTION_WORDS and "when" not in SEARCH_STOPWORDS
    assert tokenize("when") == ["when"]
