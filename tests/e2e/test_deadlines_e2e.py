"""The after-sales clock through the running bot: the fake clock moves, the bot's own
deadline job runs, and the seller and buyer get what Telegram would show them."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from bot.clock import FakeClock
from bot.config import Settings
from bot.domain.enums import ClaimType
from bot.emulator import ScriptedUser, TelegramEmulator
from bot.services.deadlines import DeadlineReport
from bot.services.links import LinkSigner
from bot.services.returns import ClaimView
from bot.services.sellers import SellerService
from storage.uow import UnitOfWorkFactory
from tests.e2e.conftest import BotProcess
from tests.e2e.test_buyer_orders import buttons, link
from tests.e2e.test_seller import (
    APPROVE,
    ASK,
    BUYER_ID,
    PARTIAL,
    REJECT,
    SELLER_ID,
    UPS,
    Shop,
    chat_user_id,
    claim_row,
    delivered_order,
    join,
    ledger,
    open_card,
    tap,
)

LINK_SECRET = b"e2e-link-secret-0123456789abcdef"  # the bot's, from the e2e settings


@pytest.fixture
async def shop(
    bot: BotProcess,
    emulator: TelegramEmulator,
    uow_factory: UnitOfWorkFactory,
    clock: FakeClock,
    settings: Settings,
) -> Shop:
    """A delivered acme order (mug 2 × 12.50, towel 8.00), its linked buyer Alex and
    acme's seller Sam (joined with a one-time invite, as `seller invite` makes)."""
    s = Shop(bot, emulator, uow_factory, clock, settings)
    s.order_id = await delivered_order(uow_factory, clock)
    s.buyer = emulator.user(BUYER_ID, "Alex")
    await link(s.buyer)
    s.buyer_user = await chat_user_id(uow_factory, BUYER_ID)
    async with uow_factory(readonly=True) as uow:
        order = await uow.orders.get(s.order_id)
        assert order is not None
        s.items = {i.product_name: i.id for i in order.items}
    token = await SellerService(uow_factory, clock, LinkSigner(LINK_SECRET)).invite("acme")
    s.seller = await join(emulator, token, SELLER_ID, "Sam")
    return s


async def tick(shop: Shop, by: timedelta) -> DeadlineReport:
    """Move the clock, let the bot's deadline job run, and send what it queued."""
    shop.clock.advance(by)
    assert shop.bot.runner is not None
    report = await shop.bot.runner.deadlines.run_once()
    assert report.errors == []
    await shop.bot.flush_outbox()
    return report


async def nothing_more(user: ScriptedUser) -> None:
    with pytest.raises(TimeoutError):
        await user.wait_message(timeout=0.3)


async def approved_return(shop: Shop) -> ClaimView:
    """A return-and-refund claim of the towel the seller approves in the chat."""
    claim = await shop.claim({"Tea towel": 1}, type=ClaimType.RETURN_AND_REFUND)
    done = await tap(shop.seller, APPROVE, await open_card(shop.seller, claim))
    assert f"The buyer has until Jan 20, 12:00 UTC to send {claim.number} back" in done["text"]
    await shop.bot.flush_outbox()
    told = await shop.buyer.wait_message()
    assert f"{claim.number} is approved. Please send the item back by Jan 20" in told["text"]
    return claim


async def test_seller_is_reminded_then_the_claim_is_approved_for_the_buyer(shop: Shop) -> None:
    claim = await shop.claim({"Ceramic mug": 1})  # respond by Jan 17, 12:00 UTC

    report = await tick(shop, timedelta(hours=23))  # 25 h left: too early to remind
    assert report.total == 0
    await nothing_more(shop.seller)

    report = await tick(shop, timedelta(hours=2))  # 23 h left
    assert report.reminders == 1
    reminder = await shop.seller.wait_message()
    assert (
        f"Return request {claim.number} needs your answer within 24 hours "
        "(by Jan 17, 12:00 UTC); after that it is approved automatically."
    ) in reminder["text"]
    assert buttons(reminder) == ["Open request"]
    await shop.seller.press("Open request", message=reminder)
    assert await shop.seller.wait_callback_answer() is None
    card = await shop.seller.wait_message()
    assert f"Return request {claim.number} · Acme Store" in card["text"]
    assert "⏳ 23 hours" in card["text"]  # in words, not "23h"
    assert "left to respond (by Jan 17, 12:00 UTC)" in card["text"]
    assert buttons(card) == [APPROVE, REJECT, ASK, PARTIAL, "🆘 Ask platform support"]

    # Another run (or a second worker) reminds nobody again.
    assert (await tick(shop, timedelta(minutes=30))).total == 0
    await nothing_more(shop.seller)

    report = await tick(shop, timedelta(hours=19))  # 3 h 30 min left
    assert report.reminders == 1
    last_call = await shop.seller.wait_message()
    assert f"{claim.number} needs your answer within 4 hours" in last_call["text"]

    report = await tick(shop, timedelta(hours=3, minutes=31))  # past 48 h
    assert report.auto_approved == 1
    told = await shop.buyer.wait_message()
    assert f"return request {claim.number} is resolved with a refund of $12.50" in told["text"]
    assert buttons(told) == ["Open request"]
    assert await ledger(shop.uow_factory) == [(claim.id, Decimal("12.50"))]
    assert (await claim_row(shop.uow_factory, claim.id)).status == "REFUNDED"
    await nothing_more(shop.seller)

    # The buyer's card tells the story; the seller's reminder button now shows it decided.
    await shop.buyer.press("Open request", message=told)
    await shop.buyer.wait_callback_answer()
    buyer_card = await shop.buyer.wait_message()
    assert "Status: Refunded" in buyer_card["text"] and "automatic" in buyer_card["text"]
    await shop.seller.press("Open request", message=reminder)
    await shop.seller.wait_callback_answer()
    card = await shop.seller.wait_message()
    assert "Status: Refunded" in card["text"] and buttons(card) == []

    # Nothing more happens later.
    assert (await tick(shop, timedelta(days=30))).total == 0
    assert await ledger(shop.uow_factory) == [(claim.id, Decimal("12.50"))]
    await nothing_more(shop.buyer)


async def test_a_seller_who_answers_in_time_is_not_overruled(shop: Shop) -> None:
    claim = await shop.claim({"Ceramic mug": 1})
    await tick(shop, timedelta(hours=25))
    reminder = await shop.seller.wait_message()
    await shop.seller.press("Open request", message=reminder)
    await shop.seller.wait_callback_answer()
    card = await shop.seller.wait_message()
    reasons = await tap(shop.seller, REJECT, card)
    asked = await tap(shop.seller, "Item is as described", reasons)
    assert "write a short note" in asked["text"]
    await shop.seller.send("It matches the listing.")
    assert f"Rejected {claim.number}" in (await shop.seller.wait_message())["text"]
    await shop.bot.flush_outbox()
    assert "was not accepted" in (await shop.buyer.wait_message())["text"]

    report = await tick(shop, timedelta(hours=24))  # past the old response deadline
    assert report.auto_approved == 0
    assert (await claim_row(shop.uow_factory, claim.id)).status == "REJECTED"
    assert await ledger(shop.uow_factory) == []
    await nothing_more(shop.buyer)
    await nothing_more(shop.seller)


async def test_return_not_sent_back_within_5_days_closes(shop: Shop) -> None:
    claim = await approved_return(shop)

    assert (await tick(shop, timedelta(days=4, hours=23))).total == 0
    await nothing_more(shop.buyer)

    report = await tick(shop, timedelta(hours=1, minutes=1))
    assert report.closed_not_shipped == 1
    told = await shop.buyer.wait_message()
    assert (
        f"Your return request {claim.number} is closed: the item was not sent back in time."
        in told["text"]
    )
    assert buttons(told) == ["Open request"]
    assert (await claim_row(shop.uow_factory, claim.id)).status == "CLOSED"
    assert await ledger(shop.uow_factory) == []
    await shop.buyer.press("Open request", message=told)
    await shop.buyer.wait_callback_answer()
    card = await shop.buyer.wait_message()
    assert "Status: Closed" in card["text"]
    assert "Enter return tracking" not in buttons(card)


async def test_return_shipped_back_and_not_confirmed_within_8_days_is_refunded(
    shop: Shop,
) -> None:
    claim = await approved_return(shop)
    shop.clock.advance(timedelta(days=1))
    await shop.returns.ship_back(shop.buyer_user, claim.id, "UPS", UPS)
    await shop.bot.flush_outbox()
    shipped = await shop.seller.wait_message()
    assert f"The buyer shipped the return for {claim.number}: UPS {UPS}" in shipped["text"]

    # The 5-day ship-back window passes: the parcel is on its way, nothing closes.
    assert (await tick(shop, timedelta(days=7, hours=23))).total == 0
    assert (await claim_row(shop.uow_factory, claim.id)).status == "BUYER_SHIPPED"
    await nothing_more(shop.buyer)

    report = await tick(shop, timedelta(hours=1, minutes=1))
    assert report.auto_received == 1
    told = await shop.buyer.wait_message()
    assert f"return request {claim.number} is resolved with a refund of $8.00" in told["text"]
    await nothing_more(shop.buyer)  # one message, not "received" and "refunded"
    stored = await claim_row(shop.uow_factory, claim.id)
    assert stored.status == "REFUNDED"
    assert [e.to_status for e in stored.history][-2:] == ["RECEIVED", "REFUNDED"]
    assert await ledger(shop.uow_factory) == [(claim.id, Decimal("8.00"))]

    # The seller's late "Confirm received" (a button on an old card) changes nothing.
    await shop.seller.press_forged(f"qc:{claim.id}", message=shipped)
    await shop.seller.wait_callback_answer()
    late = await shop.seller.wait_message()
    assert f"Already decided: {claim.number} is now “Refunded”" in late["text"]
    assert (await tick(shop, timedelta(days=1))).total == 0
    assert await ledger(shop.uow_factory) == [(claim.id, Decimal("8.00"))]
