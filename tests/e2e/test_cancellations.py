"""Cancelling an order the seller already holds, and goodwill refunds, through real
Telegram traffic (aiogram ↔ emulator): the buyer asks from the order card, the seller
answers with a button, everyone else's crafted buttons change nothing; `/refund`."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.clock import FakeClock
from bot.emulator import ScriptedUser, TelegramEmulator
from bot.services.links import LinkSigner
from bot.services.sellers import SellerService
from bot.services.shops import ShopAdmin
from storage.models import CancelRequest, Order, OutboxMessage, Refund
from storage.uow import UnitOfWorkFactory
from tests.e2e.conftest import BotProcess
from tests.e2e.test_buyer_orders import NUMBER, buttons, link
from tests.e2e.test_seller import CANCEL, ONLY_SELLERS, confirm_label, join
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


# ------------------------------------------------------------------ the request


async def test_seller_approves_the_buyers_request(world: World) -> None:
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


async def test_seller_rejects_the_buyers_request(world: World) -> None:
    request = await world.ask_to_cancel()

    await world.seller.press(REJECT, message=request)
    assert await world.seller.wait_callback_answer() is None
    done = current(world.seller, request)
    assert f"Order {NUMBER} stays as it is; the buyer was told." in done["text"]
    assert buttons(done) == []

    told = await world.buyer_is_told()
    assert f"The seller couldn't cancel order {NUMBER}" in told["text"]
    assert buttons(told) == ["Open order"]
    assert await world.order_status() == "AWAITING_SHIPMENT"
    assert await world.ledger() == []

    await world.seller.press_forged(f"ka:{(await world.request_ids())[0]}", message=request)
    assert await world.seller.wait_callback_answer() == ANSWERED
    assert await world.order_status() == "AWAITING_SHIPMENT"
    assert await world.ledger() == []


async def test_approve_after_the_order_shipped_is_refused_and_reject_still_works(
    world: World,
) -> None:
    request = await world.ask_to_cancel()
    async with world.uow() as uow:  # the warehouse was faster than the seller
        order = await uow.session.get(Order, world.order_id)
        assert order is not None
        order.status = "IN_TRANSIT"
        await uow.commit()

    await world.seller.press(APPROVE, message=request)
    popup = await world.seller.wait_callback_answer() or ""
    assert "can't be cancelled any more" in popup and len(popup) <= 200
    assert buttons(current(world.seller, request)) == [APPROVE, REJECT]
    assert await world.ledger() == []
    assert await world.order_status() == "IN_TRANSIT"
    await world.bot.flush_outbox()
    await nothing_more(world.buyer)

    await world.seller.press(REJECT, message=request)
    assert await world.seller.wait_callback_answer() is None
    assert "stays as it is" in current(world.seller, request)["text"]
    told = await world.buyer_is_told()
    assert f"The seller couldn't cancel order {NUMBER}" in told["text"]
    assert await world.ledger() == []


async def test_asking_twice_while_the_seller_decides(world: World) -> None:
    await world.ask_to_cancel()
    await world.buyer.press(ASK, message=world.card)
    await world.buyer.wait_callback_answer()
    question = await world.buyer.wait_message()
    await world.buyer.press(SEND, message=question)
    await world.buyer.wait_callback_answer()
    assert f"You already asked to cancel order {NUMBER}" in current(world.buyer, question)["text"]
    await world.bot.flush_outbox()
    await nothing_more(world.seller)
    assert len(await world.request_ids()) == 1


async def test_buyer_keeps_the_order(world: World) -> None:
    await world.buyer.press(ASK, message=world.card)
    await world.buyer.wait_callback_answer()
    question = await world.buyer.wait_message()
    await world.buyer.press(KEEP, message=question)
    await world.buyer.wait_callback_answer()
    assert "your order stays as it is" in current(world.buyer, question)["text"]
    await world.bot.flush_outbox()
    await nothing_more(world.seller)
    assert await world.request_ids() == []


async def test_auto_approved_inside_the_shops_window(world: World) -> None:
    await ShopAdmin(world.uow).set("acme", "auto_cancel_minutes", "60")
    async with world.uow() as uow:
        order = await uow.session.get(Order, world.order_id)
        assert order is not None
        order.paid_at = world.clock.now()
        await uow.commit()
    await world.buyer.press(ASK, message=world.card)
    await world.buyer.wait_callback_answer()
    question = await world.buyer.wait_message()
    await world.buyer.press(SEND, message=question)
    assert await world.buyer.wait_callback_answer() is None
    done = current(world.buyer, question)["text"]
    assert f"Order {NUMBER} is cancelled" in done and "$37.99 will be refunded" in done
    assert await world.order_status() == "CANCELLED"
    assert [amount for amount, _, _ in await world.ledger()] == [Decimal("37.99")]
    await world.bot.flush_outbox()
    # The buyer already has the answer; the seller (who holds the parcel) is told not to
    # ship it, with nothing to press.
    await nothing_more(world.buyer)
    told = await world.seller.wait_message()
    assert f"Order {NUMBER} was cancelled automatically" in told["text"]
    assert "$37.99" in told["text"] and "do not ship" in told["text"]
    assert buttons(told) == []


# ------------------------------------------------------------------ refusals


async def test_crafted_decisions_from_anyone_but_the_shops_sellers_change_nothing(
    world: World,
) -> None:
    await world.ask_to_cancel()
    request_id = (await world.request_ids())[0]
    await make_order(
        world.uow, world.clock, number="578000000000000002", shop_code="other", carrier=None
    )
    eve = await world.seller_of("other", OTHER_SELLER_ID, "Eve")
    mallory = world.emulator.user(STRANGER_ID, "Mallory")
    await mallory.send("/start")
    await mallory.wait_message()
    before = await world.snapshot()

    for who, user in (("buyer", world.buyer), ("other shop", eve), ("stranger", mallory)):
        seen = len(user.messages)
        for data in (f"ka:{request_id}", f"kr:{request_id}"):
            await user.press_forged(data)
            assert await user.wait_callback_answer() == ONLY_SELLERS, (who, data)
        assert len(user.messages) == seen, who  # a popup only
    for data in ("ka:abc", "ka:", "kr:-1", f"ka:{request_id}9"):
        await world.seller.press_forged(data)
        answer = await world.seller.wait_callback_answer() or ""
        assert "no longer works" in answer or answer == ONLY_SELLERS, data

    await world.bot.flush_outbox()
    assert await world.snapshot() == before
    await nothing_more(world.buyer)
    # Sam still decides normally afterwards.
    request = next(m for m in world.seller.messages if APPROVE in buttons(m))
    await world.seller.press(REJECT, message=request)
    assert await world.seller.wait_callback_answer() is None


# ------------------------------------------------------------------ /refund


async def refund_confirmed(world: World, command: str, amount: str) -> Message:
    """/refund …, the question, the Confirm tap; returns the answer."""
    await world.seller.send(command)
    asked = await world.seller.wait_message()
    assert f"Refund {amount} on order" in asked["text"], asked["text"]
    await world.seller.press(confirm_label(amount), message=asked)
    assert await world.seller.wait_callback_answer() is None
    return await world.seller.wait_message()


async def test_goodwill_refund_by_command(world: World) -> None:
    done = await refund_confirmed(world, f"/refund {NUMBER} 5.00 late delivery, sorry <3", "$5.00")
    assert f"Refunded $5.00 on order {NUMBER}. The buyer was told." in done["text"]
    told = await world.buyer_is_told()
    expected = f"The shop refunded you $5.00 on order {NUMBER}: late delivery, sorry <3"
    assert expected in told["text"]
    assert buttons(told) == ["Open order"]
    assert await world.ledger() == [
        (Decimal("5.00"), "seller", "goodwill: late delivery, sorry <3")
    ]

    # A quoted reason, and a $ sign, are fine.
    done = await refund_confirmed(world, f'/refund {NUMBER} $0.99 "box was dented"', "$0.99")
    assert "Refunded $0.99" in done["text"]
    assert "box was dented" in (await world.buyer_is_told())["text"]
    # So is the currency, before or after, as a code or in words.
    # (Each a different sum: the same sum again within minutes asks "again?".)
    for typed, shown in (
        ("1 dollars", "$1.00"),
        ("2.00 USD", "$2.00"),
        ("USD 3", "$3.00"),
        ("4$", "$4.00"),
    ):
        done = await refund_confirmed(world, f"/refund {NUMBER} {typed} sorry again", shown)
        assert f"Refunded {shown}" in done["text"], typed
        assert f"{shown} on order" in (await world.buyer_is_told())["text"]
    assert await world.order_status() == "AWAITING_SHIPMENT"


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        ("/refund", "Usage: /refund ORDER AMOUNT REASON"),
        (f"/refund {NUMBER}", "Usage: /refund ORDER AMOUNT REASON"),
        ('/refund "unbalanced 5.00 x', "Usage: /refund ORDER AMOUNT REASON"),
        (f"/refund {NUMBER} 5.00", "Please add a reason"),
        (
            f"/refund {NUMBER} 38.00 late",
            "more than what can still be refunded on this order ($37.99)",
        ),
        (f"/refund {NUMBER} 1000000 late", "more than what can still be refunded"),
        (f"/refund {NUMBER} abc late", "write the amount in digits, like 5.00"),
        (f"/refund {NUMBER} ten dollars late", "write the amount in digits, like 5.00"),
        (f"/refund {NUMBER} ١٢ late", "with the digits 0–9, like 5.00"),
        (f"/refund {NUMBER} １２ late", "with the digits 0–9, like 5.00"),
        (f"/refund {NUMBER} 0 late", "must be more than 0"),
        (f"/refund {NUMBER} -5 late", "without a minus sign"),
        (f"/refund {NUMBER} 1.005 late", "USD amounts have at most 2 decimals"),
        (f"/refund {NUMBER} 1,000 late", "without separators"),
        (f"/refund {NUMBER} 5 EUR late", "This order is paid in USD, not EUR"),
        (f"/refund {NUMBER} €5 late", "This order is paid in USD, not EUR"),
        ("/refund 578000000000000404 5.00 late", "I can't find order 578000000000000404"),
    ],
)
async def test_refund_command_refusals(world: World, command: str, expected: str) -> None:
    await world.seller.send(command)
    assert expected in (await world.seller.wait_message())["text"]
    await world.bot.flush_outbox()
    await nothing_more(world.buyer)
    assert await world.ledger() == []


async def test_too_much_after_an_earlier_refund_names_what_is_left(world: World) -> None:
    done = await refund_confirmed(world, f"/refund {NUMBER} 30 late", "$30.00")
    assert "Refunded $30.00" in done["text"]
    await world.seller.send(f"/refund {NUMBER} 8 again")
    refused = (await world.seller.wait_message())["text"]
    assert "more than what can still be refunded on this order ($7.99)" in refused
    assert [amount for amount, _, _ in await world.ledger()] == [Decimal("30.00")]


@pytest.mark.parametrize(
    "command", ["/refund", f"/refund {NUMBER} 5.00", f"/refund {NUMBER} 5.00 I want my money"]
)
async def test_refund_command_is_for_sellers_only(world: World, command: str) -> None:
    await world.buyer.send(command)
    assert ONLY_SELLERS in (await world.buyer.wait_message())["text"]
    assert await world.ledger() == []
