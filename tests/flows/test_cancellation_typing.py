"""A buyer's cancellation request found again by typing: the seller who lost its
message, or who types the decision instead of tapping it, gets the request's message
again with its Approve and Reject buttons; nothing is decided by the words alone (an
approval typed with one request waiting asks, as its button does, before any refund)."""

from __future__ import annotations

import pytest

from bot.clock import FakeClock
from bot.understanding.seller_steps import CancelWords, read_cancel_words
from storage.uow import UnitOfWorkFactory
from tests.factories import make_order, make_shop
from tests.flows.test_buyer_orders import NUMBER
from tests.flows.test_cancellations import APPROVE, REJECT, World, confirm_label, join
from tests.harness import Harness, edited, shown

REQUEST = f"The buyer of order {NUMBER} asks to cancel it before it ships"
OTHER_NUMBER = "576100000000000777"


@pytest.fixture
async def world(harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock) -> World:
    w = World(harness, uow_factory, clock)
    await w.setup()
    return w


async def test_cancellations_typed_bring_the_request_back_and_its_buttons_decide(
    world: World,
) -> None:
    await world.ask_to_cancel()
    await world.seller.say("cancellations")
    assert "1 cancellation request waits for your decision" in world.seller.said
    assert REQUEST in world.seller.said
    assert shown(world.seller) == [APPROVE, REJECT]
    assert await world.order_status() == "AWAITING_SHIPMENT"

    await world.seller.tap(APPROVE)  # the button of the message shown again
    assert f"Cancel order {NUMBER} and refund $37.99 to the buyer, Alex?" in world.seller.said
    await world.seller.tap(confirm_label("$37.99"))
    assert f"Order {NUMBER} is cancelled and $37.99 is refunded." in edited(world.seller)
    assert await world.order_status() == "CANCELLED"

    await world.seller.say("any cancellation requests?")
    assert "No cancellation request is waiting for your decision." in world.seller.said
    assert shown(world.seller) == []


async def test_approve_typed_with_one_request_waiting_asks_before_refunding(
    world: World,
) -> None:
    """Found in the demo: "ok approve that one" showed the request again with "tap
    Approve under it", and the seller's "yes" was "I can't do anything with that"."""
    await world.ask_to_cancel()
    await world.seller.say("ok approve that one")
    assert f"Cancel order {NUMBER} and refund $37.99 to the buyer, Alex?" in world.seller.said
    assert await world.order_status() == "AWAITING_SHIPMENT"
    assert await world.ledger() == []  # nothing paid before the confirmation
    await world.seller.say("yes")
    assert await world.order_status() == "CANCELLED"


async def test_reject_typed_shows_the_request_to_tap(world: World) -> None:
    await world.ask_to_cancel()
    await world.seller.say("reject")
    assert f"tap {REJECT} under it. Nothing is decided until you tap." in world.seller.said
    assert REQUEST in world.seller.said
    assert shown(world.seller) == [APPROVE, REJECT]
    assert await world.order_status() == "AWAITING_SHIPMENT"
    assert await world.ledger() == []

    await world.seller.tap(REJECT)
    assert f"Order {NUMBER} stays as it is; the buyer was told." in edited(world.seller)
    assert f"The seller couldn't cancel order {NUMBER}" in await world.buyer_is_told()


async def test_a_decision_typed_with_the_order_number_finds_that_request_only(
    world: World, harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    await world.ask_to_cancel()
    await world.seller.say(f"reject the cancellation for {NUMBER}")
    assert f"tap {REJECT} under it" in world.seller.said
    assert REQUEST in world.seller.said
    assert shown(world.seller) == [APPROVE, REJECT]

    await make_order(uow_factory, clock, number=OTHER_NUMBER, status="AWAITING_SHIPMENT")
    await world.seller.say(f"approve cancellation {OTHER_NUMBER}")
    assert (
        f"No cancellation request for order {OTHER_NUMBER} is waiting for your decision."
        in world.seller.said
    )
    assert shown(world.seller) == []
    assert await world.order_status() == "AWAITING_SHIPMENT"
    assert await world.ledger() == []


async def test_another_shops_seller_and_a_buyer_get_no_request(
    world: World, harness: Harness
) -> None:
    await world.ask_to_cancel()
    await make_shop(world.uow, world.clock, "other")
    stranger = await join(harness, "other", 9002, "Eve")
    await stranger.say("cancellations")
    assert "No cancellation request is waiting for your decision." in stranger.said
    assert REQUEST not in stranger.said
    assert shown(stranger) == []

    # The buyer's own words about it are a buyer's, not a seller's list.
    await world.buyer.say("cancellations")
    assert REQUEST not in world.buyer.said
    assert APPROVE not in shown(world.buyer)


async def test_cancel_alone_is_not_about_the_requests(world: World) -> None:
    await world.ask_to_cancel()
    await world.seller.say("cancel")
    assert "There is nothing to cancel right now." in world.seller.said
    assert "cancellation request" not in world.seller.said
    assert shown(world.seller) == []
    assert await world.order_status() == "AWAITING_SHIPMENT"
    assert await world.ledger() == []


@pytest.mark.parametrize(
    ("typed", "decision", "number"),
    [
        ("cancellations", None, None),
        ("show cancellation requests", None, None),
        ("any cancellation requests?", None, None),
        ("cancel requests", None, None),
        ("approve the cancellation", "approve", None),
        ("approve cancel", "approve", None),
        ("ok go ahead with the cancellation", "approve", None),
        (f"Reject cancellation for #{NUMBER}", "reject", NUMBER),
        ("cancelaciones", None, None),
        (f"aprobar la cancelación del pedido {NUMBER}", "approve", NUMBER),
    ],
)
def test_words_about_cancellation_requests(
    typed: str, decision: str | None, number: str | None
) -> None:
    assert read_cancel_words(typed) == CancelWords(decision, number)


@pytest.mark.parametrize(
    "typed",
    [
        "cancel",  # the escape: stops a step
        "cancel it",
        f"cancel {NUMBER}",  # a buyer's own request
        f"cancel my order {NUMBER}",
        "cancel order",
        "approve or reject the cancellation",  # no one decision
        "why do buyers keep asking for cancellations after paying",
    ],
)
def test_other_words_are_not_about_cancellation_requests(typed: str) -> None:
    assert read_cancel_words(typed) is None
