"""The TikTok Shop connector: webhook events, reconciliation and the `AfterSales` port.

Orders reach the store one way only, whatever told the bot about them (a webhook, the
periodic sync, the first connect's back-fill): the order is fetched from TikTok,
validated by the import's own rules (`mapping.order_from_tiktok`) and written by the
import's `OrderWriter`, with `notify_order_change` in the same transaction, so a linked
buyer hears about a marketplace order exactly as about an imported one.

Replays need no table: an event only says *what* changed, the connector fetches the
current state, and writing a state the store already has changes nothing and tells
nobody (the writer reports the order unchanged; notices carry dedupe keys).

Returns and cancellations are mapped to `ReturnRecord` / `CancellationRecord` and
handed to the core's `AfterSalesInbox`, which owns claims.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from bot.clock import Clock
from bot.domain.enums import ClaimStatus, ClaimType
from bot.marketplace.tiktok import store
from bot.marketplace.tiktok.auth import TikTokAuth
from bot.marketplace.tiktok.client import NOT_FOUND, STATUS_NOT_ALLOWED, TikTokApiError
from bot.marketplace.tiktok.mapping import (
    MappingError,
    cancellation_from_tiktok,
    order_from_tiktok,
    return_from_tiktok,
    tracking_events,
    tracking_numbers,
)
from bot.services.marketplace import (
    TIKTOK,
    CancellationRecord,
    DecisionRefused,
    MarketplaceError,
    NotConnected,
    RejectReason,
    ReturnRecord,
)
from bot.services.notifications import notify_order_change
from storage.importers.records import OrderRecord, TrackingEventRecord
from storage.importers.writer import OrderWriter
from storage.models import Order
from storage.uow import UnitOfWorkFactory

log = logging.getLogger(__name__)

PAGE_SIZE = 50
BACKFILL = timedelta(days=30)
# A sync starts this much before the last one ended: TikTok's search index may lag a
# little behind its updates, and writing an order twice changes nothing.
SYNC_OVERLAP = timedelta(minutes=10)
# Orders whose checkpoints are fetched with them: parcels on their way, and those
# delivered within TRACKING_AFTER_DELIVERY (the last scan, "delivered to the porch").
TRACKED_STATUSES = frozenset({"AWAITING_COLLECTION", "PARTIALLY_SHIPPING", "IN_TRANSIT"})
DONE_STATUSES = frozenset({"DELIVERED", "COMPLETED"})
TRACKING_AFTER_DELIVERY = timedelta(days=3)
ORDERS_PATH = "/order/202309/orders"
RETURNS_PATH = "/return_refund/202309/returns"
CANCELLATIONS_PATH = "/return_refund/202309/cancellations"
TRACKING_PATH = "/fulfillment/202309/orders/{order_id}/tracking"

# TikTok's webhook `type` numbers.
EVENT_TYPES = {
    1: "ORDER_STATUS_CHANGE",
    3: "RECIPIENT_ADDRESS_UPDATE",
    4: "PACKAGE_UPDATE",
    6: "SELLER_DEAUTHORIZATION",
    7: "UPCOMING_AUTHORIZATION_EXPIRATION",
    11: "CANCELLATION_STATUS_CHANGE",
    12: "RETURN_STATUS_CHANGE",
}
ORDER_EVENTS = frozenset({"ORDER_STATUS_CHANGE", "RECIPIENT_ADDRESS_UPDATE", "PACKAGE_UPDATE"})

Progress = Callable[[str, int, int], None]  # (what, done, total)


class AfterSalesInbox(Protocol):
    """The core's side: turns marketplace returns and cancellations into claims and
    cancellation requests (idempotent: the same record twice changes nothing)."""

    async def returns_changed(self, shop_id: int, records: Sequence[ReturnRecord]) -> None: ...

    async def cancellations_changed(
        self, shop_id: int, records: Sequence[CancellationRecord]
    ) -> None: ...


class EventRefused(MarketplaceError):
    """A webhook event the bot cannot use (unknown shop, missing ids)."""


@dataclass
class WriteResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    refused: int = 0  # failed the import's validation (logged)
    notified: int = 0
    # Orders whose parcel's checkpoints TikTok could not give this time: the write
    # then does not count as bringing the shop's tracking up to date.
    tracking_missed: int = 0

    def add(self, other: WriteResult) -> None:
        self.created += other.created
        self.updated += other.updated
        self.unchanged += other.unchanged
        self.refused += other.refused
        self.notified += other.notified
        self.tracking_missed += other.tracking_missed


@dataclass
class SyncReport:
    since: datetime
    until: datetime
    orders: WriteResult = field(default_factory=WriteResult)
    returns: int = 0
    cancellations: int = 0

    def __str__(self) -> str:
        o = self.orders
        return (
            f"orders: {o.created} new, {o.updated} updated, {o.unchanged} unchanged"
            + (f", {o.refused} refused (see the log)" if o.refused else "")
            + f"; buyers notified: {o.notified}; returns: {self.returns};"
            f" cancellations: {self.cancellations}"
        )


def _ts(moment: datetime) -> int:
    return int(moment.timestamp())


def _unix(raw: object) -> datetime | None:
    """TikTok's Unix seconds (a number or a string of one), or None."""
    if isinstance(raw, bool) or not isinstance(raw, int | str) or not str(raw).isdigit():
        return None
    try:
        return datetime.fromtimestamp(int(raw), tz=UTC)
    except (OverflowError, OSError, ValueError):
        return None


class TikTokConnector:
    marketplace = TIKTOK

    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        clock: Clock,
        auth: TikTokAuth,
        *,
        after_sales: AfterSalesInbox | None = None,
    ) -> None:
        self._uow = uow_factory
        self._clock = clock
        self.auth = auth
        self.after_sales = after_sales

    # ------------------------------------------------------------------ writing

    async def write_orders(self, shop_id: int, orders: Sequence[dict[str, Any]]) -> WriteResult:
        """Validate and write TikTok orders in one transaction, telling linked buyers
        (of a new checkpoint too: parcels on their way have theirs fetched first)."""
        result = WriteResult()
        records: list[OrderRecord] = []
        for raw in orders:
            events = await self._tracking(shop_id, raw)
            if events is None:
                result.tracking_missed += 1
            record, problems = order_from_tiktok(raw, events or ())
            if record is None:
                result.refused += 1
                log.warning(
                    "tiktok order refused",
                    extra={"order": str(raw.get("id")), "problems": [str(p) for p in problems]},
                )
            else:
                records.append(record)
        if not records:
            return result
        try:
            writer = await self._write(shop_id, records, result)
        except IntegrityError:
            # Two events for the same new order at once (PostgreSQL): the other one
            # inserted it first; written again, it is an update like any other.
            result.notified = 0
            writer = await self._write(shop_id, records, result)
        result.created = writer.counts.orders_created
        result.updated = writer.counts.orders_updated
        result.unchanged = writer.counts.orders_unchanged
        return result

    async def _write(
        self, shop_id: int, records: list[OrderRecord], result: WriteResult
    ) -> OrderWriter:
        now = self._clock.now()
        async with self._uow() as uow:
            writer = OrderWriter(
                uow.session, shop_id=shop_id, run_id=str(uuid.uuid4()), clock=self._clock
            )
            outcome = await writer.write(records)
            for change in outcome.changes:
                result.notified += await notify_order_change(uow, change, now)
            if not result.tracking_missed:
                await uow.shops.mark_tracking_updated(shop_id, now)
            await uow.commit()
        return writer

    async def _tracking(
        self, shop_id: int, raw: dict[str, Any]
    ) -> tuple[TrackingEventRecord, ...] | None:
        """The checkpoints of an order whose parcel is on its way (or was delivered
        lately): one call per such order, so a back-fill of old delivered orders costs
        nothing extra.  When TikTok cannot say (None), the order is written without them
        (its status still counts); a lost authorisation still stops the write."""
        if not tracking_numbers(raw):
            return ()
        status = raw.get("status")
        delivered = _unix(raw.get("delivery_time"))
        recent = delivered is not None and self._clock.now() - delivered <= TRACKING_AFTER_DELIVERY
        if status not in TRACKED_STATUSES and not (status in DONE_STATUSES and recent):
            return ()
        order_id = str(raw.get("id") or "")
        try:
            data = await self.auth.call(shop_id, "GET", TRACKING_PATH.format(order_id=order_id))
        except NotConnected:
            raise
        except MarketplaceError as exc:
            log.warning("tiktok tracking not fetched", extra={"order": order_id, "why": str(exc)})
            return None
        return tracking_events(data.get("tracking"))

    async def fetch_orders(self, shop_id: int, order_ids: Sequence[str]) -> list[dict[str, Any]]:
        data = await self.auth.call(shop_id, "GET", ORDERS_PATH, query={"ids": ",".join(order_ids)})
        return [o for o in data.get("orders") or [] if isinstance(o, dict)]

    async def refresh_orders(self, shop_id: int, order_ids: Sequence[str]) -> WriteResult:
        return await self.write_orders(shop_id, await self.fetch_orders(shop_id, order_ids))

    # ----------------------------------------------------------------- webhooks

    async def handle_event(self, event: dict[str, Any]) -> str:
        """Apply one verified webhook event; returns what was done (for the log)."""
        kind = event.get("type")
        name = EVENT_TYPES.get(kind) if isinstance(kind, int) else kind
        raw_data = event.get("data")
        data: dict[str, Any] = raw_data if isinstance(raw_data, dict) else {}
        external_shop = str(event.get("shop_id") or "")
        async with self._uow(readonly=True) as uow:
            conn = await store.by_external_shop(uow, external_shop) if external_shop else None
        if conn is None:
            raise EventRefused("the event is for a shop that is not connected")
        shop_id = conn.shop_id
        if name == "SELLER_DEAUTHORIZATION":
            ended = await self.auth.lose(shop_id, "revoked")
            return "deauthorized" if ended else "already deauthorized"
        if conn.status != "active":
            return f"ignored: connection {conn.status}"
        if name == "UPCOMING_AUTHORIZATION_EXPIRATION":
            at = _unix(data.get("expiration_time")) or conn.refresh_expires_at or self._clock.now()
            await self.auth.warn_expiring(shop_id, at)
            return "sellers warned"
        if name in ORDER_EVENTS:
            order_id = str(data.get("order_id") or "")
            if not order_id:
                raise EventRefused("the order event has no order_id")
            result = await self.refresh_orders(shop_id, [order_id])
            return f"order written ({result.created} new, {result.updated} updated)"
        if name == "RETURN_STATUS_CHANGE":
            return_id = str(data.get("return_id") or "")
            if not return_id:
                raise EventRefused("the return event has no return_id")
            returns = await self._search_returns(shop_id, {"return_ids": [return_id]})
            await self._hand_returns(shop_id, returns)
            return f"{len(returns)} return(s) handed on"
        if name == "CANCELLATION_STATUS_CHANGE":
            cancel_id = str(data.get("cancel_id") or "")
            order_id = str(data.get("order_id") or "")
            if order_id:
                await self.refresh_orders(shop_id, [order_id])
            if not cancel_id:
                return "order refreshed"
            cancels = await self._search_cancellations(shop_id, {"cancel_ids": [cancel_id]})
            await self._hand_cancellations(shop_id, cancels)
            return f"{len(cancels)} cancellation(s) handed on"
        return f"ignored: event type {kind!r}"

    # --------------------------------------------------------------------- sync

    async def sync(
        self,
        shop_id: int,
        *,
        since: datetime | None = None,
        progress: Progress | None = None,
    ) -> SyncReport:
        """Fetch everything TikTok updated since `since` (default: where the last sync
        ended, minus an overlap; a first sync goes back BACKFILL), write it, and move
        the connection's `synced_until` on.  Each page is its own transaction."""
        now = self._clock.now()
        async with self._uow(readonly=True) as uow:
            conn = await store.by_shop(uow, shop_id)
        if since is None:
            since = (
                (conn.synced_until - SYNC_OVERLAP) if conn and conn.synced_until else now - BACKFILL
            )
        if since.tzinfo is None:
            since = since.replace(tzinfo=UTC)
        report = SyncReport(since=since, until=now)
        # `lt` one second on: what changed in this very second is included now.
        window = {"update_time_ge": _ts(since), "update_time_lt": _ts(now) + 1}
        done = 0
        async for page, total in self._pages(shop_id, f"{ORDERS_PATH}/search", window, "orders"):
            report.orders.add(await self.write_orders(shop_id, page))
            done += len(page)
            if progress:
                progress("orders", done, total)
        returns = await self._search_returns(shop_id, window, progress)
        await self._hand_returns(shop_id, returns)
        report.returns = len(returns)
        cancels = await self._search_cancellations(shop_id, window, progress)
        await self._hand_cancellations(shop_id, cancels)
        report.cancellations = len(cancels)
        async with self._uow() as uow:
            conn = await store.by_shop(uow, shop_id)
            if conn is not None and (conn.synced_until is None or conn.synced_until < now):
                conn.synced_until = now
                conn.updated_at = now
            if not report.orders.tracking_missed:
                # Everything TikTok changed until `now` is written, even if nothing did:
                # the shop's tracking is fresh (delivery care's silence is news again).
                await uow.shops.mark_tracking_updated(shop_id, now)
            await uow.commit()
        log.info(
            "tiktok sync done",
            extra={
                "shop_id": shop_id,
                "created": report.orders.created,
                "updated": report.orders.updated,
                "returns": report.returns,
            },
        )
        return report

    async def sync_all(self) -> int:
        """Sync every active connection (the periodic task).  Returns how many ran."""
        async with self._uow(readonly=True) as uow:
            shop_ids = [conn.shop_id for conn in await store.active(uow)]
        ran = 0
        for shop_id in shop_ids:
            try:
                await self.sync(shop_id)
                ran += 1
            except MarketplaceError as exc:
                log.warning("tiktok sync failed", extra={"shop_id": shop_id, "why": exc.message})
        return ran

    async def _pages(self, shop_id: int, path: str, body: dict[str, Any], key: str) -> Any:
        token = ""
        while True:
            query: dict[str, str | int] = {"page_size": PAGE_SIZE, "sort_field": "update_time"}
            if token:
                query["page_token"] = token
            data = await self.auth.call(shop_id, "POST", path, query=query, body=body)
            items = [x for x in data.get(key) or [] if isinstance(x, dict)]
            total = data.get("total_count")
            yield items, total if isinstance(total, int) else len(items)
            token = str(data.get("next_page_token") or "")
            if not token or not items:
                return

    async def _search_returns(
        self, shop_id: int, body: dict[str, Any], progress: Progress | None = None
    ) -> list[ReturnRecord]:
        found: list[ReturnRecord] = []
        async for page, total in self._pages(
            shop_id, f"{RETURNS_PATH}/search", body, "return_orders"
        ):
            for raw in page:
                try:
                    found.append(return_from_tiktok(raw))
                except MappingError as exc:
                    log.warning(
                        "tiktok return refused",
                        extra={"return": str(raw.get("return_id")), "why": str(exc)},
                    )
            if progress:
                progress("returns", len(found), total)
        return found

    async def _search_cancellations(
        self, shop_id: int, body: dict[str, Any], progress: Progress | None = None
    ) -> list[CancellationRecord]:
        found: list[CancellationRecord] = []
        path = f"{CANCELLATIONS_PATH}/search"
        async for page, total in self._pages(shop_id, path, body, "cancellations"):
            for raw in page:
                try:
                    found.append(cancellation_from_tiktok(raw))
                except MappingError as exc:
                    log.warning(
                        "tiktok cancellation refused",
                        extra={"cancel": str(raw.get("cancel_id")), "why": str(exc)},
                    )
            if progress:
                progress("cancellations", len(found), total)
        return found

    async def _ensure_orders(self, shop_id: int, numbers: set[str]) -> None:
        """Fetch the orders of returns or cancellations that the store does not have
        yet (older than the sync window, or their event came first): a claim needs its
        order."""
        async with self._uow(readonly=True) as uow:
            known = set(
                await uow.session.scalars(
                    select(Order.order_number).where(
                        Order.shop_id == shop_id, Order.order_number.in_(numbers)
                    )
                )
            )
        missing = sorted(numbers - known)
        for start in range(0, len(missing), 50):  # TikTok's limit per order query
            await self.refresh_orders(shop_id, missing[start : start + 50])

    async def _hand_returns(self, shop_id: int, records: list[ReturnRecord]) -> None:
        if not records:
            return
        if self.after_sales is None:
            log.warning("tiktok returns not handed on: no after-sales inbox wired")
            return
        await self._ensure_orders(shop_id, {r.order_number for r in records})
        await self.after_sales.returns_changed(shop_id, records)

    async def _hand_cancellations(self, shop_id: int, records: list[CancellationRecord]) -> None:
        if not records:
            return
        if self.after_sales is None:
            log.warning("tiktok cancellations not handed on: no after-sales inbox wired")
            return
        await self._ensure_orders(shop_id, {r.order_number for r in records})
        await self.after_sales.cancellations_changed(shop_id, records)

    # --------------------------------------------------------- AfterSales port

    async def reject_reasons(self, shop_id: int, external_id: str) -> list[RejectReason]:
        data = await self.auth.call(
            shop_id,
            "GET",
            "/return_refund/202309/reject_reasons",
            query={"return_or_cancel_id": external_id, "locale": "en-US"},
        )
        return [
            RejectReason(str(r.get("name")), str(r.get("text") or r.get("name")))
            for r in data.get("reasons") or []
            if isinstance(r, dict) and r.get("name")
        ]

    async def _return(self, shop_id: int, external_id: str) -> ReturnRecord:
        found = await self._search_returns(shop_id, {"return_ids": [external_id]})
        if not found:
            raise DecisionRefused(
                f"TikTok Shop has no return {external_id}",
                key="no_return",
                params={"id": external_id},
            )
        return found[0]

    async def _decide(
        self, shop_id: int, path: str, body: dict[str, Any], current: Callable[[], Any]
    ) -> None:
        try:
            await self.auth.call(shop_id, "POST", path, body=body)
        except TikTokApiError as exc:
            if exc.code not in (STATUS_NOT_ALLOWED, NOT_FOUND):
                raise
            status = await current()
            raise DecisionRefused(
                f"TikTok Shop did not accept the decision: {exc.api_message}",
                status=status,
                params={"detail": exc.api_message},
            ) from None

    async def _return_status(self, shop_id: int, external_id: str) -> ClaimStatus | None:
        found = await self._search_returns(shop_id, {"return_ids": [external_id]})
        return found[0].status if found else None

    async def approve_return(self, shop_id: int, external_id: str) -> None:
        record = await self._return(shop_id, external_id)
        decision = {
            ClaimType.REFUND: "APPROVE_REFUND",
            ClaimType.RETURN_AND_REFUND: "APPROVE_RETURN",
            ClaimType.REPLACEMENT: "APPROVE_REPLACEMENT",
        }[record.type]
        await self._decide(
            shop_id,
            f"{RETURNS_PATH}/{external_id}/approve",
            {"decision": decision},
            lambda: self._return_status(shop_id, external_id),
        )

    async def reject_return(
        self, shop_id: int, external_id: str, reason: str, note: str | None
    ) -> None:
        record = await self._return(shop_id, external_id)
        decision = {
            ClaimType.REFUND: "REJECT_REFUND",
            ClaimType.RETURN_AND_REFUND: "REJECT_RETURN",
            ClaimType.REPLACEMENT: "REJECT_REPLACEMENT",
        }[record.type]
        body: dict[str, Any] = {"decision": decision, "reject_reason": reason}
        if note:
            body["comment"] = note
        await self._decide(
            shop_id,
            f"{RETURNS_PATH}/{external_id}/reject",
            body,
            lambda: self._return_status(shop_id, external_id),
        )

    async def _cancel_status(self, shop_id: int, external_id: str) -> None:
        """A refused cancellation decision: the request is brought to TikTok's state at
        once, through the same inbox as a webhook or a sync (cancellations carry no
        claim status for `DecisionRefused` to hold), so it matches TikTok by the time
        the seller reads the refusal."""
        found = await self._search_cancellations(shop_id, {"cancel_ids": [external_id]})
        await self._hand_cancellations(shop_id, found)

    async def approve_cancellation(self, shop_id: int, external_id: str) -> None:
        await self._decide(
            shop_id,
            f"{CANCELLATIONS_PATH}/{external_id}/approve",
            {},
            lambda: self._cancel_status(shop_id, external_id),
        )

    async def reject_cancellation(
        self, shop_id: int, external_id: str, reason: str, note: str | None
    ) -> None:
        body: dict[str, Any] = {"reject_reason": reason}
        if note:
            body["comment"] = note
        await self._decide(
            shop_id,
            f"{CANCELLATIONS_PATH}/{external_id}/reject",
            body,
            lambda: self._cancel_status(shop_id, external_id),
        )

    async def photo(self, shop_id: int, url: str) -> bytes:
        if not url.startswith(("https://", "http://")):
            raise MarketplaceError(
                "the photo's address is not a web address", key="bad_photo_address"
            )
        await self.auth.access(shop_id)  # NotConnected for a shop without access
        return await self.auth.client.download(url)
