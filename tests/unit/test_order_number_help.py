"""Telling "I don't have my order number" from "I didn't get my order"."""

from __future__ import annotations

import pytest

from bot.understanding.order_number_help import lacks_order_number


@pytest.mark.parametrize(
    "typed",
    [
        "i dont have the order number",
        "where do i find my order number",
        "I lost my order number",
        "I never got a confirmation email",
        "whats my order number?",
        "how do i cancel without an order number",
        "no tengo el número de pedido",
        "¿dónde encuentro mi número de pedido?",
    ],
)
def test_no_number_to_give(typed: str) -> None:
    assert lacks_order_number(typed)


@pytest.mark.parametrize(
    "typed",
    ["I didn't get my order", "where is my order", "order 5761 status", "I can't find my parcel"],
)
def test_a_missing_order_is_not_a_missing_number(typed: str) -> None:
    assert not lacks_order_number(typed)
