"""A place in a list of orders typed instead of tapped: "2", "the first one" or "last"
right after /orders or a "Which order?" question does what that order's button does;
the list counts for the next message only."""

from __future__ import annotations

from datetime import timedelta

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


# -------------------------------- an order told apart by where it is or what it holds

LATE = "578000000000000006"
ARRIVED = "578000000000000011"


@pytest.fixture
async def taylor(harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock) -> Person:
    """A buyer with a late parcel (a duvet cover) and a delivered one (a mug and a
    candle), as the demo's Taylor."""
    await make_order(
        uow_factory,
        clock,
        number=LATE,
        items=(("Linen Duvet Cover, Queen", 1, "89.00"),),
        eta=clock.now() - timedelta(days=2),
    )
    await make_order(
        uow_factory,
        clock,
        number=ARRIVED,
        status="DELIVERED",
        delivered_at=clock.now() - timedelta(days=4),
        items=(("Stoneware Mug 12 oz, Sand", 1, "18.00"), ("Cedar & Sage Soy Candle", 1, "24.99")),
    )
    person = harness.buyer(name="Taylor")
    await person.say("/start")
    await link(person, LATE)
    await link(person, ARRIVED)
    return person


@pytest.mark.parametrize(
    ("typed", "number"),
    [
        ("the late one", LATE),
        ("the one that hasnt arrived", LATE),
        ("the duvet", LATE),
        ("the delivered one", ARRIVED),
        ("the candle one", ARRIVED),
        ("the one ending 011", ARRIVED),
    ],
)
async def test_an_order_told_apart_in_words_under_which_order_opens_it(
    taylor: Person, typed: str, number: str
) -> None:
    """Found in the demo: "the late one" under "Which order do you mean?" got "I can
    only help with your orders…"."""
    await taylor.say("where is my order")
    assert "Which order do you mean?" in taylor.said
    await taylor.say(typed)
    assert f"Order {number}" in taylor.said and "Status:" in taylor.said, taylor.said


@pytest.mark.parametrize("typed", ["2", "the delivered one", "the mug"])
async def test_an_order_typed_under_which_order_the_return_is_for_starts_its_return(
    taylor: Person, typed: str
) -> None:
    """ "Which order is the return for?" took taps only: "the delivered one" got the
    same question again."""
    await taylor.say("i want to return something")
    assert "Which order is the return for?" in taylor.said
    picks = [label.split(" ")[0] for label in shown(taylor)]
    assert sorted(picks) == [LATE, ARRIVED]
    if typed == "2" and picks[1] != ARRIVED:
        typed = "1"
    await taylor.say(typed)
    assert await taylor.step() == "ret.items", taylor.said
    assert f"Return for order {ARRIVED}" in taylor.said


async def test_words_that_fit_both_orders_pick_neither(taylor: Person) -> None:
    await taylor.say("where is my order")
    await taylor.say("the one from the shop")
    assert "Status:" not in taylor.said


@pytest.mark.parametrize(
    "typed", ["what orders do i have", "i want to see my orders", "show me all my purchases"]
)
async def test_asking_for_my_orders_lists_them(buyer: Person, typed: str) -> None:
    """Found in the demo: "what orders do i have" got the cancellation policy, and "i
    want to see my orders" was taken as a change to an order."""
    await buyer.say(typed)
    assert "Your orders" in buyer.said
    listed = [label.split(" ")[0] for label in shown(buyer) if label[:1].isdigit()]
    assert len(listed) == 2
    await buyer.say("the second one")  # the list, as /orders shows it
    assert card_of(buyer) == listed[1]


async def test_asking_for_my_orders_with_none_linked_asks_for_a_number(harness: Harness) -> None:
    person = harness.buyer(name="Alex")
    await person.say("what orders do i have")
    assert "order number" in person.said
    assert "Cancel" not in person.said


async def test_cancel_said_with_a_pick_under_a_list_of_cards_asks_to_cancel(
    buyer: Person, uow_factory: UnitOfWorkFactory
) -> None:
    """Found in the demo: under "Which order do you mean?" (its buttons open cards),
    "cancel the one that hasnt shipped" opened that order's card, not its cancel."""
    await buyer.say("/orders")
    await buyer.say("cancel the one that hasnt shipped")
    assert f"Cancel order {SECOND}" in buyer.said or "cancel" in buyer.last_text.lower()
    assert "Status:" not in buyer.said, buyer.said  # not the card


async def test_return_said_with_a_pick_under_a_list_starts_that_return(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    """Found in the demo: "return the mug" right after a list opened the card."""
    await make_order(uow_factory, clock, number=NUMBER, status="DELIVERED")
    await make_order(
        uow_factory, clock, number=SECOND, status="DELIVERED", items=(("Oak board", 1, "20.00"),)
    )
    person = harness.buyer(name="Alex")
    await person.say("/start")
    await link(person, NUMBER)
    await link(person, SECOND)
    await person.say("/orders")
    await person.say("return the mug")
    assert (await person.step() or "").startswith("ret."), person.said
    assert "Status:" not in person.said
    assert "Ceramic mug" in person.said and "Oak board" not in person.said


async def test_the_one_the_words_tell_apart_is_shown_without_asking_which(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    """Found in the demo: "where's the stuck one" with three orders asked "which order
    do you mean?"; one of them had had no tracking news for days."""
    await make_order(uow_factory, clock, number=NUMBER, status="IN_TRANSIT")
    await make_order(uow_factory, clock, number=SECOND, status="AWAITING_SHIPMENT", carrier=None)
    person = harness.buyer(name="Alex")
    await person.say("/start")
    await link(person, NUMBER)
    await link(person, SECOND)
    clock.advance(timedelta(days=6))  # NUMBER's only checkpoint is days old now
    await person.say("where's the stuck one")
    assert card_of(person) == NUMBER
    await person.say("where's my order")  # nothing tells them apart: asked
    assert "Which order" in person.said


async def test_which_of_my_orders_fit_a_description_gets_those_that_do(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    """Found in the demo: "which of my orders havent shipped yet" got "which order do
    you mean?" with every order.  Those that fit are listed (and a place typed next
    picks among them); one that fits is its card; none, all with that said."""
    third = "578000000000000003"
    await make_order(uow_factory, clock, number=NUMBER, status="IN_TRANSIT")
    await make_order(uow_factory, clock, number=SECOND, status="AWAITING_SHIPMENT", carrier=None)
    await make_order(uow_factory, clock, number=third, status="AWAITING_SHIPMENT", carrier=None)
    person = harness.buyer(name="Alex")
    await person.say("/start")
    for number in (NUMBER, SECOND, third):
        await link(person, number)
    await person.say("which of my orders havent shipped yet")
    assert "These are the ones" in person.said and "Which order" not in person.said
    offered = [label.split(" ")[0] for label in shown(person) if label[:1].isdigit()]
    assert sorted(offered) == [SECOND, third]
    await person.say("the second one")
    assert card_of_any(person) == offered[1]
    await person.say("which orders are still on the way?")
    assert card_of_any(person) == NUMBER
    await person.say("which of my orders have arrived")
    assert "None of your orders" in person.said
    assert len([label for label in shown(person) if label[:1].isdigit()]) == 3


def card_of_any(person: Person) -> str:
    """The order number of the card last shown, whichever order it is."""
    text = person.said
    assert "Status:" in text, text
    return text.split("Order ", 1)[1].split(" ", 1)[0]
