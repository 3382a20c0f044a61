""" "Why?" typed right after the bot said no gets the rule behind it: a TikTok Shop
order cancelled or returned in the app, an order on its way that can't be called
back, a return window that has closed.  Found in the demo: "why" after "it's
cancelled in the TikTok Shop app" was asked to be put another way, a miss towards the
hand-over.  The refusal counts for the next message only."""

from __future__ import annotations

from datetime import timedelta

from bot.clock import FakeClock
from storage.uow import UnitOfWorkFactory
from tests.factories import make_order
from tests.flows.test_buyer_orders import NUMBER, link
from tests.flows.test_marketplace_buyer_actions import NUMBER as TIKTOK
from tests.flows.test_marketplace_buyer_actions import linked_buyer
from tests.harness import Harness
from tests.marketplace_fakes import tiktok_order

REPHRASE = "put it another way"


async def test_why_after_a_tiktok_cancel_refused_is_where_the_money_is(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    await tiktok_order(uow_factory, clock, number=TIKTOK, status="AWAITING_SHIPMENT")
    buyer = await linked_buyer(harness)
    await buyer.say(f"cancel {TIKTOK}")
    assert "cancelled in the TikTok Shop app" in buyer.last_text
    await buyer.say("why?")
    assert "TikTok Shop took the payment" in buyer.said and REPHRASE not in buyer.said
    await buyer.say("why")  # once: the refusal counted for one message
    assert "TikTok Shop took the payment" not in buyer.said


async def test_why_after_a_cancel_refused_for_an_order_on_its_way(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    await make_order(uow_factory, clock, number=NUMBER, status="IN_TRANSIT")
    buyer = harness.buyer()
    await link(buyer)
    await buyer.say(f"cancel {NUMBER}")
    assert "can't be cancelled" in buyer.last_text
    await buyer.say("but why not")
    assert "can't call it back" in buyer.said and REPHRASE not in buyer.said
    await buyer.say(f"cancel {NUMBER}")
    await buyer.say("where is it now")  # anything else forgets the refusal
    await buyer.say("why")
    assert "can't call it back" not in buyer.said


async def test_why_after_a_return_refused_is_the_window_and_the_delivery_day(
    harness: Harness, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    await make_order(
        uow_factory,
        clock,
        number=NUMBER,
        status="DELIVERED",
        delivered_at=clock.now() - timedelta(days=40),
    )
    buyer = harness.buyer()
    await link(buyer)
    await buyer.say("i want to return it")
    assert "return window" in buyer.said and "has closed" in buyer.said
    await buyer.say("¿por qué?")
    assert "15 days after delivery" in buyer.said or "15 días desde la entrega" in buyer.said
    assert REPHRASE not in buyer.said
