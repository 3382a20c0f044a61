"""Which messages say an order is not the buyer's (`bot/understanding/not_theirs.py`),
and which ask what was in an order (`bot/services/intents.py`).  What the chat plans
for both is in `test_intents.py`."""

from __future__ import annotations

import pytest

from bot.services.intents import asks_what_was_ordered
from bot.understanding.not_theirs import disowns_an_order


@pytest.mark.parametrize(
    "text",
    [
        "i never ordered this, someone used my card",
        "I didn't place this order",
        "we never made any purchase from you",
        "this order isn't mine, i never bought it",
        "I don't recognise this order",
        "my account got hacked and someone ordered stuff",
        "unauthorized order on my account",
        "no reconozco este pedido",
        "yo no hice este pedido",
        "alguien usó mi tarjeta para comprar esto",
        "me hackearon la cuenta",
    ],
)
def test_an_order_the_buyer_did_not_make(text: str) -> None:
    assert disowns_an_order(text)


@pytest.mark.parametrize(
    "text",
    [
        "I didn't place this order, my wife did, can I cancel it",  # a family order
        "i didnt order this colour",  # a wrong item, which the return flow takes
        "i didnt order this, i ordered the blue one",
        "sorry i dont recognize this charge from you",  # a charge: the payments policy
        "someone used my card",
        "unauthorized charge on my card",
        "this shop is a fraud",  # a complaint
        "I never received my order",
    ],
)
def test_not_a_disowned_order(text: str) -> None:
    assert not disowns_an_order(text)


@pytest.mark.parametrize(
    "text",
    [
        "what's in my order",
        "how many items are in my order",
        "what items are in my order",
        "what color mug did i order",
        "hi, can you remind me what i ordered",
        "which items are in my order 576100000000000001 please",
        "¿Qué hay en mi pedido?",
        "cuántos artículos tiene mi pedido",
        "qué pedí",
    ],
)
def test_asking_what_was_ordered(text: str) -> None:
    assert asks_what_was_ordered(text)


@pytest.mark.parametrize(
    "text",
    [
        "what's in my order is broken",
        "what did i order wrong",
        "can i change what's in my order",
        "i want to add a mug to my order",
    ],
)
def test_not_asking_what_was_ordered(text: str) -> None:
    assert not asks_what_was_ordered(text)
