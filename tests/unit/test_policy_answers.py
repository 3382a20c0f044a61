"""Policy answers on a shop's own files: what the buyer sees on a phone, when the bot
must not say it is sure, and how well it finds sections in policies nobody tuned it for.

The held-out floor below guards the evaluation folder (tests/data/understanding/
policies, written for evaluation without search lines): it was measured, never tuned
on, and the test fails if a change makes the engine worse there."""

from __future__ import annotations

import dataclasses
import json
import tomllib
from pathlib import Path

import pytest

from bot.services.answers import SURE, sureness
from bot.services.knowledge import BUNDLED, DEFAULT_SHOP, KnowledgeBase
from bot.services.retrieval.chunks import build_chunks, chunk_markdown
from handlers.buyer.answers import plain_quote, reflow

DATA = Path(__file__).resolve().parents[1] / "data"
# Measured with tests/bench/policies.py --heldout (after the cues, spelling and passage
# changes of issue 12): top-1 56.3%, top-3 78.4% of 190 questions (53.2% and 73.2%
# before).  Three points of margin, so only a real regression fails.
HELD_OUT_TOP1_FLOOR = 0.53
HELD_OUT_TOP3_FLOOR = 0.75
# The tuning sets, without search lines (tests/data/answers/tuning and the bundled
# sample stripped of its `<!-- search: -->` lines, on questions.toml), searched by words
# alone as the suite does: measured 80.4% and 59.2%; the shops in tuning/<shop>/
# (hearth, voltbay): 70.1% and 74.2%.  (The homeware shop and the two others were 86.3%,
# 80.0% and 79.2% before each section gained four questions worded away from its text,
# for the encoder's tuning.)  Three points of margin.
TUNING_TOP1_BAR = 0.77
STRIPPED_SAMPLE_TOP1_BAR = 0.56
SHOP_TOP1_BAR = 0.67
TUNING = DATA / "answers" / "tuning"
SHOPS = ("hearth", "voltbay")
ALL_SHOPS = sorted(p.parent.name for p in TUNING.glob("*/questions.toml"))


def folder_kb(folder: Path) -> KnowledgeBase:
    """A folder's policies with any `<!-- search: -->` lines left out: a shop's own files."""
    chunks = []
    for path in sorted(folder.glob("*.md")):
        for chunk in chunk_markdown(DEFAULT_SHOP, path.name, path.read_text(encoding="utf-8")):
            chunks.append(dataclasses.replace(chunk, search_terms=""))
    return KnowledgeBase(chunks)


def top_k(kb: KnowledgeBase, questions: list[tuple[str, str]]) -> tuple[float, float]:
    top1 = top3 = 0
    for text, section in questions:
        ids = [h.chunk.id for h in kb.search(text, None, k=3)]
        top1 += ids[:1] == [section]
        top3 += section in ids
    return top1 / len(questions), top3 / len(questions)


# ---------------------------------------------------------------- phone text


def test_reflow_joins_hard_wrapped_lines_and_keeps_paragraphs_and_lists() -> None:
    source = (
        "You can ask for a return up to 15 days after your order is\n"
        "delivered. The form tells you the last day.\n"
        "\n"
        "Here's what they mean:\n"
        "\n"
        "- Info received: the label is printed but the carrier hasn't\n"
        "  scanned the parcel yet.\n"
        "- In transit: the parcel is moving.\n"
        "1. First step\n"
        "2. Second step\n"
    )
    assert reflow(source) == (
        "You can ask for a return up to 15 days after your order is delivered. The form"
        " tells you the last day.\n"
        "\n"
        "Here's what they mean:\n"
        "\n"
        "- Info received: the label is printed but the carrier hasn't scanned the parcel"
        " yet.\n"
        "- In transit: the parcel is moving.\n"
        "1. First step\n"
        "2. Second step"
    )


def test_a_quoted_section_has_no_line_break_inside_a_sentence() -> None:
    kb = KnowledgeBase(build_chunks(BUNDLED))
    [tracking] = [c for c in kb.chunks if c.id == "shipping.md#what-the-tracking-updates-mean"]
    assert "the next\n  business day" in tracking.text  # the source is hard-wrapped
    quote = plain_quote(tracking.text, limit=4000)
    lines = quote.split("\n")
    # Every line is a whole paragraph or a whole list item: none ends mid-sentence.
    assert all(line == "" or line.endswith((".", ":")) for line in lines), lines
    assert sum(line.startswith("• ") for line in lines) == 8  # the list is kept
    window = next(c for c in kb.chunks if c.id == "returns.md#return-window-15-days")
    assert "\n" not in plain_quote(window.text, limit=4000)  # one paragraph, one line


# ---------------------------------------------------------------- never "sure"


@pytest.fixture(scope="module")
def sample() -> KnowledgeBase:
    return KnowledgeBase(build_chunks(BUNDLED))


@pytest.mark.parametrize(
    "text",
    ["because", "although", "ok so", "what is it?", "5.00", "1,000", "12345", "hello!", "why"],
)
def test_text_without_a_topic_finds_no_section(sample: KnowledgeBase, text: str) -> None:
    """Stopwords and numbers alone (seller typing at a step, "because" as a reason)."""
    assert sample.search(text, None, k=3) == []


@pytest.mark.parametrize("text", ["price", "refund", "shipping", "warranty", "parcel"])
def test_a_single_word_is_never_answered_as_sure(sample: KnowledgeBase, text: str) -> None:
    hits = sample.search(text, None, k=1)
    assert hits, "one word still finds the likeliest section"
    assert hits[0].confidence < SURE
    assert sureness(hits[0].confidence) != "sure"


@pytest.mark.parametrize(
    "text",
    [
        "do you sell gift cards?",
        "are you hiring?",
        "what is the meaning of life",
        "who won the game last night",
        "can I bring my dog to work",
    ],
)
def test_off_topic_questions_are_not_sure(sample: KnowledgeBase, text: str) -> None:
    hits = sample.search(text, None, k=1)
    assert not hits or sureness(hits[0].confidence) == "unsure", hits


def test_a_plain_question_the_policies_answer_is_sure(sample: KnowledgeBase) -> None:
    [hit] = sample.search("can I pay with apple pay?", None, k=1)
    assert hit.chunk.id == "payments.md#ways-to-pay"
    assert sureness(hit.confidence) == "sure"


def test_the_tuning_sets_unanswerable_questions_are_almost_never_sure() -> None:
    """Questions a shop's policies do not answer ("do you do wholesale prices for other
    yarn shops?") must not be quoted as sure.  By words alone (the fallback without the
    model) a question can hold every word of an unrelated section: "can I send you my
    own fabric to upholster a sofa" and the furniture warranty's "fabric", "upholstery",
    "sofa".  So across every tuning shop fewer than 1 in 100 may be sure (2 of 283 when
    the eight shops of other writers came; none of the 169 before them; with the model,
    as the bot runs by default, tests/bench/policies.py counted 1 of the 114 new ones
    before any tuning on them)."""
    sure, asked = [], 0
    for questions, policies in [
        (TUNING / "questions.toml", TUNING / "policies"),
        *((TUNING / shop / "questions.toml", TUNING / shop / "policies") for shop in ALL_SHOPS),
    ]:
        with questions.open("rb") as fh:
            unanswerable = [q["text"] for q in tomllib.load(fh)["unanswerable"]]
        assert len(unanswerable) >= 10, questions
        kb = folder_kb(policies)
        sure += [
            t for t in unanswerable if (h := kb.search(t, None, 1)) and h[0].confidence >= SURE
        ]
        asked += len(unanswerable)
    assert asked >= 280
    assert len(sure) < asked / 100, sure


# ---------------------------------------------------------------- accuracy


def test_policies_without_search_lines_tuning_sets() -> None:
    with (DATA / "answers" / "tuning" / "questions.toml").open("rb") as fh:
        tuning = [(q["text"], q["section"]) for q in tomllib.load(fh)["question"]]
    top1, _ = top_k(folder_kb(DATA / "answers" / "tuning" / "policies"), tuning)
    assert top1 >= TUNING_TOP1_BAR, top1
    with (DATA / "answers" / "questions.toml").open("rb") as fh:
        questions = [(q["text"], q["section"]) for q in tomllib.load(fh)["question"]]
    top1, _ = top_k(folder_kb(BUNDLED / DEFAULT_SHOP), questions)
    assert top1 >= STRIPPED_SAMPLE_TOP1_BAR, top1


@pytest.mark.parametrize("shop", SHOPS)
def test_more_tuning_shops_in_other_styles(shop: str) -> None:
    """UK prose with an FAQ of one heading per question; US terse bullet lists."""
    with (TUNING / shop / "questions.toml").open("rb") as fh:
        questions = [(q["text"], q["section"]) for q in tomllib.load(fh)["question"]]
    assert len(questions) >= 60
    kb = folder_kb(TUNING / shop / "policies")
    assert {s for _, s in questions} <= {c.id for c in kb.chunks}
    top1, top3 = top_k(kb, questions)
    assert top1 >= SHOP_TOP1_BAR, (top1, top3)


def test_held_out_policies_meet_the_measured_floor() -> None:
    """Measures only; never read its misses to tune (see tests/data/understanding)."""
    rows = [
        json.loads(line)
        for line in (DATA / "understanding" / "policy_questions.jsonl").read_text().splitlines()
        if line.strip()
    ]
    questions = [(r["question"], r["section"]) for r in rows if r["section"] is not None]
    top1, top3 = top_k(folder_kb(DATA / "understanding" / "policies"), questions)
    assert top1 >= HELD_OUT_TOP1_FLOOR and top3 >= HELD_OUT_TOP3_FLOOR, (top1, top3)
