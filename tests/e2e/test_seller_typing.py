"""A seller types at their steps through the real aiogram and python-telegram-bot stacks
(the emulator): a typed reason, amount, "yes" and carrier work as the buttons do, and
the testers' "because", "1,000" and "12345" get the step's question again instead of a
policy answer or order linking.  Every flow detail is in tests/flows/test_seller_typing.py;
this layer checks what the channel carries (plain text inside a flow, a bare command,
buttons re-shown after typing)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path

import pytest

from bot.app import App
from bot.clock import FakeClock
from bot.config import Settings
from bot.domain.enums import ClaimType
from bot.emulator import TelegramEmulator
from storage.uow import UnitOfWorkFactory
from tests.e2e.conftest import BotProcess
from tests.e2e.test_buyer_orders import buttons, link
from tests.e2e.test_seller import (
    APPROVE,
    BUYER_ID,
    PARTIAL,
    REJECT,
    SELLER_ID,
    Shop,
    buyer_is_told,
    chat_user_id,
    claim_row,
    delivered_order,
    invite,
    join,
    ledger,
    open_card,
    step_of,
    tap,
)

UPS = "1Z999AA10123456784"


@pytest.fixture(params=["aiogram", "ptb"])
async def shop(
    request: pytest.FixtureRequest,
    app: App,
    emulator: TelegramEmulator,
    uow_factory: UnitOfWorkFactory,
    clock: FakeClock,
    settings: Settings,
    database_url: str,
    tmp_path: Path,
) -> AsyncIterator[Shop]:
    bot = BotProcess(app, emulator, framework=request.param)
    await bot.start()
    s = Shop(bot, emulator, uow_factory, clock, settings)
    s.order_id = await delivered_order(uow_factory, clock)
    s.buyer = emulator.user(BUYER_ID, "Alex")
    await link(s.buyer)
    s.buyer_user = await chat_user_id(uow_factory, BUYER_ID)
    async with uow_factory(readonly=True) as uow:
        order = await uow.orders.get(s.order_id)
        assert order is not None
        s.items = {i.product_name: i.id for i in order.items}
    s.seller = await join(emulator, await invite(uow_factory, clock), SELLER_ID, "Sam")
    yield s
    await bot.stop()


async def test_typed_reject_reason_and_typed_amount_with_yes(shop: Shop) -> None:
    seller = shop.seller
    claim = await shop.claim({"Ceramic mug": 1})
    card = await open_card(seller, claim)
    reasons = await tap(seller, REJECT, card)
    assert f"Why are you rejecting {claim.number}?" in reasons["text"]

    await seller.send("because")
    assert "I didn't catch the reason" in (await seller.wait_message())["text"]
    again = await seller.wait_message()
    assert f"Why are you rejecting {claim.number}?" in again["text"]
    assert "Outside the shop's return policy" in buttons(again)

    await seller.send("outside the window")
    assert "Reason: Outside the shop's return policy." in (await seller.wait_message())["text"]
    assert "write a short note" in (await seller.wait_message())["text"]
    await seller.send("Requested 95 days after delivery; our window is 30 days.")
    assert f"Rejected {claim.number}" in (await seller.wait_message())["text"]
    assert (await claim_row(shop.uow_factory, claim.id)).status == "REJECTED"
    assert "95 days after delivery" in (await buyer_is_told(shop))["text"]

    # A partial refund typed the way sellers type it, confirmed by typing.
    second = await shop.claim({"Tea towel": 1})
    card = await open_card(seller, second)
    await tap(seller, PARTIAL, card)
    await seller.send("1,000")
    assert "at most $" in (await seller.wait_message())["text"]  # a thousand: out of range
    await seller.send("6,50")
    assert "Why refund $6.50 instead of the $8.00" in (await seller.wait_message())["text"]
    await seller.send("ok")  # not a reason: what the step expects, and the question again
    assert "why you refund less than was asked" in (await seller.wait_message())["text"]
    assert "Why refund $6.50" in (await seller.wait_message())["text"]
    await seller.send("it was washed and worn")
    asked = await seller.wait_message()
    assert f"Refund $6.50 for {second.number}" in asked["text"]
    await seller.send("ok")
    assert "type yes to confirm" in (await seller.wait_message())["text"]
    assert f"Refund $6.50 for {second.number}" in (await seller.wait_message())["text"]
    assert await ledger(shop.uow_factory) == []
    await seller.send("yes")
    assert f"$6.50 refunded for {second.number}" in (await seller.wait_message())["text"]
    assert await ledger(shop.uow_factory) == [(second.id, Decimal("6.50"))]
    assert await step_of(shop.uow_factory, SELLER_ID) is None


async def test_12345_at_mark_replaced_and_carrier_typed_with_the_number(shop: Shop) -> None:
    seller = shop.seller
    claim = await shop.claim({"Ceramic mug": 1}, type=ClaimType.REPLACEMENT)
    card = await open_card(seller, claim)
    approved = await tap(seller, APPROVE, card)
    assert "Mark replaced" in approved["text"]
    await buyer_is_told(shop)
    card = await open_card(seller, claim)
    carriers = await tap(seller, "🔁 Mark replaced", card)
    assert buttons(carriers) == ["FedEx", "UPS", "USPS", "DHL"]

    await seller.send("12345")
    said = (await seller.wait_message())["text"]
    assert "That isn't a carrier I know" in said and "To make sure order" not in said
    assert buttons(await seller.wait_message()) == ["FedEx", "UPS", "USPS", "DHL"]

    await seller.send(f"UPS {UPS}")
    assert f"Marked replaced: UPS {UPS}" in (await seller.wait_message())["text"]
    assert (await claim_row(shop.uow_factory, claim.id)).status == "REPLACED"
    assert UPS in (await buyer_is_told(shop))["text"]
