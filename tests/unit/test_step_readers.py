"""The typed-answer readers of flow steps (bot/understanding/steps.py): what the
flows rely on beyond the corpus figures of tests/bench/steps.py."""

from __future__ import annotations

import pytest

from bot.domain.enums import ClaimReason, ClaimType
from bot.understanding import steps

NAMES = ["Ceramic mug", "Blue water bottle", "Black tea towel", "Black apron"]


@pytest.mark.parametrize(
    ("typed", "index"),
    [
        ("the mug", 0),
        ("mug please", 0),
        ("mugs", 0),
        ("the ceramik mug", 0),
        ("the blue one", 1),
        ("bottle", 1),
        ("tea towel", 2),
        ("the apron", 3),
        ("1", 0),
        ("2", 1),
        ("the second one", 1),
        ("3rd", 2),
        ("last", 3),
        ("the black one", None),  # two black items: ask again
        ("the banana", None),
        ("5", None),
        ("one", None),
    ],
)
def test_item_choice(typed: str, index: int | None) -> None:
    assert steps.item_choice(typed, NAMES) == index


def test_items_mentioned_in_a_longer_message() -> None:
    said = "I want to return the mug and the bottle, both arrived cracked"
    assert sorted(steps.mentioned_items(said, NAMES)) == [0, 1]
    assert steps.mentioned_items("I want to return something", NAMES) == []


@pytest.mark.parametrize(
    ("typed", "most", "count"),
    [
        ("2", 3, 2),
        ("both", 2, 2),
        ("all of them", 5, 5),
        ("just one", 4, 1),
        ("none", 2, 0),
        ("3", 2, None),  # more than may be claimed
        ("578000000000000001", 2, None),  # an order number is no count
        ("1 of 2", 2, None),
        ("some of them", 2, None),
    ],
)
def test_quantity_is_bounded(typed: str, most: int, count: int | None) -> None:
    assert steps.quantity(typed, most) == count


def test_first_message_names_a_type_only_explicitly() -> None:
    assert steps.claim_type("I want to return the mug", strict=True) is None
    assert steps.claim_type("I want to return the mug") is ClaimType.RETURN_AND_REFUND
    assert steps.claim_type("return the mug for a refund", strict=True) is (
        ClaimType.RETURN_AND_REFUND
    )
    assert steps.claim_type("can I get a replacement mug", strict=True) is ClaimType.REPLACEMENT
    assert steps.claim_type("return the mug instead of the plate", strict=True) is None


def test_reason_inside_a_first_message() -> None:
    said = "I want to return the mug, it arrived cracked"
    assert steps.return_reason(said) is ClaimReason.DAMAGED
    assert steps.return_reason("I want to return the mug") is None


@pytest.mark.parametrize("typed", ["done", "that's all", "continue", "ok thanks", "Done!"])
def test_done(typed: str) -> None:
    assert steps.is_done(typed)


@pytest.mark.parametrize("typed", ["skip", "no", "no photos", "nothing to add", "n/a"])
def test_skip(typed: str) -> None:
    assert steps.is_skip(typed)


@pytest.mark.parametrize("typed", ["the mug is cracked", "done with the mug, it broke", "no idea"])
def test_not_done_nor_skip(typed: str) -> None:
    assert not steps.is_done(typed) and not steps.is_skip(typed)
