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


GROUPED = "114-3941689-8772232"  # a marketplace's order number, in groups


@pytest.mark.parametrize(
    "typed",
    [GROUPED, f"where is my order {GROUPED}", f"order {GROUPED} status pls"],
)
async def test_an_order_number_in_groups_finds_the_order_written_so(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock, typed: str
) -> None:
    """Read whole, not as its middle group ("order 3941689"), and found although the
    message's digits come without the dashes the shop's number has."""
    await make_order(uow_factory, clock, number=GROUPED)
    person = harness.buyer(name="Alex")
    await person.say("/start")
    await person.say(typed)
    assert "make sure order" in person.said and "3941689 is" not in person.said
    await person.say("buyer@example.com")
    assert f"Order {GROUPED}" in person.said and "Status:" in person.said
