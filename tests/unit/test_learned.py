"""A step's answer learned from the corpus's labelled answers (bot/understanding/learned.py):
what it adds behind the patterns, and where it must stay silent."""

from __future__ import annotations

import pytest

from bot.understanding.learned import learned


@pytest.mark.parametrize(
    ("typed", "reason"),
    [
        ("this was a sale item with no returns", "outside_policy"),
        ("he already got his money back last week", "other"),
    ],
)
def test_reasons_in_sellers_words(typed: str, reason: str) -> None:
    assert learned("reject_reason", typed) == reason


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
    assert learned("reject_reason", typed) is None


def test_a_return_reason_in_words_no_pattern_knows() -> None:
    from bot.domain.enums import ClaimReason
    from bot.understanding import steps

    said = "the colour is nothing like the website"
    assert steps.return_reason(said) is None  # the patterns alone: asked again
    assert steps.learned_reason(said) is ClaimReason.NOT_AS_DESCRIBED
    assert steps.learned_reason("what do you mean?") is None
