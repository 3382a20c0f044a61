"""Handing TikTok's returns and cancellations to the core's marketplace claims.

The core's service (`MarketplaceClaims` on the claims side) takes one record at a time
by shop code, with a way to fetch the return's photos; this adapter gives it the
connector's `photo` download and keeps one bad record (an order TikTok never sent, a
status the core does not take) from stopping the others: it is logged, and the next
sync offers it again.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, Protocol

from bot.domain.errors import OrderNotFound, ShopNotFound
from bot.services.marketplace import CancellationRecord, ReturnRecord
from storage.uow import UnitOfWorkFactory

log = logging.getLogger(__name__)

FetchPhoto = Callable[[str], Awaitable[bytes]]


class MarketplaceClaimsPort(Protocol):
    """What the core's marketplace-claims service offers (idempotent upserts)."""

    async def upsert_return(
        self, shop_code: str, record: ReturnRecord, photos: FetchPhoto
    ) -> Any: ...

    async def upsert_cancellation(self, shop_code: str, record: CancellationRecord) -> Any: ...


class PhotoSource(Protocol):
    async def photo(self, shop_id: int, url: str) -> bytes: ...


class ClaimsInbox:
    """An `AfterSalesInbox` over the core's marketplace-claims service."""

    def __init__(
        self,
        claims: Callable[[], MarketplaceClaimsPort],
        photos: PhotoSource,
        uow_factory: UnitOfWorkFactory,
    ) -> None:
        # Built at the first record: the claims service loads the photo checks
        # (Pillow), which commands that never see a return should not pay for.
        self._make_claims = claims
        self._built: MarketplaceClaimsPort | None = None
        self._photos = photos
        self._uow = uow_factory

    @property
    def _claims(self) -> MarketplaceClaimsPort:
        if self._built is None:
            self._built = self._make_claims()
        return self._built

    async def _shop_code(self, shop_id: int) -> str | None:
        async with self._uow(readonly=True) as uow:
            shop = await uow.shops.get(shop_id)
        return shop.code if shop is not None else None

    async def returns_changed(self, shop_id: int, records: Sequence[ReturnRecord]) -> None:
        code = await self._shop_code(shop_id)
        if code is None:
            return

        async def fetch(url: str) -> bytes:
            return await self._photos.photo(shop_id, url)

        for record in records:
            try:
                await self._claims.upsert_return(code, record, fetch)
            except (OrderNotFound, ShopNotFound, ValueError) as exc:
                log.warning(
                    "tiktok return not taken",
                    extra={"return": record.external_id, "why": type(exc).__name__},
                )

    async def cancellations_changed(
        self, shop_id: int, records: Sequence[CancellationRecord]
    ) -> None:
        code = await self._shop_code(shop_id)
        if code is None:
            return
        for record in records:
            try:
                await self._claims.upsert_cancellation(code, record)
            except (OrderNotFound, ShopNotFound, ValueError) as exc:
                log.warning(
                    "tiktok cancellation not taken",
                    extra={"cancel": record.external_id, "why": type(exc).__name__},
                )
