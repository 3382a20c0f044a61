"""Which return requests ask first whether a used item can go back at all
(`bot/understanding/returnable.py`): asking permission, the buyer's own use, no fault."""

from __future__ import annotations

import pytest

from bot.understanding.returnable import asks_if_returnable, asks_if_used_returnable


@pytest.mark.parametrize(
    "text",
    [
        "can I return a candle I already burned",
        "can i return shoes i wore once",
        "I opened the mug, can I still return it?",
        "is it possible to return a sweater I have worn",
        "will you take back a used blender?",
        "Could I send the lamp back? I already assembled it",
        "can I still return the blanket if I took the tags off",
        "can i return the jeans i washed, they are too small",  # a size: still its state
        "¿puedo devolver una vela que ya encendí?",
        "¿Se puede devolver la camiseta si ya la lavé?",
    ],
)
def test_asking_whether_a_used_item_can_go_back(text: str) -> None:
    assert asks_if_used_returnable(text)


@pytest.mark.parametrize(
    "text",
    [
        "I want to return the mug, it arrived cracked",  # asks for the return itself
        "I want to return the candle I burned",
        "can I return the mug?",  # nothing used
        "I used the mug and it broke, can I return it",  # faulty: any state goes back
        "I opened it and it does not work, can I return it",
        "can I return the mug I opened, wrong colour",
        "I opened the box and it was empty, can I return it",
        "I used the return label, can I return it now?",  # used the label, not the item
        "I opened the parcel, can I still return it?",
        "can i return this, i never used it",  # as new: the return itself is asked
        "can I return it? haven't even opened it",
        "can i return it? not used",
        "¿puedo devolver la camisa? no la he usado",
        "quiero devolver la taza, llegó rota",
        "¿puedo devolver la taza usada? llegó rota",
        "how do I return an item",
    ],
)
def test_other_messages_are_not_that_question(text: str) -> None:
    assert not asks_if_used_returnable(text)


@pytest.mark.parametrize(
    ("text", "asks"),
    [
        ("Just wanted to check if I can still return my mug, it's been about 3 weeks", True),
        ("is it too late to return the towel", True),
        ("can we still send the lamp back?", True),
        ("how can i return my order", False),  # how, not whether
        ("when can i get a refund", False),
        ("i returned it last week", False),
    ],
)
def test_asking_whether_an_item_may_still_go_back(text: str, asks: bool) -> None:
    assert asks_if_returnable(text) is asks
