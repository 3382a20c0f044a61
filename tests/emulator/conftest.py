"""Fixtures for the emulator tests: a started emulator and a raw HTTP client for it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from bot.emulator import TelegramEmulator

TOKEN = "123:TEST"


@pytest.fixture
async def emulator() -> AsyncIterator[TelegramEmulator]:
    emu = TelegramEmulator(token=TOKEN, bot_username="shop_support_bot")
    await emu.start()
    try:
        yield emu
    finally:
        await emu.stop()


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


class RawBot:
    """A bot speaking raw HTTP to the emulator, to test the protocol itself."""

    def __init__(self, session: aiohttp.ClientSession, emulator: TelegramEmulator) -> None:
        self.session = session
        self.emulator = emulator

    def url(self, method: str) -> str:
        return f"{self.emulator.base_url}/bot{TOKEN}/{method}"

    async def call(self, method: str, **params: Any) -> tuple[int, dict[str, Any]]:
        """POST the parameters as a JSON body; (HTTP status, decoded body)."""
        async with self.session.post(self.url(method), json=params) as response:
            return response.status, await response.json()

    async def ok(self, method: str, **params: Any) -> Any:
        """Call a method that must succeed; its result."""
        status, body = await self.call(method, **params)
        assert status == 200 and body["ok"], body
        return body["result"]

    async def refused(self, method: str, **params: Any) -> str:
        """Call a method that must fail with 400; its description."""
        status, body = await self.call(method, **params)
        assert status == 400 and body == {
            "ok": False,
            "error_code": 400,
            "description": body.get("description"),
        }, body
        return str(body["description"])


@pytest.fixture
def raw_bot(http: aiohttp.ClientSession, emulator: TelegramEmulator) -> RawBot:
    return RawBot(http, emulator)
