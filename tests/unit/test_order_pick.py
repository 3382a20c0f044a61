"""Which listed order a buyer's words name (`bot.understanding.order_pick`)."""

from __future__ import annotations

import pytest

from bot.domain.enums import OrderStatus
from bot.understanding.order_pick import Listed, asked_to, named, pick

ORDERS = [
    Listed("576100000000000003", OrderStatus.AWAITING_SHIPMENT, False, ("Waffle Knit Throw",)),
    Listed("576100000000000006", OrderStatus.IN_TRANSIT, True, ("Linen Duvet Cover, Queen",)),
    Listed("576100000000000011", OrderStatus.DELIVERED, False, ("Stoneware Mug", "Soy Candle")),
]


@pytest.mark.parametrize(
    ("typed", "index"),
    [
        ("3", 2),
        ("the second one", 1),
        ("the one that hasn't shipped yet", 0),
        ("the late one", 1),
        ("the one still on its way", 1),
        ("the one that didnt come", None),  # two have not come: neither is named
        ("the delivered one", 2),
        ("el que llegó", 2),
        ("the candle", 2),
        ("the one with the throw", 0),
        ("the one ending 006", 1),
        ("…0003", 0),
        ("the one ending 00", None),  # every number ends so
        ("the blue one", None),
        ("i want to return the candle because it arrived broken and smells odd", None),
    ],
)
def test_an_order_is_named_only_when_one_fits(typed: str, index: int | None) -> None:
    assert pick(typed, ORDERS) == index


def test_the_stuck_one_is_named_by_its_quiet_tracking() -> None:
    stuck = [
        Listed("576100000000000006", OrderStatus.IN_TRANSIT, False, ("Duvet",), stuck=True),
        Listed("576100000000000007", OrderStatus.IN_TRANSIT, False, ("Throw",)),
    ]
    assert pick("the stuck one", stuck) == 0
    assert named("where's the stuck one", stuck) == 0


def test_named_outside_a_list_takes_no_place_and_no_arrived() -> None:
    assert named("the second one", ORDERS) is None  # a place means something under a list
    assert named("has my order arrived?", ORDERS) is None  # asked of one that may not have
    assert pick("the delivered one", ORDERS) == 2  # answering a list, it names that one
    assert named("is the candle one here", ORDERS) == 2


@pytest.mark.parametrize(
    ("typed", "does"),
    [
        ("cancel the one that hasn't shipped", "cancel"),
        ("ok cancel the late one", "cancel"),
        ("return the mug", "return"),
        ("the second one", None),
        ("the one i want to cancel", None),  # a pick first: what its button does
    ],
)
def test_what_a_pick_asks_done(typed: str, does: str | None) -> None:
    assert asked_to(typed) == does
