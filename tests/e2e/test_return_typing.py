"""A return typed from start to end through the real channel stacks (aiogram and
python-telegram-bot against the Bot API emulator): typed text reaches each step, a
reply the step cannot use comes back as two messages (what it takes, then the question
with its buttons), and a photo sent between typed answers is kept. The step-by-step
cases are in tests/flows/test_return_typing.py."""

from __future__ import annotations

import pytest

from bot.app import App
from bot.clock import FakeClock
from bot.emulator import TelegramEmulator, sample_jpeg
from storage.uow import UnitOfWorkFactory
from tests.e2e.conftest import BotProcess
from tests.e2e.test_buyer_orders import buttons, link
from tests.e2e.test_returns import claims, conversation, delivered_order


@pytest.mark.parametrize("framework", ["aiogram", "ptb"])
async def test_a_return_typed_end_to_end(
    framework: str,
    app: App,
    emulator: TelegramEmulator,
    uow_factory: UnitOfWorkFactory,
    clock: FakeClock,
) -> None:
    await delivered_order(uow_factory, clock)  # Ceramic mug ×2, Tea towel ×1
    process = BotProcess(app, emulator, framework=framework)
    await process.start()
    try:
        alex = emulator.user(1001, "Alex")
        await link(alex)

        async def say(text: str) -> str:
            await alex.send(text)
            return str((await alex.wait_message())["text"])

        assert "step 1 of 5" in await say("/return")
        assert "How many of Ceramic mug" in await say("the mug please")
        assert "Type how many" in await say("a few")  # not a quantity:
        asked = await alex.wait_message()  # ...the question again, with its buttons
        assert "How many of Ceramic mug" in asked["text"]
        assert {"1", "2", "None"} <= set(buttons(asked))
        await alex.send("both")
        items = await alex.wait_message()
        assert "Ceramic mug — 2 of 2" in buttons(items)
        assert "step 2 of 5" in await say("done")
        assert "step 3 of 5" in await say("send it back for a refund")
        assert "Please send 1 to 9 photos" in await say("it arrived cracked")
        await alex.send_photo(sample_jpeg(seed="typed"))
        assert "Got it: 1 photo" in (await alex.wait_message())["text"]
        assert "step 5 of 5" in await say("that's all")
        summary = await say("skip")
        assert "Please check your request" in summary and "2 × Ceramic mug" in summary
        assert "is filed" in await say("yes")
        [claim] = await claims(uow_factory)
        assert claim.type == "RETURN_AND_REFUND" and claim.reason == "DAMAGED"
        assert len(claim.photos) == 1
        assert await conversation(uow_factory, alex.id) is None or (
            (await conversation(uow_factory, alex.id)).step is None  # type: ignore[union-attr]
        )
    finally:
        await process.stop()
