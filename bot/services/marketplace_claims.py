"""Returns and cancellations filed on a marketplace, mirrored into our claims and
cancellation queue (the inbound half of issue 14; decisions go out through
`bot.services.marketplace_decisions`).

A marketplace adapter calls `upsert_return` / `upsert_cancellation` with what the
marketplace reports, as often as it likes: a claim is keyed by (marketplace,
external id), so a replay changes nothing and tells nobody again.  A new claim reaches
the sellers exactly as a chat claim does (the same `claim_new` notification, showing
the marketplace's deadline and its name); a later change made on the marketplace
(approved, rejected, refunded there) moves the claim and tells the buyer when they
linked the order in the chat.  Refunds the marketplace reports are written to the
ledger as already paid (`succeeded`, with the marketplace as the reference): the
refund worker only pays `pending` rows, so we never pay them again.

Photos are fetched before the transaction (network time outside a database lock),
once each: a photo already stored for the claim is known by its URL's key and not
fetched again; a refused one (not an image, too big) or one that could not be fetched
is logged and left out, and never stops the claim.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Awaitable, Callable, Collection
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from urllib.parse import urlsplit

from sqlalchemy.exc import IntegrityError

from bot.clock import Clock
from bot.domain.enums import ActorKind, ClaimStatus, RefundStatus
from bot.domain.errors import OrderNotFound, ShopNotFound
from bot.domain.marketplace import display_name
from bot.domain.returns import MAX_PHOTOS, OPEN, Line, refund_amount
from bot.services.cancellations import MAX_REASON
from bot.services.claim_state import move, tell_buyer
from bot.services.marketplace import CancellationRecord, ReturnRecord
from bot.services.notices import CancelDecided, CancelRequested
from bot.services.notifications import notify_claim_new
from bot.services.outbox import Notification, enqueue
from bot.services.refunds import IdempotencyKeyReused, record_refund, remaining_refundable
from bot.services.returns import BadPhoto, PhotoDraft, ReturnService, new_claim_number
from bot.services.returns import seller_chat_ids as _seller_chat_ids
from storage.media import MediaStore
from storage.models import (
    CancelRequest,
    Claim,
    ClaimEvent,
    ClaimItem,
    Order,
)
from storage.uow import UnitOfWork, UnitOfWorkFactory

log = logging.getLogger(__name__)

FetchPhoto = Callable[[str], Awaitable[bytes]]
CANCEL_STATUSES = ("requested", "approved", "rejected")


@dataclass(frozen=True, slots=True)
class Upserted:
    """What an upsert did: `created` a new claim/request, `changed` its status."""

    id: int
    created: bool
    changed: bool


def photo_key(url: str) -> str:
    """A photo's name across syncs: its URL without the query (marketplaces sign photo
    URLs afresh each time), hashed to fit the column."""
    parts = urlsplit(url)
    return "mp:" + hashlib.sha256(f"{parts.netloc}{parts.path}".encode()).hexdigest()


class MarketplaceClaims:
    def __init__(self, uow: UnitOfWorkFactory, clock: Clock, media: MediaStore) -> None:
        self._uow = uow
        self._clock = clock
        self._media = media
        # Photo checks exactly as for a buyer's photo in the chat.
        self._photos = ReturnService(uow, clock, media)

    # ---------------------------------------------------------------- returns

    async def upsert_return(
        self, shop_code: str, record: ReturnRecord, photos: FetchPhoto
    ) -> Upserted:
        """Create or update the claim the marketplace reports (see the module)."""
        async with self._uow(readonly=True) as uow:
            known = await uow.claims.external_photo_ids(record.marketplace, record.external_id)
        fetched = await self._fetch_photos(record, photos, known)
        try:
            return await self._write_return(shop_code, record, fetched)
        except IntegrityError:
            # The same return written by another sync a moment ago: update that one.
            return await self._write_return(shop_code, record, fetched)

    async def _fetch_photos(
        self, record: ReturnRecord, fetch: FetchPhoto, known: Collection[str | None]
    ) -> list[PhotoDraft]:
        drafts: list[PhotoDraft] = []
        for url in record.photo_urls:
            if len(known) + len(drafts) >= MAX_PHOTOS:
                break
            key = photo_key(url)
            if key in known or key in {d.file_unique_id for d in drafts}:
                continue
            where = {"marketplace": record.marketplace, "return_id": record.external_id}
            try:
                data = await fetch(url)
            except Exception as exc:  # the marketplace's file server: try again next sync
                # The error's type only: its text may carry the URL and its signature.
                error = type(exc).__name__
                log.warning("marketplace photo not fetched", extra={**where, "error": error})
                continue
            try:
                drafts.append(
                    await self._photos.accept_photo(
                        data, file_id=key, file_unique_id=key, have=drafts
                    )
                )
            except BadPhoto as exc:
                log.warning("marketplace photo refused", extra={**where, "reason": exc.reason})
        return drafts

    async def _write_return(
        self, shop_code: str, record: ReturnRecord, photos: list[PhotoDraft]
    ) -> Upserted:
        now = self._clock.now()
        async with self._uow() as uow:
            order = await _order(uow, shop_code, record.order_number)
            claim = await uow.claims.by_external(record.marketplace, record.external_id)
            buyer_id = await uow.orders.first_linked_buyer(order.id)
            created = claim is None
            if claim is None:
                claim = await self._new_claim(uow, order, record, buyer_id, now)
            elif claim.buyer_id is None and buyer_id is not None:
                claim.buyer_id = buyer_id  # linked in the chat since: they hear from now on
            stored = {p.file_unique_id for p in claim.photos}
            for photo in photos:
                if photo.file_unique_id in stored or len(claim.photos) >= MAX_PHOTOS:
                    continue
                claim.photos.append(photo.stored(now))
            claim.external_status = record.external_status[:64]
            claim.external_deadline = record.seller_deadline
            changed = False
            status = ClaimStatus(record.status)
            if status != ClaimStatus(claim.status):
                move(
                    claim,
                    status,
                    actor=ActorKind.SYSTEM,
                    actor_id=None,
                    note=None,
                    now=now,
                    allowed=tuple(ClaimStatus),  # the marketplace decided: it is so
                )
                changed = True
            if status == ClaimStatus.REFUNDED:
                await _record_marketplace_refund(uow, claim, record, now)
            await uow.flush()
            if created:
                if status in OPEN:
                    await self._tell_sellers(uow, order, claim, now)
                uow.audit.record(
                    at=now,
                    actor_kind=ActorKind.SYSTEM,
                    actor_id=None,
                    action="claim.synced",
                    entity="claim",
                    entity_id=claim.id,
                    details={"marketplace": record.marketplace, "external_id": record.external_id},
                )
            elif changed:
                await tell_buyer(uow, claim, now)
            await uow.commit()
            log.info(
                "marketplace return synced",
                extra={
                    "marketplace": record.marketplace,
                    "return_id": record.external_id,
                    "order_number": record.order_number,
                    "claim_id": claim.id,
                    "created": created,
                    "changed": changed,
                },
            )
            return Upserted(claim.id, created, changed)

    async def _new_claim(
        self,
        uow: UnitOfWork,
        order: Order,
        record: ReturnRecord,
        buyer_id: int | None,
        now: datetime,
    ) -> Claim:
        by_sku = {item.sku: item for item in order.items}
        claimed: dict[int, int] = {}
        for line in record.lines:
            item = by_sku.get(line.sku)
            if item is None:
                log.warning(
                    "marketplace return line without a matching item",
                    extra={"return_id": record.external_id, "order_number": order.order_number},
                )
                continue
            claimed[item.id] = min(item.quantity, claimed.get(item.id, 0) + line.quantity)
        if not claimed:  # the whole order (a parcel that never came, a full refund)
            claimed = {item.id: item.quantity for item in order.items}
        amount = record.requested_amount
        if amount is None:
            payment = order.payment
            amount = (
                refund_amount(
                    lines=[Line(i.id, i.quantity, i.unit_price) for i in order.items],
                    claimed=claimed,
                    previously_held={},
                    subtotal=payment.subtotal,
                    shipping_fee=payment.shipping_fee,
                    total_paid=payment.total_paid,
                    already_refunded=Decimal(0),
                    currency=payment.currency,
                    claim_type=record.type,
                )
                if payment is not None
                else Decimal(0)
            )
        claim = Claim(
            claim_number=await new_claim_number(uow, now),
            order_id=order.id,
            buyer_id=buyer_id,
            type=record.type,
            reason=record.reason,
            status=ClaimStatus.REQUESTED,
            buyer_note=(record.buyer_note or None) and record.buyer_note[:2000],
            requested_amount=amount,
            currency=record.currency,
            marketplace=record.marketplace,
            external_id=record.external_id,
            created_at=now,
            updated_at=now,
            photos=[],  # loaded now: a lazy load after flush fails under asyncio
            items=[ClaimItem(order_item_id=i, quantity=q) for i, q in sorted(claimed.items())],
            history=[
                ClaimEvent(
                    from_status=None,
                    to_status=ClaimStatus.REQUESTED,
                    actor_kind=ActorKind.BUYER,
                    actor_id=buyer_id,
                    note=record.buyer_note,
                    at=record.created_at,
                )
            ],
        )
        uow.claims.add(claim)
        return claim

    async def _tell_sellers(
        self, uow: UnitOfWork, order: Order, claim: Claim, now: datetime
    ) -> None:
        """The `claim_new` notification of a chat claim, with the marketplace's deadline
        and name (the card offers only the marketplace's decisions)."""
        chat_ids = await _seller_chat_ids(uow, order)
        await notify_claim_new(uow, order, claim, self._media, chat_ids, now)

    # ----------------------------------------------------------- cancellations

    async def upsert_cancellation(self, shop_code: str, record: CancellationRecord) -> Upserted:
        """Create or update the cancellation request the marketplace reports: a new one
        joins the sellers' queue (they are told), a decision taken on the marketplace
        is recorded and the linked buyer told."""
        if record.status not in CANCEL_STATUSES:
            raise ValueError(f"unknown cancellation status {record.status!r}")
        try:
            return await self._write_cancellation(shop_code, record)
        except IntegrityError:  # written by another sync a moment ago
            return await self._write_cancellation(shop_code, record)

    async def _write_cancellation(self, shop_code: str, record: CancellationRecord) -> Upserted:
        now = self._clock.now()
        async with self._uow() as uow:
            order = await _order(uow, shop_code, record.order_number)
            request = await uow.cancel_requests.by_external(record.marketplace, record.external_id)
            buyer_id = await uow.orders.first_linked_buyer(order.id)
            created = request is None
            if request is None:
                request = CancelRequest(
                    order_id=order.id,
                    buyer_id=buyer_id,
                    status="requested",
                    marketplace=record.marketplace,
                    external_id=record.external_id,
                    note=(record.reason_text or None) and record.reason_text[:MAX_REASON],
                    created_at=record.created_at,
                )
                uow.session.add(request)
            elif request.buyer_id is None:
                request.buyer_id = buyer_id
            request.external_deadline = record.seller_deadline
            changed = record.status != request.status
            if changed:
                request.status = record.status
                request.decided_by_kind, request.decided_by = ActorKind.SYSTEM, None
                request.decided_at = now
            await uow.flush()
            if created and record.status == "requested":
                notice = CancelRequested(
                    shop_id=order.shop_id,
                    request_id=request.id,
                    order_number=order.order_number,
                    marketplace=record.marketplace,
                    marketplace_name=display_name(record.marketplace),
                    deadline=record.seller_deadline,
                    timezone=order.shop.timezone or "UTC",
                )
                for chat_id in await _seller_chat_ids(uow, order):
                    await enqueue(
                        uow,
                        Notification(chat_id, notice),
                        now=now,
                        dedupe_key=f"cancel:{request.id}:seller:{chat_id}",
                    )
            elif changed and not created:
                await tell_buyer_cancellation(uow, request, order, now)
            await uow.commit()
            return Upserted(request.id, created, changed and not created)


async def tell_buyer_cancellation(
    uow: UnitOfWork, request: CancelRequest, order: Order, now: datetime
) -> None:
    """The linked buyer hears the marketplace's answer to their cancellation (the
    refund is the marketplace's: nothing is said about our money)."""
    buyer = await uow.chat_users.get(request.buyer_id)
    if buyer is None or buyer.unreachable:
        return
    await enqueue(
        uow,
        Notification(
            buyer.external_id,
            CancelDecided(
                shop_id=order.shop_id,
                order_id=order.id,
                order_number=order.order_number,
                status=request.status,
                refunded=Decimal(0),
                currency=order.payment.currency if order.payment else "USD",
                order_status=order.status,
                marketplace=display_name(request.marketplace or ""),
            ),
        ),
        now=now,
        dedupe_key=f"cancel:{request.id}:buyer",
    )


async def _order(uow: UnitOfWork, shop_code: str, number: str) -> Order:
    shop = await uow.shops.get_by_code(shop_code)
    if shop is None:
        raise ShopNotFound(shop_code)
    order = await uow.orders.get_by_number(shop.id, number)
    if order is None:  # the adapter syncs orders first; this one is not here yet
        raise OrderNotFound(number)
    return order


async def _record_marketplace_refund(
    uow: UnitOfWork, claim: Claim, record: ReturnRecord, now: datetime
) -> None:
    """The marketplace refunded the buyer: the ledger says so, as paid (never by us)."""
    key = f"{record.marketplace}:return:{record.external_id}"[:100]
    await uow.refunds.lock_payment(claim.order_id)
    if await uow.refunds.by_idempotency_key(key) is not None:
        return  # recorded by an earlier sync
    asked = (
        record.requested_amount if record.requested_amount is not None else claim.requested_amount
    )
    amount = min(asked, await remaining_refundable(uow, claim.order_id))
    if amount <= 0:
        return
    try:
        refund = await record_refund(
            uow,
            order_id=claim.order_id,
            amount=amount,
            issuer_kind=ActorKind.SYSTEM,
            issuer_id=None,
            reason=f"{claim.claim_number}: refunded by {display_name(record.marketplace)}",
            idempotency_key=key,
            claim_id=claim.id,
            now=now,
        )
    except IdempotencyKeyReused:
        log.warning(
            "marketplace refund amount changed after it was recorded",
            extra={"return_id": record.external_id, "claim_id": claim.id},
        )
        return
    if refund.status == RefundStatus.PENDING:
        refund.status = RefundStatus.SUCCEEDED  # paid by the marketplace, not by us
        refund.gateway_reference = f"{record.marketplace}:{record.external_id}"[:200]
        refund.next_attempt_at = None
        refund.updated_at = now
