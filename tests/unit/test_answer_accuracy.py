"""How well the offline engine finds the right policy section and the right intent.

The questions and messages in tests/data/answers were written for the bundled sample
policies, the way buyers type.  The test prints both accuracies and fails below the
issue's bars (85% top-1 section, 90% intent).  Intents are measured twice: the
hand-written rules (the benchmarks' baseline) and what the chat does now, the trained
model's reading turned into an action."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from bot.services.answers import FAIRLY_SURE
from bot.services.intents import RULE_INTENTS, route
from bot.services.knowledge import BUNDLED, KnowledgeBase
from bot.services.retrieval.chunks import build_chunks
from bot.services.routing import Action, action_of, plan
from bot.services.understanding import load_model

# The run's trained intent model (tests/conftest.py), loaded rather than trained here.
pytestmark = pytest.mark.usefixtures("model_weights")

DATA = Path(__file__).resolve().parents[1] / "data" / "answers"
SECTION_BAR = 0.85
INTENT_BAR = 0.90


def load(name: str) -> dict[str, list[dict[str, str]]]:
    with (DATA / name).open("rb") as fh:
        return tomllib.load(fh)


@pytest.fixture(scope="module")
def kb() -> KnowledgeBase:
    return KnowledgeBase(build_chunks(BUNDLED))


def test_every_labelled_section_exists(kb: KnowledgeBase) -> None:
    ids = {c.id for c in kb.chunks}
    missing = {q["section"] for q in load("questions.toml")["question"]} - ids
    assert not missing, f"questions point at sections the policies lack: {sorted(missing)}"


def test_top1_section_accuracy(kb: KnowledgeBase) -> None:
    questions = load("questions.toml")["question"]
    assert len(questions) >= 60
    wrong = []
    for q in questions:
        hits = kb.search(q["text"], None, k=1)
        got = hits[0].chunk.id if hits else None
        if got != q["section"]:
            wrong.append(f"{q['text']!r}: got {got}, want {q['section']}")
    accuracy = 1 - len(wrong) / len(questions)
    print(f"\ntop-1 section accuracy: {accuracy:.1%} of {len(questions)}")
    for line in wrong:
        print("  miss:", line)
    assert accuracy >= SECTION_BAR, "\n".join(wrong)


def test_questions_the_policies_do_not_answer_are_not_answered_as_sure(kb: KnowledgeBase) -> None:
    unanswerable = load("questions.toml").get("unanswerable", [])
    assert len(unanswerable) >= 5
    confident = [
        q["text"]
        for q in unanswerable
        if (hits := kb.search(q["text"], None, k=1)) and hits[0].confidence >= FAIRLY_SURE
    ]
    # A few may brush a real section; most must come back as "not sure".
    assert len(confident) <= len(unanswerable) // 5, confident


def test_intent_accuracy() -> None:
    messages = load("intents.toml")["message"]
    assert len(messages) >= 30
    assert {m["intent"] for m in messages} == {i.value for i in RULE_INTENTS}
    wrong = [
        f"{m['text']!r}: got {got.value}, want {m['intent']}"
        for m in messages
        if (got := route(m["text"]).intent).value != m["intent"]
    ]
    accuracy = 1 - len(wrong) / len(messages)
    print(f"\nintent accuracy: {accuracy:.1%} of {len(messages)}")
    for line in wrong:
        print("  miss:", line)
    assert accuracy >= INTENT_BAR, "\n".join(wrong)


# Of the messages the chat acts on without asking, at most this share may go wrong.
SURE_WRONG_BAR = 0.03


def test_the_chat_routes_the_labelled_messages_or_asks(tmp_path: Path) -> None:
    """The chat's routing on the same messages: the labelled intent's action, or a
    clarifying question (which costs the buyer a tap, never a wrong flow)."""
    model = load_model(tmp_path / "model.json")
    messages = load("intents.toml")["message"]
    right, asked, wrong = 0, 0, []
    for m in messages:
        planned = plan(model.classify(m["text"]), m["text"])
        if planned.action is action_of(m["intent"]):
            right += 1
        elif planned.action in (Action.CLARIFY, Action.REPHRASE):
            asked += 1
        else:
            wrong.append(f"{m['text']!r}: {planned.intent} -> {planned.action}, want {m['intent']}")
    print(
        f"\nchat routing: {right / len(messages):.1%} right, {asked / len(messages):.1%} asked, "
        f"{len(wrong) / len(messages):.1%} wrong, of {len(messages)}"
    )
    assert right / len(messages) >= 0.85
    assert len(wrong) <= SURE_WRONG_BAR * len(messages), "\n".join(wrong)
