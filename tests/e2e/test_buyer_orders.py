"""A buyer asks "where is my order?" through real Telegram traffic, on both frameworks:
what each stack must carry itself (the command menu, a sticker, a shared contact and
the contact keyboard, the card's HTML with its tracking link, a name with markup, a
restart of the polling bot).  The flow itself (proofs, lockout, privacy, cards for
every status, paging, cancelling) is tested in process: tests/flows/test_buyer_orders.py."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from bot.clock import FakeClock
from bot.emulator import TelegramEmulator
from storage.models import ConversationState
from storage.uow import UnitOfWorkFactory
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


async def test_start_sets_the_menu_and_a_sticker_is_declined(
    any_bot: BotProcess, emulator: TelegramEmulator
) -> None:
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
    await alex.send_sticker()
    assert "sticker" in (await alex.wait_message())["text"]
    await alex.send(f"/frobnicate@{BOT_USERNAME}")
    assert "don't know the command /frobnicate" in (await alex.wait_message())["text"]


async def test_an_edited_message_is_answered_on_both_frameworks(
    any_bot: BotProcess, emulator: TelegramEmulator
) -> None:
    """Edits come as updates of their own (`edited_message`), asked for and translated
    by each channel: the person hears that the bot acts on new messages only."""
    alex = emulator.user(1001, "Alex")
    sent = await alex.send("/start")
    await alex.wait_message()
    await alex.edit(sent, "/help")
    answer = (await alex.wait_message())["text"]
    assert "send the corrected text as a new message" in answer, answer


async def test_link_by_own_contact_and_the_card_with_its_tracking_link(
    any_bot: BotProcess,
    emulator: TelegramEmulator,
    uow_factory: UnitOfWorkFactory,
    clock: FakeClock,
) -> None:
    await make_order(uow_factory, clock, phone="15550100001", express=True)
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
    card = await alex.wait_message()
    assert f"Order {NUMBER}" in card["text"] and "⚡ Express" in card["text"]
    link_entities = [e for e in card.get("entities", []) if e["type"] == "text_link"]
    assert link_entities[0]["url"].startswith(
        "https://www.ups.com/track?tracknum=1Z999AA10123456784"
    )
    assert buttons(card) == ["🔄 Refresh", "🙋 Talk to a person", "‹ My orders"]
    await alex.press("🔄 Refresh")
    assert await alex.wait_callback_answer()  # "no changes", on the button


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


async def test_user_text_is_escaped_in_html_replies(
    any_bot: BotProcess, emulator: TelegramEmulator
) -> None:
    alex = emulator.user(1001, "<b>Al & ex</b>")
    await alex.send("/start")
    assert "<b>Al & ex</b>" in (await alex.wait_message())["text"]  # shown literally
    await alex.send("A<1&2>B-123")  # looks like nothing; must not break the parser
    await alex.wait_message()
