"""Typed requests about "my order" with several orders linked: "cancel my order" offers
only the orders that can still be cancelled (or says none can), and "I want to return
the towel" keeps the buyer's words for the order the return is filed for."""

from __future__ import annotations

from datetime import timedelta

from bot.clock import FakeClock
from storage.uow import UnitOfWorkFactory
from tests.factories import make_order
from tests.harness import Harness, Person

FIRST, SECOND = "578000000000000001", "578000000000000002"
ITEMS = (("Ceramic mug", 1, "12.50"), ("Tea towel", 1, "8.00"))


async def with_orders(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock, *statuses: str
) -> Person:
    buyer = harness.buyer()
    for number, status in zip((FIRST, SECOND), statuses, strict=True):
        delivered = clock.now() - timedelta(days=2) if status == "DELIVERED" else None
        await make_order(
            uow_factory, clock, number=number, status=status, items=ITEMS, delivered_at=delivered
        )
        await buyer.say(number)
        await buyer.say("buyer@example.com")
        assert "now linked" in buyer.said
    return buyer


async def test_cancel_my_order_when_none_can_be_cancelled_says_so(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    buyer = await with_orders(harness, uow_factory, clock, "IN_TRANSIT", "DELIVERED")
    await buyer.say("cancel my order")
    assert "None of your orders can be cancelled now" in buyer.said, buyer.said
    assert "Which order would you like to cancel?" not in buyer.said


async def test_cancel_my_order_asks_about_the_one_that_can_be(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    buyer = await with_orders(harness, uow_factory, clock, "DELIVERED", "ON_HOLD")
    await buyer.say("cancel my order")
    assert f"Cancel order {SECOND}?" in buyer.last_text, buyer.said
    assert [b.text for b in buyer.buttons()] == ["Yes, cancel the order", "No, keep the order"]


async def test_return_the_towel_with_one_returnable_order_starts_with_the_towel(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    buyer = await with_orders(harness, uow_factory, clock, "DELIVERED", "IN_TRANSIT")
    await buyer.say("I want to return the towel")
    assert f"A return for order {FIRST}: your other order can't be returned now" in buyer.said
    assert "Which order is the return for?" not in buyer.said
    assert "Return: Tea towel ×1" in buyer.said, buyer.said  # the towel, as said


async def test_return_the_towel_keeps_the_words_for_the_order_picked(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    buyer = await with_orders(harness, uow_factory, clock, "DELIVERED", "DELIVERED")
    await buyer.say("I want to return the towel")
    assert "Which order is the return for?" in buyer.last_text, buyer.said
    await buyer.tap(next(b.text for b in buyer.buttons() if b.text.startswith(SECOND)))
    assert "Return: Tea towel ×1" in buyer.said, buyer.said  # the towel, as said
    assert await buyer.step() == "ret.type"
    # /return later starts afresh: the words were for that pick only.
    await buyer.say("/cancel")
    await buyer.say("/return")
    await buyer.tap(next(b.text for b in buyer.buttons() if b.text.startswith(FIRST)))
    assert f"Return for order {FIRST}" in buyer.said, buyer.said
    assert await buyer.step() == "ret.items"


async def test_no_under_which_order_to_cancel_cancels_nothing(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    buyer = await with_orders(harness, uow_factory, clock, "ON_HOLD", "AWAITING_SHIPMENT")
    for typed in ("keep the order", "no"):
        await buyer.say("cancel my order")
        assert "Which order would you like to cancel?" in buyer.last_text
        await buyer.say(typed)
        assert "Okay, nothing was cancelled" in buyer.said, buyer.said
        assert "passed our conversation to a person" not in buyer.said
    # Only right after the pick: a later "no" is read as usual.
    await buyer.say("no")
    assert "nothing was cancelled" not in buyer.said


async def test_a_return_naming_an_item_of_one_order_starts_that_orders_return(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    # Only the second order holds a candle: the buyer is not asked to look up which.
    buyer = harness.buyer()
    delivered = clock.now() - timedelta(days=2)
    for number, items in (
        (FIRST, (("Brass desk lamp", 1, "89.00"),)),
        (SECOND, (("Soy candle 8 oz", 1, "24.99"), ("Tea towel", 1, "8.00"))),
    ):
        await make_order(
            uow_factory,
            clock,
            number=number,
            status="DELIVERED",
            items=items,
            delivered_at=delivered,
        )
        await buyer.say(number)
        await buyer.say("buyer@example.com")
    await buyer.say("the candle arrived smashed")
    assert "Which order is the return for?" not in buyer.said, buyer.said
    assert f"order {SECOND}" in buyer.said and "Soy candle 8 oz ×1" in buyer.said, buyer.said
    # A word no order's items hold still asks which order.
    await buyer.say("/cancel")
    await buyer.say("the blender arrived smashed")
    assert "Which order is the return for?" in buyer.last_text, buyer.said


async def test_several_order_numbers_in_one_message_are_taken_one_at_a_time(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    for number in (FIRST, SECOND):
        await make_order(uow_factory, clock, number=number)
    buyer = harness.buyer()
    await buyer.say(f"{FIRST}, {SECOND}")
    # The first is proved; the second is named back, not dropped in silence.
    assert f"You sent 2 order numbers: let's check {FIRST} first" in buyer.said, buyer.said
    assert SECOND in buyer.said and await buyer.step() == "link.proof"
    await buyer.say("buyer@example.com")
    assert f"Order {FIRST}" in buyer.said
    await buyer.say(SECOND)
    await buyer.say("buyer@example.com")
    assert f"Order {SECOND}" in buyer.said
    # The same at the step that asks for an order number; one number typed in groups
    # is still one number.
    other = harness.buyer(1002)
    await other.press("link")
    await other.say(f"{FIRST} and {SECOND}")
    assert "You sent 2 order numbers" in other.said
    third = harness.buyer(1003)
    await third.say("5780 0000 0000 0000 01")
    assert "You sent" not in third.said and await third.step() == "link.proof"
