"""The buyer's side of after-sales: file a claim with photos, follow it, withdraw it,
answer the seller's questions, and send the goods back.

Every use case re-checks ownership and the rules in `bot.domain.returns` inside its own
transaction; the draft a buyer built in the chat is only a proposal.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import re
import secrets
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy.exc import IntegrityError

from bot.clock import Clock
from bot.domain.carriers import (
    KNOWN_CARRIERS,
    TrackingNumberError,
    normalise_carrier,
    validate_tracking,
)
from bot.domain.enums import ActorKind, ClaimReason, ClaimStatus, ClaimType, OrderStatus
from bot.domain.errors import ClaimNotFound, DomainError, InvalidTransition, OrderNotFound
from bot.domain.history import coded
from bot.domain.marketplace import ensure_ours
from bot.domain.policy import ShopPolicy
from bot.domain.returns import (
    MAX_PHOTO_BYTES,
    MAX_PHOTOS,
    RELEASED,
    WITHDRAWABLE,
    Eligibility,
    Line,
    NotEligible,
    claimable,
    eligibility,
    hidden_group,
    photos_required,
    reasons_for,
    refund_amount,
)
from bot.services.claim_state import move
from bot.services.evidence import ImageRefused, decode_evidence
from bot.services.notices import (
    ClaimInfo,
    ClaimPhotosAdded,
    ClaimShipped,
    ClaimWithdrawn,
    Notice,
)
from bot.services.notifications import notify_claim_new
from bot.services.outbox import Notification, enqueue
from bot.services.shops import return_address_of
from bot.services.views import OrderView, order_view
from storage.media import MediaStore
from storage.models import Claim, ClaimEvent, ClaimItem, ClaimPhoto, Order
from storage.uow import UnitOfWork, UnitOfWorkFactory

log = logging.getLogger(__name__)

FetchFile = Callable[[str], Awaitable[bytes]]


class BadPhoto(DomainError):
    """A file that is not an acceptable claim photo; `reason` is a catalog key suffix."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class DraftInvalid(DomainError):
    """The draft no longer fits the order (items taken by another claim, missing photos,
    window closed since); `reason` is a catalog key suffix."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class PhotoDraft:
    sha256: str  # of the bytes the person sent: the reused-evidence check compares these
    file_id: str
    file_unique_id: str | None
    mime_type: str
    size: int  # of the stored file
    path: str  # the stored photo, relative to the media root

    def to_json(self) -> dict[str, Any]:
        return {
            "sha256": self.sha256,
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "mime_type": self.mime_type,
            "size": self.size,
            "path": self.path,
        }

    def stored(self, now: datetime, *, reused: bool = False) -> ClaimPhoto:
        """The claim's row for this photo, added `now` (by the buyer)."""
        return ClaimPhoto(
            sha256=self.sha256,
            file_id=self.file_id,
            file_unique_id=self.file_unique_id,
            mime_type=self.mime_type,
            size=self.size,
            path=self.path,
            reused=reused,
            created_at=now,
        )

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> PhotoDraft:
        return cls(
            str(data["sha256"]),
            str(data["file_id"]),
            data.get("file_unique_id"),
            str(data["mime_type"]),
            int(data["size"]),
            str(data["path"]),
        )


@dataclass(frozen=True)
class ClaimDraft:
    """What the buyer chose in the chat, as plain values."""

    order_id: int
    items: dict[int, int]  # order item id -> quantity
    type: ClaimType
    reason: ClaimReason
    photos: tuple[PhotoDraft, ...] = ()
    note: str | None = None
    token: str = ""  # idempotency: one claim per draft, however often Confirm is pressed


@dataclass(frozen=True)
class ReturnOptions:
    order: OrderView
    eligibility: Eligibility
    claimable: dict[int, int]  # item id -> units that may still be claimed


@dataclass(frozen=True)
class ReturnChoices:
    """The buyer's orders a return can be filed for now, and how many others there are,
    by why they are left out (`bot.domain.returns.HIDDEN_GROUPS`)."""

    orders: tuple[OrderView, ...]
    hidden: dict[str, int]
    # With a single linked order, its own NotEligible reason (the most precise answer).
    only_reason: str | None = None


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    at: datetime
    from_status: ClaimStatus | None
    to_status: ClaimStatus
    actor: ActorKind
    note: str | None


@dataclass(frozen=True)
class ClaimView:
    id: int
    number: str
    order_id: int
    order_number: str
    shop_id: int
    status: ClaimStatus
    type: ClaimType
    reason: ClaimReason
    amount: Decimal
    currency: str
    items: tuple[tuple[str, int], ...]  # (product name, quantity)
    photo_count: int
    reused_evidence: bool
    note: str | None
    respond_by: datetime | None
    ship_by: datetime | None
    return_carrier: str | None
    return_tracking: str | None
    created_at: datetime
    # Days the buyer has to send the item back once a return is approved (the shop's).
    ship_back_days: int
    history: tuple[HistoryEntry, ...] = field(default=())
    timezone: str = "UTC"  # the shop's: times are shown in it
    return_address: str | None = None  # the shop's, for a return approved and not yet sent
    # Until when a rejection or a partial refund (less than asked) may be appealed.
    appeal_by: datetime | None = None
    # Filed on a marketplace ("tiktok"): followed and acted on there.
    marketplace: str | None = None


@dataclass(frozen=True, slots=True)
class QuestionWaiting:
    """A request whose seller waits for the buyer's answer to a question."""

    claim_id: int
    number: str
    asked_at: datetime  # when the request last moved: the question, for a request asked


# A carrier the bot cannot check ("Royal Mail", "Hermes"): its name as typed, and a
# number that is at least a plausible tracking number (letters and digits).
MAX_CARRIER_NAME = 32  # the column's size
_OTHER_NUMBER = re.compile(r"[A-Z0-9]{5,40}")
_SEPARATORS = re.compile(r"[\s\-./]+")


def other_carrier_name(text: str) -> str | None:
    """A carrier name typed by the buyer, tidied, or None if it cannot be one."""
    name = " ".join((text or "").split()).strip(" .,;:!?")
    if not name or len(name) > MAX_CARRIER_NAME or not any(c.isalpha() for c in name):
        return None
    return name


def other_tracking_number(text: str) -> str | None:
    """A tracking number for a carrier the bot cannot check: 5 to 40 letters and digits
    (spaces, dashes and dots between groups are dropped), with at least one digit."""
    cleaned = _SEPARATORS.sub("", text or "").upper()
    if not _OTHER_NUMBER.fullmatch(cleaned) or not any(c.isdigit() for c in cleaned):
        return None
    return cleaned


def new_token() -> str:
    return secrets.token_urlsafe(12)


class ReturnService:
    def __init__(self, uow: UnitOfWorkFactory, clock: Clock, media: MediaStore) -> None:
        self._uow = uow
        self._clock = clock
        self._media = media
        # One picture decoded at a time: a large one may take a few hundred MB for a
        # moment, and small ones take milliseconds, so queueing costs nothing noticeable.
        self._decoding = asyncio.Semaphore(1)

    # ------------------------------------------------------------- starting

    async def _owned_order(self, uow: UnitOfWork, user_id: int, order_id: int) -> Order:
        order = await uow.orders.get(order_id)
        if order is None or not await uow.orders.is_linked(user_id, order_id):
            raise OrderNotFound(order_id)
        return order

    async def _held(self, uow: UnitOfWork, order_id: int) -> dict[int, int]:
        return await _held_units(uow, order_id)

    def _eligibility(self, order: Order) -> Eligibility:
        view = order_view(order)
        return eligibility(
            OrderStatus(order.status),
            now=self._clock.now(),
            delivered_at=order.delivered_at,
            estimated_delivery=view.estimated_delivery,
            policy=view.policy,
            marketplace=order.marketplace,
        )

    async def choices(self, user_id: int) -> ReturnChoices:
        """The linked orders a return can be filed for now (by the same rules as
        `options`), and the others counted by why they are not listed."""
        async with self._uow(readonly=True) as uow:
            listed: list[OrderView] = []
            hidden: dict[str, int] = {}
            reasons: list[str] = []
            for order in await uow.orders.linked_to(user_id):
                try:
                    self._eligibility(order)
                    if not claimable(_lines(order), await self._held(uow, order.id)):
                        raise NotEligible("all_claimed")
                except NotEligible as exc:
                    group = hidden_group(exc.reason)
                    hidden[group] = hidden.get(group, 0) + 1
                    reasons.append(exc.reason)
                    continue
                listed.append(order_view(order))
            only = reasons[0] if len(reasons) == 1 and not listed else None
            return ReturnChoices(tuple(listed), hidden, only)

    async def options(self, user_id: int, order_id: int) -> ReturnOptions:
        """What this buyer may claim on this order now; NotEligible says why not."""
        async with self._uow(readonly=True) as uow:
            order = await self._owned_order(uow, user_id, order_id)
            rules = self._eligibility(order)
            left = claimable(_lines(order), await self._held(uow, order.id))
            if not left:
                raise NotEligible("all_claimed")
            return ReturnOptions(order_view(order), rules, left)

    # ---------------------------------------------------------------- photos

    async def accept_photo(
        self,
        data: bytes,
        *,
        file_id: str,
        file_unique_id: str | None,
        have: Sequence[PhotoDraft] = (),
    ) -> PhotoDraft:
        """Decode the picture a person sent and store the photo made from it durably.

        `have`: the photos already in this draft.  The same picture again (the same
        Telegram file, the same bytes, or bytes that decode to the same stored photo)
        is refused as "duplicate" and not stored twice: one photo counted twice would
        show the seller less than the buyer thinks.

        What is stored (and later sent to sellers and staff) is the re-encoded JPEG of
        `bot.services.evidence`, which Telegram accepts as a photo.  The draft's `sha256`
        stays the hash of the bytes the person sent, so the reused-evidence check compares
        what buyers uploaded, as it always did; the stored file is named by its own hash.
        """
        if file_unique_id is not None and file_unique_id in {p.file_unique_id for p in have}:
            raise BadPhoto("duplicate")
        if len(data) > MAX_PHOTO_BYTES:
            raise BadPhoto("too_big")
        if have and hashlib.sha256(data).hexdigest() in {p.sha256 for p in have}:
            raise BadPhoto("duplicate")
        async with self._decoding:
            try:
                evidence = await asyncio.to_thread(decode_evidence, data)
            except ImageRefused as exc:
                log.info("photo refused", extra={"reason": exc.reason, "size": len(data)})
                raise BadPhoto(exc.reason) from None
        if have:
            path = self._media.relative_path(hashlib.sha256(evidence.jpeg).hexdigest(), ".jpg")
            if path in {p.path for p in have}:
                raise BadPhoto("duplicate")
        stored = await self._media.put(evidence.jpeg, ".jpg")
        log.info(
            "photo accepted",
            extra={
                "source_format": evidence.source_format,
                "source_width": evidence.source_size[0],
                "source_height": evidence.source_size[1],
                "width": evidence.width,
                "height": evidence.height,
                "size": stored.size,
            },
        )
        return PhotoDraft(
            evidence.source_sha256,
            file_id,
            file_unique_id,
            "image/jpeg",
            stored.size,
            stored.path,
        )

    # ---------------------------------------------------------------- submit

    async def submit(self, user_id: int, draft: ClaimDraft) -> ClaimView:
        """Create the claim.  Pressing Confirm twice (or two workers racing) yields one
        claim: the draft token is unique in the database."""
        now = self._clock.now()
        try:
            async with self._uow() as uow:
                # One submit at a time per order: two drafts for the same units racing on
                # PostgreSQL would otherwise both see them free (SQLite serialises writers).
                await uow.refunds.lock_payment(draft.order_id)
                existing = await uow.claims.id_by_draft(draft.token)
                if existing is not None:
                    return await self._view(uow, existing)
                claim = await self._create(uow, user_id, draft, now)
                await uow.commit()
                claim_id = claim.id
        except IntegrityError:
            # The same token committed in another transaction a moment ago.
            async with self._uow(readonly=True) as uow:
                existing = await uow.claims.id_by_draft(draft.token)
                if existing is None:
                    raise
                return await self._view(uow, existing)
        async with self._uow(readonly=True) as uow:
            return await self._view(uow, claim_id)

    async def _create(
        self, uow: UnitOfWork, user_id: int, draft: ClaimDraft, now: datetime
    ) -> Claim:
        order = await self._owned_order(uow, user_id, draft.order_id)
        try:
            rules = self._eligibility(order)
        except NotEligible as exc:
            raise DraftInvalid(exc.reason) from None
        if draft.type not in rules.types or draft.reason not in reasons_for(
            draft.type, rules.reasons
        ):
            raise DraftInvalid("type_or_reason")
        held = await self._held(uow, order.id)
        left = claimable(_lines(order), held)
        if not draft.items or any(
            qty < 1 or qty > left.get(item_id, 0) for item_id, qty in draft.items.items()
        ):
            raise DraftInvalid("items_taken")
        if len(draft.photos) > MAX_PHOTOS:
            raise DraftInvalid("too_many_photos")
        if photos_required(draft.reason) and not draft.photos:
            raise DraftInvalid("photos_required")
        amount = await self._amount(uow, order, draft, held)
        payment = order.payment
        assert payment is not None
        policy = ShopPolicy.from_settings(order.shop.settings)
        claim = Claim(
            claim_number=await self._new_number(uow, now),
            order_id=order.id,
            buyer_id=user_id,
            type=draft.type,
            reason=draft.reason,
            status=ClaimStatus.REQUESTED,
            buyer_note=draft.note,
            requested_amount=amount,
            currency=payment.currency,
            respond_by=now + timedelta(hours=policy.seller_response_hours),
            draft_token=draft.token,
            created_at=now,
            updated_at=now,
            photos=[],  # loaded now: a lazy load after flush fails under asyncio
        )
        for item_id, qty in sorted(draft.items.items()):
            claim.items.append(ClaimItem(order_item_id=item_id, quantity=qty))
        reused = await self._reused_hashes(uow, [p.sha256 for p in draft.photos], user_id, order.id)
        for photo in draft.photos:
            claim.photos.append(photo.stored(now, reused=photo.sha256 in reused))
        claim.reused_evidence = bool(reused)
        claim.history.append(
            ClaimEvent(
                from_status=None,
                to_status=ClaimStatus.REQUESTED,
                actor_kind=ActorKind.BUYER,
                actor_id=user_id,
                note=draft.note,
                at=now,
            )
        )
        uow.claims.add(claim)
        await uow.flush()
        uow.audit.record(
            at=now,
            actor_kind=ActorKind.BUYER,
            actor_id=user_id,
            action="claim.requested",
            entity="claim",
            entity_id=claim.id,
            details={"amount": str(amount), "reused_evidence": claim.reused_evidence},
        )
        await self._tell_sellers(uow, order, claim, now)
        return claim

    async def _amount(
        self, uow: UnitOfWork, order: Order, draft: ClaimDraft, held: dict[int, int]
    ) -> Decimal:
        payment = order.payment
        assert payment is not None, "imported orders always have a payment"
        refunded = await uow.refunds.refunded_total(order.id)
        return refund_amount(
            lines=_lines(order),
            claimed=draft.items,
            previously_held=held,
            subtotal=payment.subtotal,
            shipping_fee=payment.shipping_fee,
            total_paid=payment.total_paid,
            already_refunded=refunded,
            currency=payment.currency,
            claim_type=draft.type,
        )

    async def preview_amount(self, user_id: int, draft: ClaimDraft) -> Decimal:
        """The refund the summary shows; submit computes it again, the same way."""
        async with self._uow(readonly=True) as uow:
            order = await self._owned_order(uow, user_id, draft.order_id)
            return await self._amount(uow, order, draft, await self._held(uow, order.id))

    async def _new_number(self, uow: UnitOfWork, now: datetime) -> str:
        return await new_claim_number(uow, now)

    async def _reused_hashes(
        self, uow: UnitOfWork, hashes: list[str], user_id: int, order_id: int
    ) -> set[str]:
        """Photos already used as evidence by another buyer or on another order."""
        if not hashes:
            return set()
        return await uow.claims.photos_used_elsewhere(hashes, user_id, order_id)

    async def _tell_sellers(
        self, uow: UnitOfWork, order: Order, claim: Claim, now: datetime
    ) -> None:
        chat_ids = await seller_chat_ids(uow, order)
        await notify_claim_new(uow, order, claim, self._media, chat_ids, now)

    # ------------------------------------------------------------- follow-up

    async def _owned_claim(self, uow: UnitOfWork, user_id: int, claim_id: int) -> Claim:
        claim = await uow.claims.get(claim_id)
        # The buyer who filed it, and only while they still hold the order link.
        if (
            claim is None
            or claim.buyer_id != user_id
            or not await uow.orders.is_linked(user_id, claim.order_id)
        ):
            raise ClaimNotFound(claim_id)
        return claim

    async def questions_waiting(self, user_id: int) -> list[QuestionWaiting]:
        """The buyer's requests whose seller asked a question not answered yet."""
        async with self._uow(readonly=True) as uow:
            rows = await uow.claims.asked_of_buyer(user_id)
        return [QuestionWaiting(id, number, at) for id, number, at in rows]

    async def claims(self, user_id: int) -> list[ClaimView]:
        async with self._uow(readonly=True) as uow:
            ids = await uow.claims.ids_of_buyer(user_id)
            return [await self._view(uow, claim_id) for claim_id in ids]

    async def claim(self, user_id: int, claim_id: int) -> ClaimView:
        async with self._uow(readonly=True) as uow:
            await self._owned_claim(uow, user_id, claim_id)
            return await self._view(uow, claim_id)

    async def withdraw(self, user_id: int, claim_id: int) -> ClaimView:
        now = self._clock.now()
        async with self._uow() as uow:
            claim = await self._owned_claim(uow, user_id, claim_id)
            ensure_ours(claim.marketplace, "buyer action")  # done on the marketplace
            move(
                claim,
                ClaimStatus.CANCELLED,
                actor=ActorKind.BUYER,
                actor_id=user_id,
                note=coded("withdrawn"),
                now=now,
                allowed=WITHDRAWABLE,
            )
            await self._tell_sellers_update(
                uow, claim, ClaimWithdrawn(claim_id=claim.id, claim_number=claim.claim_number), now
            )
            await uow.commit()
        return await self.claim(user_id, claim_id)

    async def answer_info(
        self, user_id: int, claim_id: int, text: str | None, photos: list[PhotoDraft]
    ) -> ClaimView:
        """The buyer answers the seller's question: the claim goes back to the seller
        with the rest of their response time."""
        now = self._clock.now()
        async with self._uow() as uow:
            claim = await self._owned_claim(uow, user_id, claim_id)
            ensure_ours(claim.marketplace, "buyer action")  # done on the marketplace
            await self._attach(uow, claim, photos, user_id, now)
            move(
                claim,
                ClaimStatus.REQUESTED,
                actor=ActorKind.BUYER,
                actor_id=user_id,
                note=text,
                now=now,
                allowed={ClaimStatus.NEEDS_INFO},
            )
            paused = claim.respond_paused_seconds
            if paused is not None:  # 0 left is still a pause: the deadline is now
                claim.respond_by = now + timedelta(seconds=paused)
            claim.respond_paused_seconds = None
            info = ClaimInfo(
                claim_id=claim.id,
                claim_number=claim.claim_number,
                text=text,
                photos=tuple(str(self._media.absolute(p.path)) for p in photos),
            )
            await self._tell_sellers_update(uow, claim, info, now)
            await uow.commit()
        return await self.claim(user_id, claim_id)

    async def add_photos(self, user_id: int, claim_id: int, photos: list[PhotoDraft]) -> ClaimView:
        """Photos the buyer sends after filing, while the request waits for the
        seller's decision (`REQUESTED`): added to it, and the sellers sent them.  Once
        decided, or while the seller's question waits (its answer carries photos), the
        request takes none this way."""
        now = self._clock.now()
        async with self._uow() as uow:
            claim = await self._owned_claim(uow, user_id, claim_id)
            ensure_ours(claim.marketplace, "buyer action")  # done on the marketplace
            if claim.status != ClaimStatus.REQUESTED:
                raise InvalidTransition(f"photos added to a {claim.status} claim")
            if not photos:
                raise DraftInvalid("photos_required")
            await self._attach(uow, claim, photos, user_id, now)
            added = ClaimPhotosAdded(
                claim_id=claim.id,
                claim_number=claim.claim_number,
                photos=tuple(str(self._media.absolute(p.path)) for p in photos),
            )
            await self._tell_sellers_update(uow, claim, added, now)
            await uow.commit()
        return await self.claim(user_id, claim_id)

    async def ship_back(
        self, user_id: int, claim_id: int, carrier: str, tracking_number: str
    ) -> ClaimView:
        """Record the return parcel; raises TrackingNumberError for a number that is not
        in the carrier's format (check digit included).  A carrier the bot cannot check
        ("Royal Mail") is recorded by its name as typed, with any plausible number."""
        now = self._clock.now()
        try:
            carrier = normalise_carrier(carrier)
        except TrackingNumberError:
            named = other_carrier_name(carrier)
            if named is None:
                raise
            carrier = named
        if carrier in KNOWN_CARRIERS:
            number = validate_tracking(carrier, tracking_number)
        else:
            checked = other_tracking_number(tracking_number)
            if checked is None:
                raise TrackingNumberError(
                    "not a tracking number", carrier=carrier, params={"number": tracking_number}
                )
            number = checked
        async with self._uow() as uow:
            claim = await self._owned_claim(uow, user_id, claim_id)
            ensure_ours(claim.marketplace, "buyer action")  # done on the marketplace
            move(
                claim,
                ClaimStatus.BUYER_SHIPPED,
                actor=ActorKind.BUYER,
                actor_id=user_id,
                note=coded("shipped", carrier=carrier, tracking=number),
                now=now,
                allowed={ClaimStatus.AWAITING_BUYER_SHIPMENT},
            )
            claim.return_carrier, claim.return_tracking_number = carrier, number
            order = await uow.orders.get(claim.order_id)
            assert order is not None
            policy = ShopPolicy.from_settings(order.shop.settings)
            claim.receive_by = now + timedelta(days=policy.seller_receive_days)
            shipped = ClaimShipped(
                claim_id=claim.id, claim_number=claim.claim_number, carrier=carrier, tracking=number
            )
            await self._tell_sellers_update(uow, claim, shipped, now)
            await uow.commit()
        return await self.claim(user_id, claim_id)

    async def _attach(
        self, uow: UnitOfWork, claim: Claim, photos: list[PhotoDraft], user_id: int, now: datetime
    ) -> None:
        """Photos sent after filing, added to the claim: at most `MAX_PHOTOS` in all,
        and a picture the buyer used before for this order marked as reused."""
        if len(claim.photos) + len(photos) > MAX_PHOTOS:
            raise DraftInvalid("too_many_photos")
        reused = await self._reused_hashes(uow, [p.sha256 for p in photos], user_id, claim.order_id)
        for photo in photos:
            claim.photos.append(photo.stored(now, reused=photo.sha256 in reused))
        claim.reused_evidence = claim.reused_evidence or bool(reused)

    async def _tell_sellers_update(
        self, uow: UnitOfWork, claim: Claim, notice: Notice, now: datetime
    ) -> None:
        order = await uow.orders.get(claim.order_id)
        assert order is not None
        chat_ids = await seller_chat_ids(uow, order)
        notice = replace(notice, shop_id=order.shop_id)
        for chat_id in chat_ids:
            await enqueue(uow, Notification(int(chat_id), notice), now=now)

    async def _view(self, uow: UnitOfWork, claim_id: int) -> ClaimView:
        claim = await uow.claims.get(claim_id)
        assert claim is not None
        order = await uow.orders.get(claim.order_id)
        assert order is not None
        names = {item.id: item.product_name for item in order.items}
        return ClaimView(
            id=claim.id,
            number=claim.claim_number,
            order_id=order.id,
            order_number=order.order_number,
            shop_id=order.shop_id,
            status=ClaimStatus(claim.status),
            type=ClaimType(claim.type),
            reason=ClaimReason(claim.reason),
            amount=claim.requested_amount,
            currency=claim.currency,
            items=tuple((names.get(i.order_item_id, "?"), i.quantity) for i in claim.items),
            photo_count=len(claim.photos),
            reused_evidence=claim.reused_evidence,
            note=claim.buyer_note,
            respond_by=claim.respond_by,
            ship_by=claim.ship_by,
            return_carrier=claim.return_carrier,
            return_tracking=claim.return_tracking_number,
            created_at=claim.created_at,
            return_address=return_address_of(order.shop.settings),
            appeal_by=claim.appeal_by,
            ship_back_days=ShopPolicy.from_settings(order.shop.settings).buyer_ship_back_days,
            history=tuple(
                HistoryEntry(
                    e.at,
                    ClaimStatus(e.from_status) if e.from_status else None,
                    ClaimStatus(e.to_status),
                    ActorKind(e.actor_kind),
                    e.note,
                )
                for e in claim.history
            ),
            timezone=order.shop.timezone or "UTC",
            marketplace=claim.marketplace,
        )


def _lines(order: Order) -> list[Line]:
    return [Line(item.id, item.quantity, item.unit_price) for item in order.items]


async def _held_units(uow: UnitOfWork, order_id: int) -> dict[int, int]:
    """Units per order item held by claims that still count (not withdrawn or
    rejected)."""
    return await uow.claims.held_units(order_id, [s.value for s in RELEASED])


async def claimable_units(uow: UnitOfWork, order: Order) -> dict[int, int]:
    """Per item, how many units may still be claimed on this order (what the flow's
    first step offers), for callers outside the flow (delivery care's buttons)."""
    return claimable(_lines(order), await _held_units(uow, order.id))


async def seller_chat_ids(uow: UnitOfWork, order: Order) -> list[int]:
    """Who hears about this order's claims (`ShopRepository.seller_chat_ids`)."""
    return await uow.shops.seller_chat_ids(order.shop)


async def new_claim_number(uow: UnitOfWork, now: datetime) -> str:
    """A claim number no claim has yet ("R261202-K7M2Q"), for chat and marketplace
    claims alike."""
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I to misread
    while True:
        number = f"R{now:%y%m%d}-" + "".join(secrets.choice(alphabet) for _ in range(5))
        if not await uow.claims.number_taken(number):
            return number
