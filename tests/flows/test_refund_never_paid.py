"""A seller's /refund on an order its buyer cancelled before paying: nothing was paid,
so nothing is refundable (the cancellation's own record says it was cancelled while
awaiting payment); an order that was paid and then cancelled still can be refunded."""

from __future__ import annotations

from sqlalchemy import func, select

from bot.clock import FakeClock
from storage.models import Refund
from storage.uow import UnitOfWorkFactory
from tests.factories import make_order
from tests.flows.test_buyer_orders import NUMBER, link
from tests.flows.test_cancellations import confirm_label, join
from tests.harness import Harness


async def refunds(uow_factory: UnitOfWorkFactory) -> int:
    async with uow_factory(readonly=True) as uow:
        return int(await uow.session.scalar(select(func.count()).select_from(Refund)) or 0)


async def test_an_order_cancelled_before_payment_has_nothing_to_refund(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    await make_order(uow_factory, clock, number=NUMBER, status="UNPAID", paid=False)
    buyer = harness.buyer()
    await link(buyer)
    await buyer.tap("✖ Cancel order")
    await buyer.tap("Yes, cancel the order")
    assert "Nothing was charged" in buyer.said
    seller = await join(harness, "acme", 9001, "Sam")
    await seller.say(f"/refund {NUMBER} 5.00 sorry for the trouble")
    assert f"Order {NUMBER} was cancelled before it was paid" in seller.said, seller.said
    assert seller.buttons() == []  # no Confirm: nothing to confirm
    assert await refunds(uow_factory) == 0


async def test_an_order_paid_then_cancelled_can_still_be_refunded(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    await make_order(uow_factory, clock, number=NUMBER, status="CANCELLED", paid=True)
    seller = await join(harness, "acme", 9001, "Sam")
    await seller.say(f"/refund {NUMBER} 5.00 sorry for the trouble")
    assert f"Refund $5.00 on order {NUMBER}" in seller.said, seller.said
    await seller.tap(confirm_label("$5.00"))
    assert await refunds(uow_factory) == 1
