"""Building the TikTok connector from settings, and its periodic task."""

from __future__ import annotations

import asyncio
import logging

from bot.clock import Clock
from bot.config import Settings
from bot.marketplace.tiktok.auth import TikTokAuth
from bot.marketplace.tiktok.client import TikTokClient
from bot.marketplace.tiktok.connector import AfterSalesInbox, TikTokConnector
from bot.services.marketplace import MarketplaceError
from storage.uow import UnitOfWorkFactory

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
