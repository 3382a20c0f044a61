"""A place in a list of orders typed instead of tapped: "2", "the first one" or "last"
right after /orders or a "Which order?" question does what that order's button does;
the list counts for the next message only."""

from __future__ import annotations

import pytest

from bot.clock import FakeClock
from storage.uow import UnitOfWorkFactory
from tests.factories import make_order
from tests.flows.test_buyer_orders import NUMBER, link
from tests.harness import Harness, Person, shown

SECOND = "578000000000000002"


@pytest.fixture
async def buyer(harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock) -> Person:
    """A buyer with two orders linked: NUMBER delivered, SECOND being prepared."""
    await make_order(uow_factory, clock, number=NUMBER, status="DELIVERED")
    await make_order(uow_factory, clock, number=SECOND, status="AWAITING_SHIPMENT", carrier=None)
    person = harness.buyer(name="Alex")
    await person.say("/start")
    await link(person, NUMBER)
    await link(person, SECOND)
    return person


def card_of(person: Person) -> str:
    """The order number of the card last shown."""
    text = person.said
    assert "Order " in text and "Status:" in text, text
    return NUMBER if f"Order {NUMBER}" in text else SECOND


async def test_a_place_typed_after_orders_opens_that_order(buyer: Person) -> None:
    await buyer.say("/orders")
    listed = [label.split(" ")[0] for label in shown(buyer) if label[:1].isdigit()]
    assert len(listed) == 2
    await buyer.say("the second one")
    assert card_of(buyer) == listed[1]
    await buyer.say("/orders")
    await buyer.say("1")
    assert card_of(buyer) == listed[0]
    await buyer.say("/orders")
    await buyer.say("last")
    assert card_of(buyer) == listed[1]


async def test_the_list_counts_for_the_next_message_only(buyer: Person) -> None:
    await buyer.say("/orders")
    await buyer.say("what is your return policy")
    await buyer.say("2")
    assert "Status:" not in buyer.said
    await buyer.say("/orders")
    await buyer.say("the fifth one")  # no such place: read as usual
    assert "Status:" not in buyer.said


async def test_a_place_typed_under_which_order_opens_it(buyer: Person) -> None:
    await buyer.say("where is my order")
    assert "Which order" in buyer.said
    picks = shown(buyer)
    await buyer.say("the first one")
    assert card_of(buyer) in picks[0]


async def test_a_place_typed_under_which_to_cancel_asks_to_cancel_it(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    third = "578000000000000003"
    await make_order(uow_factory, clock, number=NUMBER, status="AWAITING_SHIPMENT", carrier=None)
    await make_order(uow_factory, clock, number=third, status="UNPAID", carrier=None)
    person = harness.buyer(name="Alex")
    await person.say("/start")
    await link(person, NUMBER)
    await link(person, third)
    await person.say("cancel my order")
    assert "Which order would you like to cancel?" in person.said
    assert shown(person) == [f"{third} · Awaiting payment", f"{NUMBER} · Being prepared"]
    await person.say("2")
    assert f"Order {NUMBER} is already with the seller" in person.said
    assert shown(person) == ["Yes, ask the seller", "No, keep the order"]
