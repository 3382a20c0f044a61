"""A TikTok Shop order is cancelled and returned on TikTok Shop, not in the chat
(issue 14): TikTok pays its refunds, so a request made here would be decided and paid
outside the marketplace.  The card says where to go and offers no Cancel or Return
button; typing or tapping an old or forged button gets the same answer; nothing is
recorded.  The shop's own orders keep their buttons."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from bot.clock import FakeClock
from storage.models import CancelRequest, Claim, Order
from storage.uow import UnitOfWorkFactory
from tests.factories import make_order
from tests.harness import Harness, Person
from tests.marketplace_fakes import tiktok_order

NUMBER = "576900000000000321"


async def linked_buyer(harness: Harness, number: str = NUMBER) -> Person:
    buyer = harness.buyer()
    await buyer.say(number)
    await buyer.say("SW1A 1AA")
    assert "is now linked" in buyer.said
    return buyer


async def requests(uow_factory: UnitOfWorkFactory) -> tuple[int, int, list[str]]:
    async with uow_factory(readonly=True) as uow:
        cancels = await uow.session.scalar(select(func.count(CancelRequest.id)))
        claims = await uow.session.scalar(select(func.count(Claim.id)))
        statuses = list(await uow.session.scalars(select(Order.status)))
    return cancels or 0, claims or 0, statuses


async def test_an_unshipped_tiktok_order_is_cancelled_on_tiktok(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    order_id = await tiktok_order(uow_factory, clock, number=NUMBER, status="AWAITING_SHIPMENT")
    buyer = await linked_buyer(harness)
    assert "Bought on TikTok Shop" in buyer.said  # the card says where
    labels = [b.text for b in buyer.buttons()]
    assert not any("cancel" in label.lower() for label in labels), labels

    await buyer.say(f"cancel {NUMBER}")
    assert "cancelled in the TikTok Shop app" in buyer.last_text
    for forged in (f"ok:{order_id}", f"oky:{order_id}", f"oc:{order_id}", f"ocy:{order_id}"):
        await buyer.press(forged)
        assert "cancelled in the TikTok Shop app" in buyer.last_text, forged
    assert await requests(uow_factory) == (0, 0, ["AWAITING_SHIPMENT"])


@pytest.mark.parametrize("how", ["/return", "typed", "button"])
async def test_a_delivered_tiktok_order_is_returned_on_tiktok(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock, how: str
) -> None:
    order_id = await tiktok_order(uow_factory, clock, number=NUMBER, status="DELIVERED")
    buyer = await linked_buyer(harness)
    labels = [b.text for b in buyer.buttons()]
    assert not any("return" in label.lower() for label in labels), labels
    if how == "/return":
        await buyer.say("/return")
    elif how == "typed":
        await buyer.say(f"I want to return order {NUMBER}")
    else:
        await buyer.press(f"rs:{order_id}")  # an old card's button, or a forged one
    assert "asked for in the TikTok Shop app" in buyer.said
    assert await buyer.step() is None
    assert await requests(uow_factory) == (0, 0, ["DELIVERED"])


@pytest.mark.parametrize(
    "typed", ["can you refund me here instead", "where is my refund", "when do i get my money"]
)
async def test_a_refund_asked_about_a_tiktok_order_points_to_tiktok(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock, typed: str
) -> None:
    """Found in the demo: "can you refund me here instead" under a TikTok order's card
    got "You have no return requests" and the shop's refunds policy, 50% sure."""
    await tiktok_order(uow_factory, clock, number=NUMBER, status="DELIVERED")
    buyer = await linked_buyer(harness)
    await buyer.say(typed)
    assert "asked for in the TikTok Shop app" in buyer.said, buyer.said
    assert "You have no return requests" not in buyer.said
    assert await requests(uow_factory) == (0, 0, ["DELIVERED"])


async def test_the_shops_own_orders_keep_their_buttons_next_to_a_tiktok_one(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    await tiktok_order(uow_factory, clock, number=NUMBER, status="DELIVERED")
    await make_order(
        uow_factory, clock, number="578000000000000042", status="DELIVERED", email="jane@x.org"
    )
    buyer = harness.buyer()
    await buyer.say("578000000000000042")
    await buyer.say("jane@x.org")
    assert "Bought on" not in buyer.said
    assert any("return" in b.text.lower() for b in buyer.buttons())
