"""The real python-telegram-bot 22 stack (Application, Updater polling) against the emulator."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, RetryAfter
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot.emulator import TelegramEmulator, sample_jpeg
from tests.emulator.conftest import TOKEN

KEYBOARD = InlineKeyboardMarkup([[InlineKeyboardButton("Refresh", callback_data="refresh")]])


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.message is not None
    await update.message.reply_text("Welcome!", reply_markup=KEYBOARD)


async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.message is not None
    await update.message.reply_text(
        f"<b>Echo:</b> {update.message.text}", parse_mode=ParseMode.HTML, reply_markup=KEYBOARD
    )


async def photo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.message is not None
    file = await update.message.photo[-1].get_file()
    data = await file.download_as_bytearray()
    await update.message.reply_photo(bytes(data), caption="Got it")


async def refresh(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    assert query is not None
    await query.answer("Refreshed")
    await query.edit_message_text("Refreshed ✅")


def build_application(emulator: TelegramEmulator) -> Application[Any, Any, Any, Any, Any, Any]:
    application = (
        Application.builder()
        .token(TOKEN)
        .base_url(f"{emulator.base_url}/bot")
        .base_file_url(f"{emulator.base_url}/file/bot")
        .build()
    )
    application.add_handler(CommandHandler("start", start))
    application.add_handler(MessageHandler(filters.PHOTO, photo))
    application.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, echo))
    application.add_handler(CallbackQueryHandler(refresh, pattern="^refresh$"))
    return application


@pytest.fixture
async def ptb_application(
    emulator: TelegramEmulator,
) -> AsyncIterator[Application[Any, Any, Any, Any, Any, Any]]:
    application = build_application(emulator)
    await application.initialize()
    await application.start()
    assert application.updater is not None
    await application.updater.start_polling(poll_interval=0, timeout=5)
    try:
        yield application
    finally:
        await application.updater.stop()
        await application.stop()
        await application.shutdown()


async def test_echo_bot_replies_and_its_button_works(
    emulator: TelegramEmulator, ptb_application: Application[Any, Any, Any, Any, Any, Any]
) -> None:
    alice = emulator.user(1001, first_name="Alice")
    await alice.send("/start")
    assert (await alice.wait_message(timeout=5))["text"] == "Welcome!"

    await alice.send("where is my order?")
    reply = await alice.wait_message(timeout=5)
    assert reply["text"] == "Echo: where is my order?"
    await alice.press("Refresh")
    assert await alice.wait_callback_answer(timeout=5) == "Refreshed"
    await emulator.wait_until(lambda: alice.messages[-1]["text"] == "Refreshed ✅")
    emulator.assert_no_rejections()
    assert [c.method for c in emulator.bot_calls][:2] == ["getMe", "deleteWebhook"]


async def test_photo_is_downloaded_and_sent_back(
    emulator: TelegramEmulator, ptb_application: Application[Any, Any, Any, Any, Any, Any]
) -> None:
    alice = emulator.user(1001, first_name="Alice")
    data = sample_jpeg(seed="ptb")
    await alice.send_photo(data)
    echoed = await alice.wait_message(timeout=5)
    assert emulator.file_bytes(echoed["photo"][-1]["file_id"]) == data
    emulator.assert_no_rejections()


@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
async def test_ptb_raises_telegram_errors(emulator: TelegramEmulator) -> None:
    application = build_application(emulator)
    async with application:
        bot = application.bot
        with pytest.raises(BadRequest, match="Chat not found"):
            await bot.send_message(4242, "hello?")
        alice = emulator.user(1001)
        await alice.send("hi")
        alice.block_bot()
        with pytest.raises(Forbidden, match="bot was blocked by the user"):
            await bot.send_message(1001, "hello")
        alice.unblock_bot()
        emulator.faults.add(method="sendMessage", kind="429", retry_after=2)
        with pytest.raises(RetryAfter):
            await bot.send_message(1001, "hello")
        sent = await bot.send_message(1001, "finally")
        assert sent.text == "finally"
