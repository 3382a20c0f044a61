"""The seller's side of a claim: the queue, the card, and every decision.

Every use case loads the claim, checks that the person asking is a seller of *that
claim's* shop (button data proves nothing), moves the claim through `claim_state.move`
and, where money moves, records the refund in the same transaction.  Two sellers
tapping Approve at once: the claim row is locked (PostgreSQL) or the write transaction
is serialised (SQLite), and the version column makes a lost update impossible; the
second tap finds the claim already decided.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.exc import StaleDataError

from bot.clock import Clock
from bot.domain.carriers import normalise_carrier, validate_tracking
from bot.domain.enums import ActorKind, ClaimStatus, ClaimType
from bot.domain.errors import (
    AmountChanged,
    ClaimNotFound,
    DomainError,
    InvalidTransition,
    NotAllowed,
)
from bot.domain.history import coded
from bot.domain.marketplace import ensure_ours, seller_actions
from bot.domain.money import AmountInputError, read_amount
from bot.domain.policy import ShopPolicy
from bot.domain.returns import OPEN
from bot.services.claim_state import move, refund_claim, tell_buyer
from bot.services.refunds import remaining_refundable
from bot.services.shops import return_address_of
from storage.media import MediaStore
from storage.models import Claim, ClaimPhotoView, Order
from storage.uow import UnitOfWork, UnitOfWorkFactory

# A decision: changes the claim (and maybe money) inside the unit of work; returns the
# amount refunded, if any.
_Apply = Callable[[UnitOfWork, Claim, Order, datetime], Awaitable[Decimal | None]]

REJECT_REASONS = (
    "evidence_insufficient",
    "not_as_claimed",
    "used_by_buyer",
    "outside_policy",
    "other",
)
MAX_NOTE = 1000
# The rejection reasons that also explain a refund of less than was asked (the seller
# may type any other reason instead).
PARTIAL_REASONS = ("used_by_buyer", "not_as_claimed", "evidence_insufficient")


class AlreadyDecided(DomainError):
    """Someone else decided this claim a moment ago."""


class BadAmount(DomainError):
    """A partial refund amount that is not positive, malformed, or above what remains;
    `remaining` says what could still be refunded."""

    def __init__(
        self, message: str, remaining: Decimal, problem: AmountInputError | None = None
    ) -> None:
        super().__init__(message)
        self.remaining = remaining
        # Set when the text is not an amount we read (the format); None when it is
        # an amount, just not one that may be refunded (the range).
        self.problem = problem


@dataclass(frozen=True, slots=True)
class QueueEntry:
    claim_id: int
    number: str
    status: ClaimStatus
    order_number: str
    shop_name: str
    amount: Decimal
    currency: str
    deadline: datetime | None
    marketplace: str | None = None  # filed there ("tiktok")
    type: ClaimType = ClaimType.REFUND  # an approved replacement waits for its parcel


@dataclass(frozen=True)
class SellerCard:
    claim_id: int
    number: str
    status: ClaimStatus
    type: ClaimType
    reason: str
    order_number: str
    shop_name: str
    buyer_name: str | None
    items: tuple[tuple[str, int, Decimal], ...]  # name, quantity, unit price
    amount: Decimal
    currency: str
    note: str | None
    photos: tuple[tuple[str, bool], ...]  # stored file path, reused elsewhere
    reused_evidence: bool
    deadline: datetime | None
    remaining_refundable: Decimal
    history: tuple[tuple[datetime, str, str, str | None], ...]  # at, status, actor, note
    timezone: str = "UTC"  # the shop's: times are shown in it
    # A claim filed on a marketplace ("tiktok"): only its decisions are offered.
    marketplace: str | None = None
    # When the order was delivered (None: not yet, or not known).
    delivered_at: datetime | None = None
    # The buyer's other requests on the shop's orders; None when the buyer is not in
    # the chat (a marketplace request of a buyer who never linked the order).
    record: BuyerRecord | None = None


@dataclass(frozen=True, slots=True)
class BuyerRecord:
    """What the buyer's other requests on this shop's orders came to: a seller weighs
    a first request differently from a buyer's fifth."""

    earlier: int
    refunded: int  # refunded in full or in part

    @classmethod
    def of(cls, statuses: list[str]) -> BuyerRecord:
        return cls(len(statuses), sum(1 for s in statuses if s == ClaimStatus.REFUNDED.value))


@dataclass(frozen=True, slots=True)
class Decision:
    claim_id: int
    number: str
    status: ClaimStatus
    refunded: Decimal | None = None
    currency: str = ""
    ship_by: datetime | None = None
    appeal_by: datetime | None = None
    # What a confirmation shows: the order, who gets the money, what stays refundable.
    order_number: str = ""
    buyer_name: str | None = None
    remaining: Decimal | None = None
    # Whether the shop has a return address the buyer was given (else the seller sends it).
    return_address_set: bool = True
    timezone: str = "UTC"  # the shop's: the deadlines are shown in it


async def _remaining_locked(uow: UnitOfWork, order_id: int) -> Decimal:
    """What remains refundable, read under the order's payment lock: a concurrent refund
    of the same order (another claim) commits first, so the amount checked or capped here
    is the one `record_refund` will check again, not a stale one."""
    await uow.refunds.lock_payment(order_id)
    return await remaining_refundable(uow, order_id)


def current_deadline(claim: Claim) -> datetime | None:
    """The deadline that matters for the claim's status (what the queue sorts by)."""
    status = ClaimStatus(claim.status)
    if claim.marketplace is not None:  # the marketplace's deadline, while it is the seller's turn
        return claim.external_deadline if seller_actions(status) else None
    if status == ClaimStatus.REQUESTED:
        return claim.respond_by
    if status == ClaimStatus.AWAITING_BUYER_SHIPMENT:
        return claim.ship_by
    if status == ClaimStatus.BUYER_SHIPPED:
        return claim.receive_by
    return None


async def authorised_claim(
    uow: UnitOfWork, user_id: int, claim_id: int, *, for_update: bool = True
) -> tuple[Claim, Order]:
    """The claim (items, photos, history loaded; locked when `for_update`) and its
    order, if `user_id` sells for the order's shop: checked server-side on every
    seller action, chat or marketplace claim alike."""
    claim = await uow.session.get(
        Claim,
        claim_id,
        options=(
            selectinload(Claim.items),
            selectinload(Claim.photos),
            selectinload(Claim.history),
        ),
        with_for_update=for_update,
    )
    if claim is None:
        raise ClaimNotFound(claim_id)
    order = await uow.orders.get(claim.order_id)
    assert order is not None
    if not await uow.shops.is_seller(user_id, order.shop_id):
        raise NotAllowed("not a seller of this shop")
    return claim, order


class SellerClaimService:
    def __init__(self, uow: UnitOfWorkFactory, clock: Clock, media: MediaStore) -> None:
        self._uow = uow
        self._clock = clock
        self._media = media

    # ----------------------------------------------------------- authorisation

    async def _authorised(
        self, uow: UnitOfWork, user_id: int, claim_id: int, *, for_update: bool = True
    ) -> tuple[Claim, Order]:
        return await authorised_claim(uow, user_id, claim_id, for_update=for_update)

    # ------------------------------------------------------------------ reads

    async def queue(self, user_id: int) -> list[QueueEntry]:
        async with self._uow(readonly=True) as uow:
            shop_ids = await uow.shops.seller_shop_ids(user_id)
            if not shop_ids:
                raise NotAllowed("not a seller")
            rows = await uow.claims.open_in_shops(shop_ids, [s.value for s in OPEN])
            entries = [
                QueueEntry(
                    claim.id,
                    claim.claim_number,
                    ClaimStatus(claim.status),
                    order.order_number,
                    order.shop.name,
                    claim.requested_amount,
                    claim.currency,
                    current_deadline(claim),
                    claim.marketplace,
                    ClaimType(claim.type),
                )
                for claim, order in rows
            ]
        far = datetime.max.replace(tzinfo=self._clock.now().tzinfo)
        return sorted(entries, key=lambda e: (e.deadline or far, e.claim_id))

    async def only_a_seller(self, user_id: int) -> bool:
        """Whether this chat user sells for a shop and has no order of their own linked
        here: then "approve" or "refund" typed outside a flow is about their shop's
        claims, not a buyer's request."""
        async with self._uow(readonly=True) as uow:
            seller = await uow.shops.seller_shop_ids(user_id)
            if not seller:
                return False
            return not await uow.orders.any_linked(user_id)

    async def sells_order(self, user_id: int, number: str) -> bool:
        """Whether order `number` is an order of a shop this chat user sells for (an
        order of any other shop is not told apart from no order at all)."""
        async with self._uow(readonly=True) as uow:
            shop_ids = await uow.shops.seller_shop_ids(user_id)
            if not shop_ids:
                return False
            return await uow.orders.in_shops(number.strip(), shop_ids)

    async def find(self, user_id: int, number: str) -> int | None:
        """The id of claim `number` ("R261204-MXB2S") if it is a claim of a shop this
        chat user sells for; None otherwise (someone else's claim is not found either)."""
        async with self._uow(readonly=True) as uow:
            shop_ids = await uow.shops.seller_shop_ids(user_id)
            if not shop_ids:
                return None
            return await uow.claims.id_in_shops(number.upper(), shop_ids)

    async def card(self, user_id: int, claim_id: int) -> SellerCard:
        async with self._uow(readonly=True) as uow:
            claim, order = await self._authorised(uow, user_id, claim_id, for_update=False)
            buyer = await uow.chat_users.get(claim.buyer_id)
            items = {i.id: i for i in order.items}
            return SellerCard(
                claim_id=claim.id,
                number=claim.claim_number,
                status=ClaimStatus(claim.status),
                type=ClaimType(claim.type),
                reason=claim.reason,
                order_number=order.order_number,
                shop_name=order.shop.name,
                buyer_name=buyer.first_name if buyer else None,
                items=tuple(
                    (
                        items[c.order_item_id].product_name,
                        c.quantity,
                        items[c.order_item_id].unit_price,
                    )
                    for c in claim.items
                ),
                amount=claim.requested_amount,
                currency=claim.currency,
                note=claim.buyer_note,
                # Stored files: evidence sent as an image file has a document id that
                # Telegram will not re-send as a photo.
                photos=tuple((str(self._media.absolute(p.path)), p.reused) for p in claim.photos),
                reused_evidence=claim.reused_evidence,
                deadline=current_deadline(claim),
                remaining_refundable=await remaining_refundable(uow, order.id),
                history=tuple((e.at, e.to_status, e.actor_kind, e.note) for e in claim.history),
                timezone=order.shop.timezone or "UTC",
                marketplace=claim.marketplace,
                delivered_at=order.delivered_at,
                record=(
                    BuyerRecord.of(
                        await uow.claims.record_of_buyer(claim.buyer_id, order.shop_id, claim.id)
                    )
                    if claim.buyer_id is not None
                    else None
                ),
            )

    async def photos_first_time(self, user_id: int, claim_id: int, chat_id: int) -> bool:
        """Whether the claim's photos go with its card to this chat: only the first
        time (the new request's album counts), remembered from then on; afterwards the
        card offers them on request.  Raises like `card` for someone who may not see it."""
        now = self._clock.now()
        try:
            async with self._uow() as uow:
                await self._authorised(uow, user_id, claim_id, for_update=False)
                if await uow.claims.photos_shown(claim_id, chat_id):
                    return False
                # The new request's notification sent this chat the album already
                # (or will: it is queued); a failed one did not.
                album = await uow.outbox.queued_or_sent(f"claim:{claim_id}:new:chat:{chat_id}")
                uow.session.add(ClaimPhotoView(claim_id=claim_id, chat_id=chat_id, shown_at=now))
                await uow.commit()
                return not album
        except IntegrityError:  # two taps at once: the other one sends them
            return False

    # -------------------------------------------------------------- decisions

    async def _decide(
        self,
        user_id: int,
        claim_id: int,
        apply: _Apply,
        *,
        dry_run: bool = False,
        expect: Decimal | None = None,
    ) -> Decision:
        """Run one decision in one transaction.

        `dry_run` runs every check and computes the outcome (what would be refunded,
        what would remain) and then rolls back: what a confirmation shows is exactly
        what the decision would do.  `expect` is the refund the person confirmed; if
        the decision would now refund anything else, nothing happens (AmountChanged)."""
        now = self._clock.now()
        try:
            async with self._uow() as uow:
                claim, order = await self._authorised(uow, user_id, claim_id)
                # The marketplace's claims are decided there (marketplace_decisions).
                ensure_ours(claim.marketplace, "seller decision")
                refunded = await apply(uow, claim, order, now)
                if expect is not None and (refunded or Decimal(0)) != expect:
                    raise AmountChanged(refunded or Decimal(0), claim.currency)
                if not dry_run:
                    await tell_buyer(uow, claim, now, refunded)
                    uow.audit.record(
                        at=now,
                        actor_kind=ActorKind.SELLER,
                        actor_id=user_id,
                        action=f"claim.{claim.status.lower()}",
                        entity="claim",
                        entity_id=claim.id,
                        details={"refunded": str(refunded) if refunded is not None else None},
                    )
                buyer = await uow.chat_users.get(claim.buyer_id)
                decision = Decision(
                    claim.id,
                    claim.claim_number,
                    ClaimStatus(claim.status),
                    refunded,
                    claim.currency,
                    claim.ship_by,
                    claim.appeal_by,
                    order_number=order.order_number,
                    buyer_name=buyer.first_name if buyer else None,
                    remaining=await remaining_refundable(uow, order.id),
                    return_address_set=return_address_of(order.shop.settings) is not None,
                    timezone=order.shop.timezone or "UTC",
                )
                if not dry_run:  # a dry run leaves the block without commit: rolled back
                    await uow.commit()
                return decision
        except StaleDataError:
            raise AlreadyDecided() from None

    async def approve(
        self,
        user_id: int,
        claim_id: int,
        *,
        dry_run: bool = False,
        expect: Decimal | None = None,
    ) -> Decision:
        """Refund only: refund now.  Return and refund: the buyer ships first.
        Replacement: the seller marks it replaced with a tracking number next.
        (`dry_run`, `expect`: see `_decide`.)"""

        async def apply(
            uow: UnitOfWork, claim: Claim, order: Order, now: datetime
        ) -> Decimal | None:
            policy = ShopPolicy.from_settings(order.shop.settings)
            move(
                claim,
                ClaimStatus.APPROVED,
                actor=ActorKind.SELLER,
                actor_id=user_id,
                note=None,
                now=now,
                allowed={ClaimStatus.REQUESTED},
            )
            claim.respond_by = None
            kind = ClaimType(claim.type)
            if kind == ClaimType.REFUND:
                return await refund_claim(
                    uow,
                    claim,
                    claim.requested_amount,
                    actor=ActorKind.SELLER,
                    actor_id=user_id,
                    reason="claim approved",
                    now=now,
                )
            if kind == ClaimType.RETURN_AND_REFUND:
                move(
                    claim,
                    ClaimStatus.AWAITING_BUYER_SHIPMENT,
                    actor=ActorKind.SELLER,
                    actor_id=user_id,
                    note=None,
                    now=now,
                    allowed={ClaimStatus.APPROVED},
                )
                claim.ship_by = now + timedelta(days=policy.buyer_ship_back_days)
            return None

        return await self._decide(user_id, claim_id, apply, dry_run=dry_run, expect=expect)

    async def reject(self, user_id: int, claim_id: int, reason: str, note: str) -> Decision:
        if reason not in REJECT_REASONS:
            raise InvalidTransition("unknown rejection reason")
        note = note.strip()
        if not note or len(note) > MAX_NOTE:
            raise InvalidTransition("a rejection needs a note")

        async def apply(
            uow: UnitOfWork, claim: Claim, order: Order, now: datetime
        ) -> Decimal | None:
            policy = ShopPolicy.from_settings(order.shop.settings)
            move(
                claim,
                ClaimStatus.REJECTED,
                actor=ActorKind.SELLER,
                actor_id=user_id,
                note=coded("rejected", reason=reason, text=note),
                now=now,
                allowed={ClaimStatus.REQUESTED},
            )
            claim.respond_by = None
            claim.appeal_by = now + timedelta(hours=policy.appeal_hours)
            return None

        return await self._decide(user_id, claim_id, apply)

    async def ask_info(self, user_id: int, claim_id: int, question: str) -> Decision:
        question = question.strip()
        if not question or len(question) > MAX_NOTE:
            raise InvalidTransition("a question is needed")

        async def apply(
            uow: UnitOfWork, claim: Claim, order: Order, now: datetime
        ) -> Decimal | None:
            move(
                claim,
                ClaimStatus.NEEDS_INFO,
                actor=ActorKind.SELLER,
                actor_id=user_id,
                note=question,
                now=now,
                allowed={ClaimStatus.REQUESTED},
            )
            # The seller's clock stops while the buyer is asked; the rest is kept.
            left = (claim.respond_by - now) if claim.respond_by else timedelta(0)
            claim.respond_paused_seconds = max(0, int(left.total_seconds()))
            claim.respond_by = None
            return None

        return await self._decide(user_id, claim_id, apply)

    async def partial_refund(
        self,
        user_id: int,
        claim_id: int,
        amount_text: str,
        *,
        reason: str | None = None,
        dry_run: bool = False,
    ) -> Decision:
        """Refund part of the claim (or all of what it asked, at most what remains).
        Less than was asked needs the seller's reason (a `PARTIAL_REASONS` code or their
        own words, at most MAX_NOTE): the buyer is told it and may appeal within the
        shop's appeal window, as after a rejection.  A dry run checks the amount only
        (the reason is asked after it)."""
        reason = (reason or "").strip()
        if len(reason) > MAX_NOTE:
            raise InvalidTransition("the reason is too long")

        async def apply(
            uow: UnitOfWork, claim: Claim, order: Order, now: datetime
        ) -> Decimal | None:
            remaining = await _remaining_locked(uow, order.id)
            try:
                amount = read_amount(amount_text, claim.currency)
            except AmountInputError as exc:
                raise BadAmount(str(exc), remaining, exc) from None
            if amount > remaining:
                raise BadAmount("out of range", remaining)
            partial = amount < claim.requested_amount
            if partial and not reason and not dry_run:
                raise InvalidTransition("a partial refund needs a reason")
            # Instead of a full refund now (REQUESTED), or when the returned goods
            # arrive (BUYER_SHIPPED), e.g. worn or incomplete.
            step = (
                ClaimStatus.RECEIVED
                if claim.status == ClaimStatus.BUYER_SHIPPED
                else ClaimStatus.APPROVED
            )
            move(
                claim,
                step,
                actor=ActorKind.SELLER,
                actor_id=user_id,
                note=coded("partial_refund", amount=str(amount)),
                now=now,
                allowed={ClaimStatus.REQUESTED, ClaimStatus.BUYER_SHIPPED},
            )
            claim.respond_by = None
            refunded = await refund_claim(
                uow,
                claim,
                amount,
                actor=ActorKind.SELLER,
                actor_id=user_id,
                reason="partial refund",
                now=now,
                key_suffix=f"partial:{amount}",
                note=reason if partial else None,
            )
            if partial:  # the buyer may disagree, as with a rejection
                policy = ShopPolicy.from_settings(order.shop.settings)
                claim.appeal_by = now + timedelta(hours=policy.appeal_hours)
            return refunded

        return await self._decide(user_id, claim_id, apply, dry_run=dry_run)

    async def confirm_received(
        self,
        user_id: int,
        claim_id: int,
        *,
        dry_run: bool = False,
        expect: Decimal | None = None,
    ) -> Decision:
        async def apply(
            uow: UnitOfWork, claim: Claim, order: Order, now: datetime
        ) -> Decimal | None:
            move(
                claim,
                ClaimStatus.RECEIVED,
                actor=ActorKind.SELLER,
                actor_id=user_id,
                note=None,
                now=now,
                allowed={ClaimStatus.BUYER_SHIPPED},
            )
            return await refund_claim(
                uow,
                claim,
                claim.requested_amount,
                actor=ActorKind.SELLER,
                actor_id=user_id,
                reason="return received",
                now=now,
            )

        return await self._decide(user_id, claim_id, apply, dry_run=dry_run, expect=expect)

    async def mark_replaced(
        self, user_id: int, claim_id: int, carrier: str, tracking: str
    ) -> Decision:
        carrier = normalise_carrier(carrier)
        number = validate_tracking(carrier, tracking)

        async def apply(
            uow: UnitOfWork, claim: Claim, order: Order, now: datetime
        ) -> Decimal | None:
            if ClaimType(claim.type) != ClaimType.REPLACEMENT:
                raise InvalidTransition("not a replacement")
            move(
                claim,
                ClaimStatus.REPLACED,
                actor=ActorKind.SELLER,
                actor_id=user_id,
                note=coded("shipped", carrier=carrier, tracking=number),
                now=now,
                allowed={ClaimStatus.APPROVED},
            )
            claim.replacement_tracking_number = f"{carrier} {number}"
            return None

        return await self._decide(user_id, claim_id, apply)

    # ---------------------------------------------------------------- helpers
