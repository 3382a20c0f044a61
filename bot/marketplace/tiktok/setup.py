"""Building the TikTok connector from settings, and its periodic task."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.clock import Clock
from bot.config import Settings
from bot.marketplace.tiktok.auth import TikTokAuth
from bot.marketplace.tiktok.client import TikTokClient
from bot.marketplace.tiktok.connector import AfterSalesInbox, TikTokConnector
from bot.marketplace.tiktok.inbox import ClaimsInbox, MarketplaceClaimsPort
from bot.services.marketplace import MarketplaceError
from storage.uow import UnitOfWorkFactory

if TYPE_CHECKING:
    from aiohttp import web

    from bot.app import App

log = logging.getLogger(__name__)


def configured(settings: Settings) -> bool:
    return bool(settings.tiktok_app_key and settings.tiktok_app_secret)


def build_connector(
    settings: Settings,
    uow_factory: UnitOfWorkFactory,
    clock: Clock,
    *,
    after_sales: AfterSalesInbox | None = None,
) -> TikTokConnector:
    """Raises MarketplaceError (with what to set) when the app is not configured."""
    if not settings.tiktok_app_key or settings.tiktok_app_secret is None:
        raise MarketplaceError(
            "TikTok Shop is not configured: set TIKTOK_APP_KEY and TIKTOK_APP_SECRET"
        )
    client = TikTokClient(
        app_key=settings.tiktok_app_key,
        app_secret=settings.tiktok_app_secret.get_secret_value(),
        api_url=settings.tiktok_api_url,
        auth_url=settings.tiktok_auth_url,
        clock=clock,
    )
    auth = TikTokAuth(
        uow_factory,
        clock,
        client,
        authorize_url=settings.tiktok_authorize_url,
        service_id=settings.tiktok_service_id,
    )
    return TikTokConnector(uow_factory, clock, auth, after_sales=after_sales)


class TikTokSyncTask:
    """Every `interval` seconds: refresh tokens that expire soon (warning sellers of
    authorisations about to end), then sync every connected shop, repairing whatever
    webhooks were missed.  One failing pass is logged; the next one tries again."""

    def __init__(self, connector: TikTokConnector, *, interval: float = 900.0) -> None:
        self.connector = connector
        self.interval = interval

    async def run_once(self) -> int:
        await self.connector.auth.refresh_due()
        return await self.connector.sync_all()

    async def run_forever(self) -> None:
        while True:
            try:
                await self.run_once()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("tiktok sync pass failed")
            await asyncio.sleep(self.interval)


@dataclass
class TikTokService:
    """What the running bot holds for TikTok Shop: the connector, its periodic task,
    and the routes the shared HTTP server mounts."""

    connector: TikTokConnector
    task: TikTokSyncTask
    app_key: str
    app_secret: str

    def routes(self) -> list[web.RouteDef]:
        from bot.marketplace.tiktok.hooks import routes

        return routes(self.connector, app_key=self.app_key, app_secret=self.app_secret)

    def tasks(self) -> list[asyncio.Task[None]]:
        return [asyncio.create_task(self.task.run_forever(), name="tiktok-sync")]

    async def close(self) -> None:
        await self.connector.auth.client.close()


def tiktok_service(
    app: App, *, claims: Callable[[], MarketplaceClaimsPort] | None = None
) -> TikTokService | None:
    """The bot's TikTok Shop side, or None when TIKTOK_APP_KEY / TIKTOK_APP_SECRET are
    unset (the bot then runs without it).  `claims` builds the core's marketplace-
    claims service that TikTok's returns and cancellations are handed to."""
    settings = app.settings
    if not settings.tiktok_app_key or settings.tiktok_app_secret is None:
        return None
    connector = build_connector(settings, app.uow, app.clock)
    if claims is not None:
        connector.after_sales = ClaimsInbox(claims, connector, app.uow)
    task = TikTokSyncTask(connector, interval=settings.tiktok_sync_minutes * 60.0)
    return TikTokService(
        connector, task, settings.tiktok_app_key, settings.tiktok_app_secret.get_secret_value()
    )
