"""Reading and writing a shop's TikTok connection, and telling its sellers about it.

Kept apart from the connector so the queries a connection needs live in one place;
every function works inside the caller's unit of work and never commits.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select

from bot.services.marketplace import TIKTOK
from bot.services.notices import ConnectionEvent, TiktokConnection
from bot.services.outbox import Notification, enqueue
from storage.models import MarketplaceConnection, Shop
from storage.uow import UnitOfWork

NOTICE_KIND = "tiktok_connection"


async def by_shop(uow: UnitOfWork, shop_id: int) -> MarketplaceConnection | None:
    return await uow.session.scalar(
        select(MarketplaceConnection).where(
            MarketplaceConnection.shop_id == shop_id, MarketplaceConnection.marketplace == TIKTOK
        )
    )


async def by_state(uow: UnitOfWork, state: str) -> MarketplaceConnection | None:
    return await uow.session.scalar(
        select(MarketplaceConnection).where(
            MarketplaceConnection.auth_state == state, MarketplaceConnection.marketplace == TIKTOK
        )
    )


async def by_external_shop(uow: UnitOfWork, external_id: str) -> MarketplaceConnection | None:
    return await uow.session.scalar(
        select(MarketplaceConnection).where(
            MarketplaceConnection.external_shop_id == external_id,
            MarketplaceConnection.marketplace == TIKTOK,
        )
    )


async def active(uow: UnitOfWork) -> Sequence[MarketplaceConnection]:
    rows = await uow.session.scalars(
        select(MarketplaceConnection)
        .where(
            MarketplaceConnection.marketplace == TIKTOK, MarketplaceConnection.status == "active"
        )
        .order_by(MarketplaceConnection.id)
    )
    return rows.all()


async def tell_sellers(
    uow: UnitOfWork,
    shop_id: int,
    event: ConnectionEvent,
    *,
    now: datetime,
    key: str,
    at: datetime | None = None,
) -> int:
    """Queue a connection notice (`event`: connected, deauthorized, expiring, expired)
    to every seller of the shop, once per `key`.  Returns how many were queued."""
    shop = await uow.session.get(Shop, shop_id)
    if shop is None:
        return 0
    notice = TiktokConnection(
        shop_id=shop.id, event=event, shop=shop.name, code=shop.code, timezone=shop.timezone, at=at
    )
    queued = 0
    for chat_id in await uow.shops.seller_chat_ids(shop):
        if await enqueue(
            uow,
            Notification(chat_id, notice),
            now=now,
            dedupe_key=f"tiktok:{shop_id}:{key}:{chat_id}",
        ):
            queued += 1
    return queued
