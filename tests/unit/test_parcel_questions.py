"""Questions about a parcel whose card is on screen (`bot.understanding.parcel_questions`)."""

from __future__ import annotations

import pytest

from bot.understanding.parcel_questions import (
    asks_about_the_parcel,
    asks_for_the_carrier,
    asks_if_it_moved,
    asks_when_it_arrives,
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
