"""Words that contest a seller's decision (`bot/understanding/appeals.py`), read only
while a decision may still be appealed: the appeal is then offered, one tap."""

from __future__ import annotations

import pytest

from bot.understanding.appeals import asks_to_appeal, disagrees


@pytest.mark.parametrize(
    "text",
    [
        "that's way too little",  # found in the demo: "👍 Anything else?"
        "too low",
        "es muy poco",
        "5 dollars?? that's not enough",
        "no es justo",
    ],
)
def test_a_sum_or_a_decision_disputed(text: str) -> None:
    assert disagrees(text)


@pytest.mark.parametrize("text", ["the mug is too small", "ok thanks", "where is my refund"])
def test_other_words_dispute_nothing(text: str) -> None:
    assert not disagrees(text)
    assert not asks_to_appeal(text)


def test_the_word_appeal_asks_for_one() -> None:
    assert asks_to_appeal("I want to appeal") and asks_to_appeal("quiero apelar")
