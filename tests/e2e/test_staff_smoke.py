"""Smoke: a buyer asks for a person; staff answer in the ticket's topic; close; rate."""

from __future__ import annotations

import pytest

from bot.app import App
from bot.clock import FakeClock
from bot.config import Settings
from bot.emulator import TelegramEmulator
from storage.uow import UnitOfWorkFactory
from tests.e2e.conftest import BotProcess
from tests.e2e.test_buyer_orders import link
from tests.factories import make_order

STAFF_CHAT = -1001000000001
AGENT = 7001


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"staff_chat_id": STAFF_CHAT})


async def test_hand_over_relay_close_and_rate(
    app: App, emulator: TelegramEmulator, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    agent = emulator.user(AGENT, "Anna")
    desk = emulator.supergroup(
        STAFF_CHAT,
        "Support",
        forum=True,
        members={AGENT: "administrator"},
        bot_can_manage_topics=True,
    )
    await make_order(uow_factory, clock)
    bot = BotProcess(app, emulator)
    await bot.start()
    try:
        buyer = emulator.user(5001, "Alex")
        await buyer.send("/start")
        await buyer.wait_message()
        await link(buyer)
        await buyer.send("/human")
        told = await buyer.wait_message()
        assert "passed our conversation to a person" in told["text"]
        summary = await desk.wait_message()
        assert "Ticket #1" in summary["text"] and "Alex" in summary["text"]
        thread = summary["message_thread_id"]
        await buyer.send("Where is my parcel <b>really</b>?")
        copied = await desk.wait_message(thread_id=thread)
        assert copied["text"] == "Where is my parcel <b>really</b>?"
        await agent.send("Hello Alex, it arrives tomorrow.", chat=desk, thread_id=thread)
        answer = await buyer.wait_message()
        assert answer["text"] == "Anna:\nHello Alex, it arrives tomorrow."
        await agent.send("/note buyer seems anxious", chat=desk, thread_id=thread)
        await desk.wait_message(thread_id=thread)
        await agent.send("/close", chat=desk, thread_id=thread)
        closed = await buyer.wait_message()
        assert "closed ticket" in closed["text"]
        await buyer.press("⭐⭐⭐⭐", message=closed)
        await buyer.wait_callback_answer()
        await buyer.send("Quick and kind")
        thanks = await buyer.wait_message()
        assert "Thank you" in thanks["text"]
        texts = [m.get("text", "") for m in buyer.messages]
        assert not any("anxious" in t for t in texts)
    finally:
        await bot.stop()
