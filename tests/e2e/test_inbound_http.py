"""The running bot's one HTTP server: while polling it listens only when a shop set a
hook secret; an AfterShip update that arrives there reaches the buyer in Telegram
through the outbox, like an import's change.  In webhook mode the same server answers
Telegram, the hooks and /health on one port."""

from __future__ import annotations

import json
import socket

import aiohttp
import pytest
from pydantic import SecretStr

from bot.app import App
from bot.clock import FakeClock
from bot.emulator import TelegramEmulator
from storage.uow import UnitOfWorkFactory
from tests.e2e.conftest import BotProcess
from tests.factories import make_order
from tests.hook_client import AFTERSHIP_SECRET, aftership_signature, link_buyer, shop_with_secrets

TRACKING = "1Z999AA10123456784"
DELIVERED = {
    "event": "tracking_update",
    "event_id": "evt-e2e-1",
    "msg": {
        "tracking_number": TRACKING,
        "slug": "ups",
        "tag": "Delivered",
        "checkpoints": [
            {
                "checkpoint_time": "2026-01-15T11:00:00Z",
                "tag": "Delivered",
                "message": "Delivered, front door",
                "location": "Memphis, TN",
            }
        ],
    },
}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def status_of(
    url: str, *, body: bytes | None = None, headers: dict[str, str] | None = None
) -> int:
    async with aiohttp.ClientSession() as http:
        if body is None:
            async with http.get(url) as response:
                return response.status
        async with http.post(url, data=body, headers=headers or {}) as response:
            return response.status


async def test_polling_without_hook_secrets_listens_nowhere(
    app: App, emulator: TelegramEmulator
) -> None:
    port = free_port()
    app.settings.http_port = port
    process = BotProcess(app, emulator)
    runner = await process.start()
    try:
        assert runner.http is None
        with pytest.raises(aiohttp.ClientConnectionError):
            await status_of(f"http://127.0.0.1:{port}/health")
    finally:
        await process.stop()


@pytest.mark.parametrize("mode", ["polling", "webhook"])
async def test_an_aftership_update_reaches_the_buyer_in_telegram(
    mode: str,
    app: App,
    emulator: TelegramEmulator,
    uow_factory: UnitOfWorkFactory,
    clock: FakeClock,
) -> None:
    order_id = await make_order(uow_factory, clock, status="IN_TRANSIT", tracking=TRACKING)
    alex = emulator.user(1001, "Alex")
    await link_buyer(uow_factory, clock, order_id, external_id=1001)
    await shop_with_secrets(uow_factory, clock)
    port = free_port()
    app.settings.http_port = port
    if mode == "webhook":
        app.settings.webhook_url = "https://bot.shop.example/tg-hook"
        app.settings.webhook_secret = SecretStr("hook-secret-123")
    process = BotProcess(app, emulator)
    runner = await process.start()
    base = f"http://127.0.0.1:{port}"
    try:
        assert runner.http is not None
        if mode == "webhook":
            await emulator.wait_until(lambda: emulator.webhook, timeout=10)
            # Telegram's route is on the same port, still refusing a missing secret.
            assert await status_of(base + "/tg-hook", body=b"{}") == 401
        await alex.send("/start")  # a chat with the bot, as a linked buyer has
        if mode == "polling":
            assert "Alex" in (await alex.wait_message(timeout=30))["text"]
        assert await status_of(base + "/health") == 200
        body = json.dumps(DELIVERED).encode()
        signed = {"aftership-hmac-sha256": aftership_signature(AFTERSHIP_SECRET, body)}
        assert await status_of(base + "/hooks/aftership/acme", body=body, headers=signed) == 200
        await process.flush_outbox()
        message = await alex.wait_message(timeout=30)
        assert "578000000000000001" in message["text"] and "Delivered" in message["text"]
    finally:
        await process.stop()
