"""The real aiogram 3 stack (Bot, AiohttpSession, Dispatcher polling) against the emulator."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from aiogram import Bot, Dispatcher, F, Router
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import TelegramBadRequest, TelegramRetryAfter
from aiogram.filters import CommandStart
from aiogram.types import (
    BufferedInputFile,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
)

from bot.emulator import TelegramEmulator, sample_jpeg
from tests.emulator.conftest import TOKEN


def echo_router() -> Router:
    """An echo bot with an inline button and a photo echo, as a shop bot would wire it."""
    router = Router()
    keyboard = InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text="Refresh", callback_data="refresh")]]
    )

    @router.message(CommandStart())
    async def start(message: Message) -> None:
        await message.answer("Welcome!", reply_markup=keyboard)

    @router.message(F.photo)
    async def photo(message: Message, bot: Bot) -> None:
        assert message.photo is not None
        file = await bot.get_file(message.photo[-1].file_id)
        assert file.file_path is not None
        data = await bot.download_file(file.file_path)
        assert data is not None
        await message.answer_photo(BufferedInputFile(data.read(), "echo.jpg"), caption="Got it")

    @router.message(F.text)
    async def echo(message: Message) -> None:
        await message.answer(
            f"<b>Echo:</b> {message.text}", parse_mode="HTML", reply_markup=keyboard
        )

    @router.callback_query(F.data == "refresh")
    async def refresh(callback: CallbackQuery) -> None:
        await callback.answer("Refreshed")
        assert isinstance(callback.message, Message)
        await callback.message.edit_text("Refreshed ✅")

    return router


@pytest.fixture
async def aiogram_bot(emulator: TelegramEmulator) -> AsyncIterator[Bot]:
    bot = Bot(TOKEN, session=AiohttpSession(api=TelegramAPIServer.from_base(emulator.base_url)))
    dispatcher = Dispatcher()
    dispatcher.include_router(echo_router())
    polling = asyncio.create_task(dispatcher.start_polling(bot, handle_signals=False))
    try:
        yield bot
    finally:
        await dispatcher.stop_polling()
        await asyncio.wait_for(polling, 5)


async def test_echo_bot_replies_and_its_button_works(
    emulator: TelegramEmulator, aiogram_bot: Bot
) -> None:
    alice = emulator.user(1001, first_name="Alice", username="alice")
    await alice.send("/start")
    welcome = await alice.wait_message(timeout=5)
    assert welcome["text"] == "Welcome!"

    await alice.send("where is my order?")
    reply = await alice.wait_message(timeout=5)
    assert reply["text"] == "Echo: where is my order?"
    assert reply["entities"] == [{"type": "bold", "offset": 0, "length": 5}]
    assert reply["reply_markup"]["inline_keyboard"][0][0]["text"] == "Refresh"

    await alice.press("Refresh")
    assert await alice.wait_callback_answer(timeout=5) == "Refreshed"
    edited = await emulator.wait_until(
        lambda: next((m for m in alice.messages if m["text"] == "Refreshed ✅"), None)
    )
    assert edited["message_id"] == reply["message_id"] and "reply_markup" not in edited
    emulator.assert_no_rejections()


async def test_photo_is_downloaded_and_sent_back(
    emulator: TelegramEmulator, aiogram_bot: Bot
) -> None:
    alice = emulator.user(1001, first_name="Alice")
    photo = sample_jpeg(seed="aiogram")
    await alice.send_photo(photo)
    echoed = await alice.wait_message(timeout=5)
    assert echoed["caption"] == "Got it"
    assert emulator.file_bytes(echoed["photo"][-1]["file_id"]) == photo
    assert len(emulator.downloads) == 1
    emulator.assert_no_rejections()


async def test_aiogram_raises_telegram_errors(emulator: TelegramEmulator) -> None:
    async with Bot(
        TOKEN, session=AiohttpSession(api=TelegramAPIServer.from_base(emulator.base_url))
    ) as bot:
        with pytest.raises(TelegramBadRequest, match="chat not found"):
            await bot.send_message(4242, "hello?")
        await emulator.user(1001).send("hi")
        emulator.faults.add(method="sendMessage", kind="429", retry_after=2)
        with pytest.raises(TelegramRetryAfter) as raised:
            await bot.send_message(1001, "hello")
        assert raised.value.retry_after == 2
    assert [r.description for r in emulator.rejections] == ["Bad Request: chat not found"]
