"""Cancelling an order the seller already holds, through real Telegram traffic on both
frameworks: the buyer's request reaches the seller through the outbox, the seller's
decision edits the request in place, a late tap gets a popup.  The rest (rejecting,
auto-approval, crafted buttons, `/refund` and its refusals) is tested in process:
tests/flows/test_cancellations.py.  `World` is shared with test_money_confirm.py."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.clock import FakeClock
from bot.emulator import ScriptedUser, TelegramEmulator
from bot.services.links import LinkSigner
from bot.services.sellers import SellerService
from storage.models import CancelRequest, Order, OutboxMessage, Refund
from storage.uow import UnitOfWorkFactory
from tests.e2e.conftest import BotProcess
from tests.e2e.test_buyer_orders import NUMBER, buttons, link
from tests.e2e.test_seller import CANCEL, confirm_label, join
from tests.factories import make_order

Message = dict[str, Any]
ITEMS = (("Ceramic mug", 2, "12.50"), ("Tea towel", 1, "8.00"))  # 33.00 + 4.99 = 37.99
SELLER_ID, SECOND_SELLER_ID, OTHER_SELLER_ID, BUYER_ID, STRANGER_ID = 9001, 9003, 9002, 1001, 1003
ASK, SEND, KEEP = "✖ Ask to cancel", "Yes, ask the seller", "No, keep the order"
APPROVE, REJECT = "✅ Approve (full refund)", "✖ Reject"
ANSWERED = "This request was already answered."
LINK_SECRET = b"e2e-link-secret-0123456789abcdef"  # the bot's, from the e2e settings


class World:
    """An acme order being prepared (AWAITING_SHIPMENT), its buyer Alex (linked in the
    chat, looking at the order card) and acme's seller Sam."""

    def __init__(
        self,
        bot: BotProcess,
        emulator: TelegramEmulator,
        uow_factory: UnitOfWorkFactory,
        clock: FakeClock,
    ) -> None:
        self.bot, self.emulator, self.uow, self.clock = bot, emulator, uow_factory, clock
        self.sellers = SellerService(uow_factory, clock, LinkSigner(LINK_SECRET))

    async def setup(self) -> None:
        self.order_id = await make_order(
            self.uow,
            self.clock,
            number=NUMBER,
            status="AWAITING_SHIPMENT",
            items=ITEMS,
            carrier=None,
        )
        self.buyer = self.emulator.user(BUYER_ID, "Alex")
        self.card = await link(self.buyer)
        self.seller = await self.seller_of("acme", SELLER_ID, "Sam")

    async def seller_of(self, shop: str, user_id: int, name: str) -> ScriptedUser:
        """The shop owner's invite (the same one-time link `seller invite` prints)."""
        return await join(self.emulator, await self.sellers.invite(shop), user_id, name)

    async def ask_to_cancel(self) -> Message:
        """The buyer's taps on the card; returns the seller's request message."""
        await self.buyer.press(ASK, message=self.card)
        assert await self.buyer.wait_callback_answer() is None
        question = await self.buyer.wait_message()
        assert f"Order {NUMBER} is already with the seller" in question["text"]
        assert buttons(question) == [SEND, KEEP]
        await self.buyer.press(SEND, message=question)
        assert await self.buyer.wait_callback_answer() is None
        sent = current(self.buyer, question)
        assert f"Your cancellation request for order {NUMBER} is with the seller" in sent["text"]
        assert buttons(sent) == []
        await self.bot.flush_outbox()
        request = await self.seller.wait_message()
        assert f"The buyer of order {NUMBER} asks to cancel it before it ships" in request["text"]
        assert buttons(request) == [APPROVE, REJECT]
        return request

    async def buyer_is_told(self) -> Message:
        await self.bot.flush_outbox()
        return await self.buyer.wait_message()

    # -------------------------------------------------------------- reading back

    async def order_status(self) -> str:
        async with self.uow(readonly=True) as uow:
            order = await uow.session.get(Order, self.order_id)
            assert order is not None
            return order.status

    async def ledger(self) -> list[tuple[Decimal, str, str]]:
        async with self.uow(readonly=True) as uow:
            rows = await uow.session.scalars(select(Refund).order_by(Refund.id))
            return [(r.amount, r.issuer_kind, r.reason) for r in rows]

    async def request_ids(self) -> list[int]:
        async with self.uow(readonly=True) as uow:
            return list(await uow.session.scalars(select(CancelRequest.id)))

    async def snapshot(self) -> tuple[Any, ...]:
        async with self.uow(readonly=True) as uow:
            requests = await uow.session.scalars(select(CancelRequest).order_by(CancelRequest.id))
            outbox = await uow.session.scalar(select(func.count()).select_from(OutboxMessage))
            states = [(r.status, r.version) for r in requests]
        return (await self.order_status(), await self.ledger(), states, outbox)


def current(user: ScriptedUser, message: Message) -> Message:
    """The message as the user sees it now (after edits)."""
    return next(m for m in user.messages if m["message_id"] == message["message_id"])


async def nothing_more(user: ScriptedUser) -> None:
    with pytest.raises(TimeoutError):
        await user.wait_message(timeout=0.3)


@pytest.fixture
async def world(
    bot: BotProcess,
    emulator: TelegramEmulator,
    uow_factory: UnitOfWorkFactory,
    clock: FakeClock,
) -> World:
    w = World(bot, emulator, uow_factory, clock)
    await w.setup()
    return w


@pytest.fixture
async def any_world(
    any_bot: BotProcess,
    emulator: TelegramEmulator,
    uow_factory: UnitOfWorkFactory,
    clock: FakeClock,
) -> World:
    """The same, on each framework in turn."""
    w = World(any_bot, emulator, uow_factory, clock)
    await w.setup()
    return w


# ------------------------------------------------------------------ the request


async def test_seller_approves_the_buyers_request(any_world: World) -> None:
    world = any_world
    assert buttons(world.card) == ["🔄 Refresh", ASK, "🙋 Talk to a person", "‹ My orders"]
    # A second seller of the shop gets the request too.
    kim = await world.seller_of("acme", SECOND_SELLER_ID, "Kim")
    request = await world.ask_to_cancel()
    kims_copy = await kim.wait_message()
    assert buttons(kims_copy) == [APPROVE, REJECT]
    assert await world.order_status() == "AWAITING_SHIPMENT"

    await world.seller.press(APPROVE, message=request)
    assert await world.seller.wait_callback_answer() is None
    asked = await world.seller.wait_message()
    assert f"Cancel order {NUMBER} and refund $37.99 to the buyer, Alex?" in asked["text"]
    assert buttons(asked) == [confirm_label("$37.99"), CANCEL]
    assert await world.order_status() == "AWAITING_SHIPMENT"  # nothing before the tap
    await world.seller.press(confirm_label("$37.99"), message=asked)
    assert await world.seller.wait_callback_answer() is None
    done = current(world.seller, request)
    assert f"Order {NUMBER} is cancelled and $37.99 is refunded." in done["text"]
    assert buttons(done) == []  # nothing left to press

    told = await world.buyer_is_told()
    assert f"The seller cancelled order {NUMBER}" in told["text"]
    assert "$37.99 will be refunded" in told["text"]
    assert buttons(told) == ["Open order"]
    assert await world.order_status() == "CANCELLED"
    assert await world.ledger() == [
        (Decimal("37.99"), "seller", "order cancelled at the buyer's request")
    ]

    # Kim, a moment too late, presses Approve on her copy: a popup, nothing more.
    await kim.press(APPROVE, message=kims_copy)
    assert await kim.wait_callback_answer() == ANSWERED
    # And Sam's stale button (a second tap that raced the edit) the same.
    await world.seller.press_forged(f"ka:{(await world.request_ids())[0]}", message=request)
    assert await world.seller.wait_callback_answer() == ANSWERED
    assert await world.ledger() == [
        (Decimal("37.99"), "seller", "order cancelled at the buyer's request")
    ]
    await world.bot.flush_outbox()
    await nothing_more(world.buyer)
    assert buttons(current(kim, kims_copy)) == [APPROVE, REJECT]

    # The buyer opens the order from the message: it is cancelled, no more cancel button.
    await world.buyer.press("Open order", message=told)
    await world.buyer.wait_callback_answer()
    card = await world.buyer.wait_message()
    assert "Status: Cancelled" in card["text"]
    assert ASK not in buttons(card)
