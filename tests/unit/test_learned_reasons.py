"""The reject reason learned from sellers' labelled words (bot/understanding/learned_reasons.py):
what it adds behind the patterns, and where it must stay silent."""

from __future__ import annotations

import pytest

from bot.understanding.learned_reasons import learned_reason


@pytest.mark.parametrize(
    ("typed", "reason"),
    [
        ("this was a sale item with no returns", "outside_policy"),
        ("he already got his money back last week", "other"),
    ],
)
def test_reasons_in_sellers_words(typed: str, reason: str) -> None:
    assert learned_reason(typed) == reason


@pytest.mark.parametrize(
    "typed",
    [
        "hmm",  # too few words it knows
        "because reasons",
        "does the buyer see what i write here?",  # a question gives no reason
        "which one should I pick for a sale item?",
    ],
)
def test_no_reason_when_not_sure(typed: str) -> None:
    assert learned_reason(typed) is None
