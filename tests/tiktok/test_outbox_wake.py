"""A TikTok webhook's notice reaches the buyer at once, not at the outbox worker's next
idle look: the commit that queued it wakes the running bot's worker."""

from __future__ import annotations

import asyncio
import socket
import time
from pathlib import Path

import aiohttp
import pytest
from pydantic import SecretStr
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.app import App, BotRunner
from bot.clock import FakeClock
from bot.config import Settings
from bot.emulator import TelegramEmulator
from bot.emulator.tiktok import TikTokEmulator, tiktok_order
from bot.services.outbox import QUEUE as OUTBOX_QUEUE
from bot.services.outbox import OutboxWorker
from storage.uow import UnitOfWorkFactory
from tests.factories import make_shop
from tests.tiktok.conftest import APP_KEY, APP_SECRET, World
from tests.tiktok.helpers import link_buyer, order

TOKEN = "4747474747:tiktok-wake-test-token"
NUMBER = "576000000000000901"
BUYER = 515_151


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def _until_serving(url: str) -> None:
    deadline = time.monotonic() + 20
    async with aiohttp.ClientSession() as session:
        while True:
            try:
                async with session.get(url + "/health") as response:
                    if response.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            assert time.monotonic() < deadline, "the bot's HTTP server never answered"
            await asyncio.sleep(0.05)


async def test_a_webhook_s_notice_is_sent_without_waiting_for_the_worker_s_idle_look(
    engine: AsyncEngine,
    uow_factory: UnitOfWorkFactory,
    clock: FakeClock,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The worker idles for an hour between looks: only a wake-up can send the notice
    # within the test's few seconds.
    idle = OutboxWorker.run_forever

    async def idle_an_hour(self: OutboxWorker, idle_seconds: float = 1.0) -> None:
        await idle(self, idle_seconds=3600.0)

    monkeypatch.setattr(OutboxWorker, "run_forever", idle_an_hour)
    tiktok = await TikTokEmulator(app_key=APP_KEY, app_secret=APP_SECRET, now=clock.now).start()
    port = _free_port()
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        database_url="sqlite+aiosqlite://",  # unused: the app below gets the test's engine
        media_dir=tmp_path / "media",
        knowledge_index=tmp_path / "knowledge-index.json",  # not the repository's data/
        link_secret=SecretStr("wake-test-link-secret-0123456789"),
        http_port=port,
        tiktok_app_key=APP_KEY,
        tiktok_app_secret=SecretStr(APP_SECRET),
        tiktok_api_url=tiktok.url,
        tiktok_auth_url=tiktok.url,
    )
    app = App(settings=settings, engine=engine, uow=uow_factory, clock=clock)
    em_shop = tiktok.state.add_shop("Acme on TikTok")
    await make_shop(uow_factory, clock)
    service = app.tiktok()
    assert service is not None
    await service.connector.auth.connect(tiktok.state.authorize(em_shop.id), shop_code="acme")
    tiktok.state.put_order(em_shop.id, tiktok_order(NUMBER))
    try:
        async with TelegramEmulator(token=TOKEN, bot_username="shop_support_test_bot") as emu:
            runner = await BotRunner.create(app, token=TOKEN, api_url=emu.base_url)
            await runner.start()
            try:
                await _until_serving(f"http://127.0.0.1:{port}")
                hook = f"http://127.0.0.1:{port}/hooks/tiktok"
                assert (
                    await tiktok.send_webhook(
                        hook, "ORDER_STATUS_CHANGE", em_shop.id, {"order_id": NUMBER}
                    )
                    == 200
                )
                stored = await order(uow_factory, NUMBER)
                assert stored is not None
                await link_buyer(uow_factory, clock, stored.id, BUYER)
                buyer = emu.user(BUYER, "Jane")
                await buyer.send("/start")
                await buyer.wait_message(10)  # the bot's greeting

                # The seller ships on TikTok; TikTok tells the bot; the buyer hears.
                tiktok.state.put_order(
                    em_shop.id, tiktok_order(NUMBER, status="IN_TRANSIT", tracking_number="1Z9")
                )
                assert (
                    await tiktok.send_webhook(
                        hook, "ORDER_STATUS_CHANGE", em_shop.id, {"order_id": NUMBER}
                    )
                    == 200
                )
                told = await buyer.wait_message(10)
                assert NUMBER in told["text"]
            finally:
                await runner.stop()
            emu.assert_no_rejections()
    finally:
        await tiktok.stop()


async def test_the_connector_wakes_the_outbox_only_when_it_queued_a_notice(
    world: World, uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    await world.connect()
    state = world.tiktok.state
    woken: list[None] = []
    # What the running outbox worker listens to: commits that queued a notification.
    uow_factory.after_commit.subscribe(OUTBOX_QUEUE, lambda: woken.append(None))
    state.put_order(world.em_shop.id, tiktok_order(NUMBER))
    body = world.tiktok.webhook_body("ORDER_STATUS_CHANGE", world.em_shop.id, {"order_id": NUMBER})
    assert await world.tiktok.post_webhook(world.hook_url, body) == 200
    assert woken == []  # a new order nobody is linked to: nothing queued
    stored = await order(uow_factory, NUMBER)
    assert stored is not None
    await link_buyer(uow_factory, clock, stored.id, BUYER)

    state.put_order(world.em_shop.id, tiktok_order(NUMBER, status="IN_TRANSIT"))
    body = world.tiktok.webhook_body("ORDER_STATUS_CHANGE", world.em_shop.id, {"order_id": NUMBER})
    assert await world.tiktok.post_webhook(world.hook_url, body) == 200
    assert len(woken) == 1
    assert await world.tiktok.post_webhook(world.hook_url, body) == 200  # a replay
    assert len(woken) == 1  # told nobody again, so no wake either
