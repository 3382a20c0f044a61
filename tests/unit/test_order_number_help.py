"""Telling "I don't have my order number" from "I didn't get my order"."""

from __future__ import annotations

import pytest

from bot.understanding.order_number_help import asks_lookup_by_details, lacks_order_number


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


@pytest.mark.parametrize(
    "typed",
    [
        "can you look it up by my name",
        "look up my order by email",
        "search by my phone number",
        "could u find my order using my email address",
        "cant you just use my email",
        "¿pueden buscarlo con mi correo?",
        "búscalo por mi nombre",
    ],
)
def test_asked_to_be_found_by_name_email_or_phone(typed: str) -> None:
    assert asks_lookup_by_details(typed)


@pytest.mark.parametrize(
    "typed",
    [
        "look it up by the order number",
        "search by order number",
        "can i change my email",
        "i ordered with my email",
        "find my order",
        "check with my husband",
    ],
)
def test_other_words_about_an_email_or_a_search_are_not_a_lookup(typed: str) -> None:
    assert not asks_lookup_by_details(typed)
