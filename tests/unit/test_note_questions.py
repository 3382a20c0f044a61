"""`steps.asks_something`: what typed at a return's note step reads as a question to
the shop, so the bot checks before sending it to the seller as the note."""

from __future__ import annotations

import pytest

from bot.understanding.steps import asks_something


@pytest.mark.parametrize(
    "text",
    [
        "how long does the refund take?",
        "how long does the refund take",
        "and when will I get my money",
        "do you ship to Canada",
        "can you send a replacement in blue?",
        "the refund goes to my card, right?",
        "¿cuánto tarda el reembolso?",
        "y cuando llega",
    ],
)
def test_questions(text: str) -> None:
    assert asks_something(text)


@pytest.mark.parametrize(
    "text",
    ["the handle is cracked", "It arrived broken.", "please hurry", "box was dented!", ""],
)
def test_notes(text: str) -> None:
    assert not asks_something(text)
