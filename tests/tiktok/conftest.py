"""The real TikTok client and connector against the TikTok Shop emulator over HTTP,
on the real store; the connector's routes on a local aiohttp server."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field

import pytest

from bot.clock import FakeClock
from bot.emulator.tiktok import TikTokEmulator
from bot.emulator.tiktok.state import EmShop
from bot.marketplace.tiktok.auth import TikTokAuth
from bot.marketplace.tiktok.client import TikTokClient
from bot.marketplace.tiktok.connector import TikTokConnector
from bot.marketplace.tiktok.hooks import routes
from bot.services.marketplace import CancellationRecord, ReturnRecord
from bot.web.server import HttpServer
from storage.models import Shop
from storage.uow import UnitOfWorkFactory
from tests.factories import make_shop

APP_KEY = "6abc7test"
APP_SECRET = "e2e-app-secret-0123456789"
SELLER_CHAT = 900_001


@dataclass
class RecordingInbox:
    """The core's after-sales side, as the connector sees it."""

    returns: list[tuple[int, ReturnRecord]] = field(default_factory=list)
    cancellations: list[tuple[int, CancellationRecord]] = field(default_factory=list)

    async def returns_changed(self, shop_id: int, records: Sequence[ReturnRecord]) -> None:
        self.returns += [(shop_id, r) for r in records]

    async def cancellations_changed(
        self, shop_id: int, records: Sequence[CancellationRecord]
    ) -> None:
        self.cancellations += [(shop_id, r) for r in records]


@dataclass
class World:
    tiktok: TikTokEmulator
    connector: TikTokConnector
    inbox: RecordingInbox
    shop_id: int
    em_shop: EmShop
    hook_url: str
    bot_url: str
    sleeps: list[float]

    async def connect(self) -> None:
        code = self.tiktok.state.authorize(self.em_shop.id)
        await self.connector.auth.connect(code, shop_code="acme")


def make_client(clock: FakeClock, url: str, sleeps: list[float]) -> TikTokClient:
    async def sleep(seconds: float) -> None:
        sleeps.append(seconds)

    return TikTokClient(
        app_key=APP_KEY,
        app_secret=APP_SECRET,
        api_url=url,
        auth_url=url,
        clock=clock,
        timeout=1.0,
        sleep=sleep,
    )


@pytest.fixture
async def world(uow_factory: UnitOfWorkFactory, clock: FakeClock) -> AsyncIterator[World]:
    tiktok = await TikTokEmulator(app_key=APP_KEY, app_secret=APP_SECRET, now=clock.now).start()
    em_shop = tiktok.state.add_shop("Acme on TikTok")
    shop_id = await make_shop(uow_factory, clock)
    async with uow_factory() as uow:
        shop = await uow.session.get(Shop, shop_id)
        assert shop is not None
        shop.seller_chat_ids = [SELLER_CHAT]
        await uow.commit()
    sleeps: list[float] = []
    client = make_client(clock, tiktok.url, sleeps)
    auth = TikTokAuth(
        uow_factory, clock, client, authorize_url=tiktok.url + "/open/authorize", service_id="7311"
    )
    inbox = RecordingInbox()
    connector = TikTokConnector(uow_factory, clock, auth, after_sales=inbox)

    # The bot's one HTTP server, as the running bot mounts the connector's routes.
    async def up() -> bool:
        return True

    http = HttpServer("127.0.0.1", 0, health=up)
    http.add_routes(routes(connector, app_key=APP_KEY, app_secret=APP_SECRET))
    await http.start()
    bot_url = f"http://127.0.0.1:{http.port}"
    tiktok.server.redirect_url = bot_url + "/tiktok/callback"
    yield World(
        tiktok, connector, inbox, shop_id, em_shop, bot_url + "/hooks/tiktok", bot_url, sleeps
    )
    await http.stop()
    await client.close()
    await tiktok.stop()
