"""A buyer asks "where is my order?" through real Telegram traffic (aiogram ↔ emulator)."""

from __future__ import annotations

import asyncio
import os
import sys
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.clock import FakeClock
from bot.domain.enums import OrderStatus
from bot.emulator import TelegramEmulator
from bot.services.notifications import notify_order_change
from bot.services.order_import import import_orders_file
from storage.models import ConversationState, Order, Refund
from storage.uow import UnitOfWork, UnitOfWorkFactory
from tests.e2e.conftest import BOT_USERNAME, BotProcess
from tests.factories import make_order

NUMBER = "578000000000000001"
ROOT = Path(__file__).resolve().parents[2]


def buttons(message: dict) -> list[str]:  # type: ignore[type-arg]
    rows = (message.get("reply_markup") or {}).get("inline_keyboard") or []
    return [b["text"] for row in rows for b in row]


async def link(user, number: str = NUMBER, proof: str = "buyer@example.com") -> dict:  # type: ignore[no-untyped-def,type-arg]
    """Send the order number and the proof; return the order card that follows."""
    await user.send(number)
    asked = await user.wait_message()
    assert "make sure order" in asked["text"]
    await user.send(proof)
    confirmed = await user.wait_message()
    assert "now linked" in confirmed["text"], confirmed["text"]
    return await user.wait_message()


async def test_start_greets_and_offers_buttons(bot: BotProcess, emulator: TelegramEmulator) -> None:
    alex = emulator.user(1001, "Alex")
    await alex.send("/start")
    greeting = await alex.wait_message()
    assert "Hi Alex" in greeting["text"] and "order number" in greeting["text"]
    assert buttons(greeting) == [
        "📦 My orders",
        "➕ Add an order",
        "❓ Help",
        "🙋 Talk to a person",
    ]
    commands = emulator.commands(scope={"type": "all_private_chats"})
    assert {c["command"] for c in commands} >= {"start", "orders", "help", "cancel"}


async def test_link_by_email_shows_the_order_card(
    bot: BotProcess, emulator: TelegramEmulator, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    await make_order(uow_factory, clock, express=True, tracking="1Z999AA10123456784")
    card = await link(emulator.user(1001, "Alex"), proof="  BUYER@example.com ")
    text = card["text"]
    assert f"Order {NUMBER}" in text and "On its way" in text
    assert "2 × Ceramic mug — $25.00 ($12.50 each)" in text
    # The rows add up to what was paid: items and shipping, then the total.
    assert "Items: $25.00\nShipping: $4.99\nTotal paid: $29.99" in text
    assert "⚡ Express" in text and "1Z999AA10123456784" in text
    assert "Label created" in text and "Estimated delivery" in text
    link_entities = [e for e in card.get("entities", []) if e["type"] == "text_link"]
    assert link_entities[0]["url"].startswith(
        "https://www.ups.com/track?tracknum=1Z999AA10123456784"
    )
    assert buttons(card) == ["🔄 Refresh", "🙋 Talk to a person", "‹ My orders"]  # no cancel


async def test_link_by_phone_in_national_format(
    bot: BotProcess, emulator: TelegramEmulator, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    await make_order(uow_factory, clock, phone="15550100001")
    card = await link(emulator.user(1001, "Alex"), proof="(555) 010-0001")
    assert f"Order {NUMBER}" in card["text"]


async def test_link_by_own_contact_but_not_someone_elses(
    bot: BotProcess, emulator: TelegramEmulator, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    await make_order(uow_factory, clock, phone="15550100001")
    alex = emulator.user(1001, "Alex", phone="+15550100001")
    await alex.send(NUMBER)
    asked = await alex.wait_message()
    assert alex.reply_keyboard is not None  # the "Share my contact" button is shown
    assert asked["reply_markup"]["keyboard"][0][0]["request_contact"] is True
    # A forged contact card (the right phone, but another user's) proves nothing.
    await alex.share_contact(phone="+15550100001", user_id=999)
    assert "your own" in (await alex.wait_message())["text"]
    await alex.share_contact()
    assert "now linked" in (await alex.wait_message())["text"]
    assert alex.reply_keyboard is None  # and the contact keyboard is gone again
    assert f"Order {NUMBER}" in (await alex.wait_message())["text"]


async def test_signed_deep_link_links_at_once(
    bot: BotProcess,
    emulator: TelegramEmulator,
    uow_factory: UnitOfWorkFactory,
    clock: FakeClock,
    tmp_path: Path,
    database_url: str,
) -> None:
    await make_order(uow_factory, clock)
    # The shop's tool prints the link (run as the shop would, in its own process) ...
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "LINK_SECRET": "e2e-link-secret-0123456789abcdef",
        "BOT_USERNAME": BOT_USERNAME,
    }
    done = await asyncio.create_subprocess_exec(
        sys.executable,
        str(ROOT / "run_bot.py"),
        "order-link",
        NUMBER,
        cwd=tmp_path,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await done.communicate()
    assert done.returncode == 0, err.decode()
    url = out.decode().strip()
    # ... and the buyer opens it.
    assert url.startswith(f"https://t.me/{BOT_USERNAME}?start=")
    token = url.split("start=")[1]
    assert len(token) <= 64

    alex = emulator.user(1001, "Alex")
    await alex.send(f"/start {token}")
    assert "now linked" in (await alex.wait_message())["text"]
    assert f"Order {NUMBER}" in (await alex.wait_message())["text"]

    # A tampered token links nothing and says so without details.
    mallory = emulator.user(1002, "Mallory")
    await mallory.send(f"/start {token[:-3]}xyz")
    assert "not valid" in (await mallory.wait_message())["text"]
    await mallory.send("/orders")
    assert "no linked orders" in (await mallory.wait_message())["text"]


async def test_wrong_proof_does_not_reveal_whether_the_order_exists(
    bot: BotProcess, emulator: TelegramEmulator, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    await make_order(uow_factory, clock)
    alex = emulator.user(1001, "Alex")
    replies = []
    for number in (NUMBER, "578999999999999999"):  # exists / does not exist
        await alex.send(number)
        await alex.wait_message()
        await alex.send("someone@example.com")
        replies.append((await alex.wait_message())["text"])
        await alex.send("/cancel")
        await alex.wait_message()
    assert "couldn't match" in replies[0]
    assert replies[0].split("(")[0] == replies[1].split("(")[0]


async def test_five_failures_lock_the_buyer_out_and_say_for_how_long(
    bot: BotProcess, emulator: TelegramEmulator, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    await make_order(uow_factory, clock)
    alex = emulator.user(1001, "Alex")
    await alex.send(NUMBER)
    await alex.wait_message()
    for attempt in range(1, 6):
        await alex.send(f"guess{attempt}@example.com")
        reply = (await alex.wait_message())["text"]
        if attempt < 5:
            left = 5 - attempt
            assert f"{left} attempt{'s' if left > 1 else ''} left" in reply
    assert "wait 1 hour before" in (await alex.wait_message())["text"]  # not "60 minutes"
    # Even the right proof is refused now.
    await alex.send(NUMBER)
    assert "Too many attempts" in (await alex.wait_message())["text"]
    clock.advance(timedelta(minutes=61))
    card = await link(alex)
    assert f"Order {NUMBER}" in card["text"]


async def test_orders_stay_private_by_number_and_by_crafted_button(
    bot: BotProcess, emulator: TelegramEmulator, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    order_id = await make_order(uow_factory, clock, status="ON_HOLD", carrier=None)
    alex, mallory = emulator.user(1001, "Alex"), emulator.user(1002, "Mallory")
    await link(alex)
    # Mallory knows the number, not the email: she gets the proof question, no data.
    await mallory.send(NUMBER)
    asked = (await mallory.wait_message())["text"]
    assert "Jane" not in asked and "Ceramic" not in asked
    await mallory.send("/cancel")
    await mallory.wait_message()
    # Crafted buttons: open Alex's order, cancel it, confirm the cancel.
    await mallory.send("/start")
    greeting = await mallory.wait_message()
    for data in (f"o:{order_id}", f"or:{order_id}:0", f"oc:{order_id}", f"ocy:{order_id}"):
        await mallory.press_forged(data, message=greeting)
        assert "can't find that order" in (await mallory.wait_callback_answer())
    for data in ("o:abc", "ocy:", "zz:1", "o:" + "9" * 40):
        await mallory.press_forged(data, message=greeting)
        assert "no longer works" in (await mallory.wait_callback_answer())
    async with uow_factory(readonly=True) as uow:
        order = await uow.session.get(Order, order_id)
        assert order is not None and order.status == "ON_HOLD"
    assert len(mallory.messages) == 3  # the proof question, "stopped", the greeting


async def test_orders_list_pages_with_buttons(
    bot: BotProcess, emulator: TelegramEmulator, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    alex = emulator.user(1001, "Alex")
    for n in range(7):
        number = f"57800000000000020{n}"
        await make_order(uow_factory, clock, number=number)
        clock.advance(timedelta(hours=1))
        await link(alex, number)
    await alex.send("/orders")
    first = await alex.wait_message()
    assert "page 1 of 2" in first["text"]
    labels = buttons(first)
    assert labels[0].startswith("578000000000000206") and labels[-1] == "Older ›"
    assert len(labels) == 6
    await alex.press("Older ›")
    await alex.wait_callback_answer()
    edited = next(m for m in alex.messages if m["message_id"] == first["message_id"])
    assert "page 2 of 2" in edited["text"] and buttons(edited)[-1] == "‹ Newer"
    await alex.press(buttons(edited)[0])  # open the oldest order
    await alex.wait_callback_answer()
    assert "Order 578000000000000201" in (await alex.wait_message())["text"]


CARD_EXPECTATIONS = {
    "UNPAID": ("Awaiting payment", "Amount due", True),
    "ON_HOLD": ("Paid, on hold", "Total paid", True),
    "AWAITING_SHIPMENT": ("Being prepared", "Total paid", False),
    "PARTIALLY_SHIPPING": ("Partly shipped", "Total paid", False),
    "AWAITING_COLLECTION": ("Ready for the carrier", "Total paid", False),
    "IN_TRANSIT": ("On its way", "Total paid", False),
    "DELIVERED": ("Delivered", "Total paid", False),
    "COMPLETED": ("Completed", "Total paid", False),
    "CANCELLED": ("Cancelled", "Total paid", False),
}


@pytest.mark.parametrize("status", list(OrderStatus))
async def test_order_card_for_every_status(
    status: OrderStatus,
    bot: BotProcess,
    emulator: TelegramEmulator,
    uow_factory: UnitOfWorkFactory,
    clock: FakeClock,
) -> None:
    shipped = status not in ("UNPAID", "ON_HOLD", "AWAITING_SHIPMENT", "CANCELLED")
    await make_order(
        uow_factory,
        clock,
        status=status.value,
        paid=status != "UNPAID",
        carrier="FedEx" if shipped else None,
        tracking="123456789012" if shipped else None,
        delivered_at=clock.now() - timedelta(days=1) if status == "DELIVERED" else None,
    )
    label, money, cancellable = CARD_EXPECTATIONS[status.value]
    card = await link(emulator.user(1001, "Alex"))
    assert f"Status: {label}" in card["text"]
    assert money in card["text"]
    assert ("✖ Cancel order" in buttons(card)) is cancellable
    assert ("FedEx" in card["text"]) is shipped


async def test_late_parcel_is_marked_late(
    bot: BotProcess, emulator: TelegramEmulator, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    await make_order(uow_factory, clock, eta=clock.now() - timedelta(days=2))
    card = await link(emulator.user(1001, "Alex"))
    assert "late" in card["text"]


async def test_cancel_on_hold_order_refunds_in_full(
    bot: BotProcess, emulator: TelegramEmulator, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    order_id = await make_order(uow_factory, clock, status="ON_HOLD", carrier=None)
    alex = emulator.user(1001, "Alex")
    await link(alex)
    await alex.press("✖ Cancel order")
    await alex.wait_callback_answer()
    question = await alex.wait_message()
    assert "$29.99 will be refunded" in question["text"]
    await alex.press("Yes, cancel it")
    await alex.press("Yes, cancel it")  # a double tap changes nothing more
    await alex.wait_callback_answer()
    edited = next(m for m in alex.messages if m["message_id"] == question["message_id"])
    assert "is cancelled" in edited["text"] and "$29.99" in edited["text"]
    async with uow_factory(readonly=True) as uow:
        order = await uow.session.get(Order, order_id)
        refunds = (await uow.session.scalars(select(Refund))).all()
    assert order is not None and order.status == "CANCELLED"
    assert [r.amount for r in refunds] == [Decimal("29.99")]


async def test_cancel_refused_once_shipped(
    bot: BotProcess, emulator: TelegramEmulator, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    order_id = await make_order(uow_factory, clock, status="IN_TRANSIT")
    mallory_free = emulator.user(1001, "Alex")
    card = await link(mallory_free)
    await mallory_free.press_forged(f"oc:{order_id}", message=card)
    await mallory_free.wait_callback_answer()
    assert "already on its way" in (await mallory_free.wait_message())["text"]
    async with uow_factory(readonly=True) as uow:
        order = await uow.session.get(Order, order_id)
        assert order is not None and order.status == "IN_TRANSIT"


async def test_status_change_on_reimport_notifies_linked_buyers_once(
    bot: BotProcess,
    emulator: TelegramEmulator,
    uow_factory: UnitOfWorkFactory,
    clock: FakeClock,
    tmp_path: Path,
) -> None:
    await make_order(uow_factory, clock, shop_code="acme")
    alex = emulator.user(1001, "Alex")
    await link(alex)
    path = tmp_path / "update.json"
    path.write_text(
        """[{"order_number": "578000000000000001", "status": "DELIVERED",
        "placed_at": "2026-01-12T12:00:00Z", "paid_at": "2026-01-12T12:00:00Z",
        "delivered_at": "2026-01-15T10:00:00Z",
        "buyer_name": "Jane Buyer", "buyer_email": "buyer@example.com",
        "buyer_phone": "15550100001",
        "payment": {"currency": "USD", "subtotal": "25.00", "shipping_fee": "4.99",
                    "discount": "0", "tax": "0", "total_paid": "29.99"},
        "items": [{"sku": "SKU-1", "product_name": "Ceramic mug", "quantity": 2,
                   "unit_price": "12.50"}],
        "shipments": [{"carrier": "UPS", "tracking_number": "1Z999AA10123456784",
                       "delivery_option": "Standard",
                       "tracking_events": [{"at": "2026-01-15T10:00:00Z", "tag": "Delivered",
                                            "message": "Left at front door"}]}]}]"""
    )

    async def tell(uow: UnitOfWork, change) -> None:  # type: ignore[no-untyped-def]
        await notify_order_change(uow, change, clock.now())

    for _ in range(2):  # importing the same file twice tells the buyer once
        report = await import_orders_file(uow_factory, path, "acme", clock, on_change=tell)
        assert report.ok, str(report)
        await bot.flush_outbox()
    note = await alex.wait_message()
    assert "Update on order" in note["text"] and "Delivered" in note["text"]
    assert buttons(note) == ["Open order"]
    with pytest.raises(TimeoutError):
        await alex.wait_message(timeout=0.5)


async def test_restart_mid_conversation_continues(
    bot: BotProcess, emulator: TelegramEmulator, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    await make_order(uow_factory, clock)
    alex = emulator.user(1001, "Alex")
    await alex.send(NUMBER)
    await alex.wait_message()  # asked for proof
    await bot.restart()
    await alex.send("buyer@example.com")
    assert "now linked" in (await alex.wait_message())["text"]
    async with uow_factory(readonly=True) as uow:
        state = (await uow.session.scalars(select(ConversationState))).one()
    assert state.step is None


async def test_help_cancel_unknown_command_sticker_and_free_text(
    bot: BotProcess, emulator: TelegramEmulator
) -> None:
    alex = emulator.user(1001, "Alex")
    await alex.send("/help")
    assert "/orders" in (await alex.wait_message())["text"]
    await alex.send("/cancel")
    assert "nothing to cancel" in (await alex.wait_message())["text"]
    await alex.send("/frobnicate")
    assert "don't know the command /frobnicate" in (await alex.wait_message())["text"]
    await alex.send_sticker()
    assert "sticker" in (await alex.wait_message())["text"]
    await alex.send("hello <b>there</b> & you")
    assert "order number" in (await alex.wait_message())["text"]
    await alex.send("x" * 4090)
    assert "too long" in (await alex.wait_message())["text"]


async def test_user_text_is_escaped_in_html_replies(
    bot: BotProcess, emulator: TelegramEmulator
) -> None:
    alex = emulator.user(1001, "<b>Al & ex</b>")
    await alex.send("/start")
    assert "<b>Al & ex</b>" in (await alex.wait_message())["text"]  # shown literally
    await alex.send("A<1&2>B-123")  # looks like nothing; must not break the parser
    await alex.wait_message()
