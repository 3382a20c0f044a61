"""Which listed order a buyer's words name (`bot.understanding.order_pick`)."""

from __future__ import annotations

import pytest

from bot.domain.enums import OrderStatus
from bot.understanding.order_pick import Listed, pick

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
