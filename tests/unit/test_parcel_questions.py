"""Questions about a parcel whose card is on screen (`bot.understanding.parcel_questions`)."""

from __future__ import annotations

import pytest

from bot.understanding.parcel_questions import (
    asks_about_the_parcel,
    asks_for_the_carrier,
    asks_if_it_moved,
    asks_when_it_arrives,
    missed_the_delivery,
)


@pytest.mark.parametrize(
    "text",
    [
        "has it moved at all?",
        "any update?",
        "why is it stuck",
        "it hasn't moved in days",
        "is my package lost?",
        "where is it now",
        "no updates since monday",
        "whats the last scan",
        "¿se ha movido?",
        "no se mueve",
        "está perdido?",
    ],
)
def test_whether_it_moved(text: str) -> None:
    assert asks_if_it_moved(text)
    assert not asks_for_the_carrier(text)


@pytest.mark.parametrize(
    "text",
    [
        "what carrier is it with",
        "which courier",
        "tracking number?",
        "is it ups or fedex",
        "who's delivering it",
        "qué paquetería es?",
        "me das el número de guía",
    ],
)
def test_who_carries_it(text: str) -> None:
    assert asks_for_the_carrier(text)
    assert not asks_if_it_moved(text)


@pytest.mark.parametrize(
    "text",
    [
        "where is my order",  # the card answers it
        "can i return it",
        "i want to cancel",
        "which courier do you use?",  # the shop's carriers: the policies
        "¿con qué paquetería envían?",
        "the mug is broken",
        "thanks",
    ],
)
def test_other_messages_are_not_parcel_questions(text: str) -> None:
    assert not asks_about_the_parcel(text)


def test_when_it_arrives() -> None:
    assert asks_when_it_arrives("when will it arrive?")
    assert asks_when_it_arrives("cuándo llega?")
    assert not asks_when_it_arrives("what carrier is it with")


@pytest.mark.parametrize(
    ("text", "meant"),
    [
        ("i wasnt home when they came", True),
        ("the delivery guy said he couldnt find my house", True),
        ("courier couldnt find my address", True),
        ("ups says nobody was home but i was home all day", True),
        ("el repartidor no encontró mi casa", True),
        ("dice que no había nadie en casa", True),
        # the buyer's own trouble with a form or a page is no delivery attempt
        ("i cant find my address on the form", False),
        ("we couldnt find the address field", False),
        ("i couldnt find the tracking page", False),
    ],
)
def test_a_failed_delivery_attempt_told_by_the_buyer(text: str, meant: bool) -> None:
    assert missed_the_delivery(text) is meant
