"""Orders the seller already holds: the buyer asks to cancel, the seller decides; and
goodwill refunds a seller gives on their own shop's orders.

UNPAID and ON_HOLD orders cancel at once (bot.services.orders); from AWAITING_SHIPMENT
on, the seller has the goods in hand, so cancelling is their call, unless the shop
auto-approves requests made soon after payment (`auto_cancel_minutes`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy.orm.exc import StaleDataError

from bot.clock import Clock
from bot.domain.enums import ActorKind, OrderStatus
from bot.domain.errors import (
    AmountChanged,
    DomainError,
    InvalidTransition,
    NotAllowed,
    OrderNotFound,
)
from bot.domain.marketplace import display_name, ensure_ours, owned
from bot.domain.money import AmountInputError, read_amount
from bot.domain.policy import CANCEL_ON_REQUEST, ShopPolicy
from bot.services.notices import (
    CancelDecided,
    CancelRequested,
    CancelWithdrawn,
    GoodwillRefund,
    Notice,
)
from bot.services.outbox import Notification, enqueue
from bot.services.refunds import (
    RefundExceedsRemaining,
    never_paid,
    record_refund,
    remaining_refundable,
)
from bot.services.returns import seller_chat_ids
from storage.models import CancelRequest, Order
from storage.uow import UnitOfWork, UnitOfWorkFactory

MAX_REASON = 500
# The same goodwill refund (order and amount) again within this window asks "again?".
DUPLICATE_WINDOW = timedelta(minutes=10)
# Waiting requests shown again at most (each is a message with its buttons; a shop with
# more has them in the pushes, oldest first here).
WAITING_SHOWN = 10


class AlreadyRequested(DomainError):
    pass


class RequestDecided(DomainError):
    """The request was decided already (another tap, another seller, auto-approval),
    or the buyer withdrew it (`withdrawn`: the seller is told that instead)."""

    def __init__(self, *, withdrawn: bool = False) -> None:
        super().__init__("withdrawn" if withdrawn else "decided")
        self.withdrawn = withdrawn


class NothingToWithdraw(DomainError):
    """No cancellation request of this order waits for the seller (answered meanwhile,
    or never asked): there is nothing to take back."""


@dataclass(frozen=True, slots=True)
class EarlierRefund:
    """A goodwill refund of the same amount on the same order a moment ago."""

    refund_id: int
    amount: Decimal
    currency: str
    at: datetime


class DuplicateGoodwill(DomainError):
    """The same goodwill refund (order, amount) was recorded within the last few
    minutes and the person has not seen it: they are asked "again?" instead."""

    def __init__(self, earlier: EarlierRefund) -> None:
        super().__init__(f"refund {earlier.refund_id} was the same")
        self.earlier = earlier


class GoodwillRefused(DomainError):
    """`reason` is a catalog key suffix: bad_amount, too_much, no_reason, not_found,
    unpaid, never_paid (cancelled before it was paid), fully_refunded."""

    def __init__(
        self,
        reason: str,
        remaining: Decimal | None = None,
        currency: str = "USD",
        problem: AmountInputError | None = None,
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.remaining = remaining
        self.currency = currency
        self.problem = problem  # bad_amount: what is wrong with how it was written


@dataclass(frozen=True, slots=True)
class CancelOutcome:
    request_id: int
    order_id: int
    order_number: str
    status: str  # requested | approved | rejected
    refunded: Decimal
    currency: str
    # What a confirmation shows: who gets the money and what stays refundable after it.
    buyer_name: str | None = None
    remaining: Decimal | None = None
    earlier: EarlierRefund | None = None  # goodwill: the same refund a moment ago
    timezone: str = "UTC"  # the shop's: times shown to its seller


class CancellationService:
    def __init__(self, uow: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    # ------------------------------------------------------------ buyer side

    async def waiting(self, user_id: int, order_id: int) -> bool:
        """Whether a cancellation request for this buyer's order waits for the seller
        (so asking "send them a cancellation request?" again would lead nowhere)."""
        async with self._uow(readonly=True) as uow:
            if not await uow.orders.is_linked(user_id, order_id):
                return False
            return await uow.cancel_requests.waiting_for(order_id)

    async def request(self, user_id: int, order_id: int) -> CancelOutcome:
        now = self._clock.now()
        async with self._uow() as uow:
            # Locked (PostgreSQL; SQLite's write transaction already serialises): two
            # chats linked to the order asking at once must not open two requests.
            order = await _linked_order_locked(uow, user_id, order_id)
            ensure_ours(order.marketplace, "buyer cancellation")  # asked on the marketplace
            if OrderStatus(order.status) not in CANCEL_ON_REQUEST:
                raise InvalidTransition(f"order is {order.status}")
            if await uow.cancel_requests.waiting_for(order.id):
                raise AlreadyRequested()
            request = CancelRequest(
                order_id=order.id, buyer_id=user_id, status="requested", created_at=now
            )
            uow.session.add(request)
            await uow.flush()
            policy = ShopPolicy.from_settings(order.shop.settings)
            window = timedelta(minutes=policy.auto_cancel_minutes)
            notice = CancelRequested(
                shop_id=order.shop_id, request_id=request.id, order_number=order.order_number
            )
            if (
                policy.auto_cancel_minutes
                and not owned(order.marketplace)  # the marketplace decides its orders
                and order.paid_at
                and now - order.paid_at <= window
            ):
                # The buyer sees the answer in their chat at once; the sellers, who hold
                # the parcel, must hear that it is cancelled (and not ship it).
                refunded = await self._approve(
                    uow, request, order, ActorKind.SYSTEM, None, now, tell_buyer=False
                )
                notice = replace(
                    notice, auto_approved=True, refunded=refunded, currency=_currency(order)
                )
            else:
                refunded = Decimal(0)
            await _tell_sellers(uow, order, notice, now, key=f"cancel:{request.id}:seller")
            await uow.commit()
            return _outcome(request, order, refunded)

    async def withdraw(self, user_id: int, order_id: int) -> str:
        """Take back the buyer's cancellation request for their order ("never mind,
        don't cancel"): the order goes ahead, and its sellers are told (the request's
        buttons then say it was withdrawn).  Returns the order number.  Nothing waits
        for the seller (they answered meanwhile): `NothingToWithdraw`."""
        now = self._clock.now()
        async with self._uow() as uow:
            order = await _linked_order_locked(uow, user_id, order_id)  # as `request`
            request = await uow.cancel_requests.waiting_request(order.id)
            if request is None:
                raise NothingToWithdraw()
            ensure_ours(request.marketplace, "cancellation withdrawal")  # asked there
            request.status = "withdrawn"
            request.decided_by_kind, request.decided_by = ActorKind.BUYER, user_id
            request.decided_at = now
            uow.audit.record(
                at=now,
                actor_kind=ActorKind.BUYER,
                actor_id=user_id,
                action="cancel_request.withdrawn",
                entity="order",
                entity_id=order.id,
            )
            notice = CancelWithdrawn(shop_id=order.shop_id, order_number=order.order_number)
            await _tell_sellers(uow, order, notice, now, key=f"cancel:{request.id}:withdrawn")
            await uow.commit()
            return order.order_number

    # ----------------------------------------------------------- seller side

    async def waiting_for_seller(
        self, user_id: int, order_number: str | None = None
    ) -> list[CancelRequested]:
        """The requests waiting for this seller's decision (of every shop they sell
        for; only the one for `order_number` when given), oldest first, each as the
        card their push showed: a seller who lost that message, or types "approve the
        cancellation", gets it again with its buttons.  Someone who sells nowhere gets
        none."""
        async with self._uow(readonly=True) as uow:
            shops = await uow.shops.seller_shop_ids(user_id)
            rows = await uow.cancel_requests.waiting_in(shops, WAITING_SHOWN, order_number)
        return [
            CancelRequested(
                shop_id=row.shop_id,
                request_id=row.request.id,
                order_number=row.order_number,
                marketplace=row.request.marketplace,
                marketplace_name=display_name(row.request.marketplace)
                if row.request.marketplace
                else None,
                deadline=row.request.external_deadline,
                timezone=row.timezone,
            )
            for row in rows
        ]

    async def decide(
        self,
        user_id: int,
        request_id: int,
        *,
        approve: bool,
        note: str | None = None,
        dry_run: bool = False,
        expect: Decimal | None = None,
    ) -> CancelOutcome:
        """The seller's answer.  `dry_run` runs every check and computes the refund,
        then rolls back (what the confirmation shows); `expect` is the refund the
        seller confirmed: if approving would now refund anything else (a goodwill
        refund came first), nothing happens (AmountChanged)."""
        now = self._clock.now()
        try:
            async with self._uow() as uow:
                request = await uow.cancel_requests.get(request_id, for_update=True)
                if request is None:
                    raise NotAllowed("no such request")
                order = await uow.orders.get(request.order_id)
                assert order is not None
                if not await uow.shops.is_seller(user_id, order.shop_id):
                    raise NotAllowed("not a seller of this shop")
                if request.status != "requested":
                    raise RequestDecided(withdrawn=request.status == "withdrawn")
                # Filed on a marketplace: decided there (marketplace_decisions).
                ensure_ours(request.marketplace, "cancellation decision")
                if approve:
                    refunded = await self._approve(
                        uow, request, order, ActorKind.SELLER, user_id, now
                    )
                else:
                    refunded = Decimal(0)
                    request.status, request.note = "rejected", (note or "").strip()[:MAX_REASON]
                    request.decided_by_kind, request.decided_by = ActorKind.SELLER, user_id
                    request.decided_at = now
                    await self._tell_buyer(uow, request, order, now, refunded)
                if expect is not None and refunded != expect:
                    raise AmountChanged(refunded, _currency(order))
                uow.audit.record(
                    at=now,
                    actor_kind=ActorKind.SELLER,
                    actor_id=user_id,
                    action=f"cancel_request.{request.status}",
                    entity="order",
                    entity_id=order.id,
                )
                buyer = await uow.chat_users.get(request.buyer_id)
                outcome = _outcome(
                    request,
                    order,
                    refunded,
                    buyer_name=buyer.first_name if buyer else None,
                    remaining=await remaining_refundable(uow, order.id),
                )
                if not dry_run:  # a dry run leaves the block without commit: rolled back
                    await uow.commit()
                return outcome
        except StaleDataError:
            raise RequestDecided() from None

    async def _approve(
        self,
        uow: UnitOfWork,
        request: CancelRequest,
        order: Order,
        actor: ActorKind,
        actor_id: int | None,
        now: datetime,
        *,
        tell_buyer: bool = True,
    ) -> Decimal:
        if OrderStatus(order.status) not in CANCEL_ON_REQUEST:
            # It shipped meanwhile: the request can only be turned down.
            raise InvalidTransition(f"order is {order.status}")
        order.status = OrderStatus.CANCELLED
        order.updated_at = now
        request.status, request.decided_by_kind, request.decided_by = "approved", actor, actor_id
        request.decided_at = now
        # Lock first, read after: a goodwill refund committed meanwhile is counted.
        await uow.refunds.lock_payment(order.id)
        refunded = await remaining_refundable(uow, order.id)
        if refunded > 0:
            await record_refund(
                uow,
                order_id=order.id,
                amount=refunded,
                issuer_kind=actor,
                issuer_id=actor_id,
                reason="order cancelled at the buyer's request",
                idempotency_key=f"cancel-request:{request.id}",
                now=now,
            )
        if tell_buyer:
            await self._tell_buyer(uow, request, order, now, refunded)
        return refunded

    async def _tell_buyer(
        self,
        uow: UnitOfWork,
        request: CancelRequest,
        order: Order,
        now: datetime,
        refunded: Decimal,
    ) -> None:
        buyer = await uow.chat_users.get(request.buyer_id)
        if buyer is None or buyer.unreachable:  # blocked the bot: nothing is queued for them
            return
        currency = _currency(order)
        notice = CancelDecided(
            shop_id=order.shop_id,
            order_id=order.id,
            order_number=order.order_number,
            status=request.status,
            refunded=refunded,
            currency=currency,
            note=request.note,
            # What is true of the order when the answer is given: a rejected request
            # tells the buyer why in the words of where the order is.
            order_status=order.status,
        )
        await enqueue(
            uow,
            Notification(buyer.external_id, notice),
            now=now,
            dedupe_key=f"cancel:{request.id}:buyer",
        )

    # -------------------------------------------------------------- goodwill

    async def goodwill_refund(
        self,
        user_id: int,
        order_number: str,
        amount_text: str,
        reason: str,
        *,
        request_key: str,
        dry_run: bool = False,
        acknowledged: int | None = None,
    ) -> CancelOutcome:
        """A refund a seller gives on an order of one of their shops, for any reason.

        `request_key` names this one refund (the seller's pending confirmation): asking
        again with it refunds nothing more.  `dry_run` runs every check and rolls back,
        reporting in `earlier` the same refund (order, amount) made in the last few
        minutes, if any.  Otherwise such a refund that the seller has not acknowledged
        (its id above `acknowledged`) stops the refund with `DuplicateGoodwill`."""
        reason = reason.strip()
        now = self._clock.now()
        async with self._uow() as uow:
            shop_ids = await uow.shops.seller_shop_ids(user_id)
            if not shop_ids:
                raise NotAllowed("not a seller")
            if not reason:  # after the seller check: a buyer learns nothing about /refund
                raise GoodwillRefused("no_reason")
            candidates = [
                o
                for o in await uow.orders.find_by_number(order_number.strip())
                if o.shop_id in shop_ids
            ]
            if len(candidates) != 1:
                raise GoodwillRefused("not_found")
            order = candidates[0]
            ensure_ours(order.marketplace, "goodwill refund")  # the marketplace's money
            currency = order.payment.currency if order.payment else order.shop.currency
            if await never_paid(uow, order):  # nothing paid, nothing to give back
                cancelled = OrderStatus(order.status) is OrderStatus.CANCELLED
                raise GoodwillRefused("never_paid" if cancelled else "unpaid")
            remaining = await remaining_refundable(uow, order.id)
            try:
                amount = read_amount(amount_text, currency)
            except AmountInputError as exc:
                raise GoodwillRefused("bad_amount", remaining, currency, exc) from None
            key = f"goodwill:{request_key}"
            # Under the payment lock: a same refund committed a moment ago by another
            # tap or another seller of the shop is seen here.
            await uow.refunds.lock_payment(order.id)
            earlier = None
            repeat = await uow.refunds.by_idempotency_key(key) is not None  # of this one
            if not repeat and await remaining_refundable(uow, order.id) <= 0:
                raise GoodwillRefused("fully_refunded")  # not "more than the $0.00 left"
            # Only a refund that could be paid is asked about again; one that cannot is
            # refused as too much below, whatever came before it.
            if not repeat and amount <= await remaining_refundable(uow, order.id):
                row = await uow.refunds.latest_like(
                    order.id, amount, key_prefix="goodwill:", since=now - DUPLICATE_WINDOW
                )
                if row is not None:
                    earlier = EarlierRefund(row.id, amount, currency, row.created_at)
                    if not dry_run and (acknowledged is None or row.id > acknowledged):
                        raise DuplicateGoodwill(earlier)
            # The ledger checks what is left under the payment lock, after recognising a
            # repeat of the same request (which then refunds nothing more).
            try:
                await record_refund(
                    uow,
                    order_id=order.id,
                    amount=amount,
                    issuer_kind=ActorKind.SELLER,
                    issuer_id=user_id,
                    reason=f"goodwill: {reason[:MAX_REASON]}",
                    idempotency_key=key,
                    now=now,
                )
            except RefundExceedsRemaining as exc:
                raise GoodwillRefused("too_much", exc.remaining, currency) from None
            outcome = CancelOutcome(
                0,
                order.id,
                order.order_number,
                "refunded",
                amount,
                currency,
                buyer_name=order.buyer_name,
                remaining=await remaining_refundable(uow, order.id),
                earlier=earlier,
                timezone=order.shop.timezone or "UTC",
            )
            if dry_run:  # leaves the block without commit: rolled back
                return outcome
            for chat_id in await uow.orders.linked_chat_ids(order.id):
                await enqueue(
                    uow,
                    Notification(
                        chat_id,
                        GoodwillRefund(
                            shop_id=order.shop_id,
                            order_id=order.id,
                            order_number=order.order_number,
                            amount=amount,
                            currency=currency,
                            reason=reason[:MAX_REASON],
                        ),
                    ),
                    now=now,
                    dedupe_key=f"goodwill:{request_key}:chat:{chat_id}",
                )
            await uow.commit()
            return outcome


def _currency(order: Order) -> str:
    return order.payment.currency if order.payment else order.shop.currency


def _outcome(
    request: CancelRequest,
    order: Order,
    refunded: Decimal,
    *,
    buyer_name: str | None = None,
    remaining: Decimal | None = None,
) -> CancelOutcome:
    return CancelOutcome(
        request.id,
        order.id,
        order.order_number,
        request.status,
        refunded,
        _currency(order),
        buyer_name=buyer_name,
        remaining=remaining,
    )


async def _linked_order_locked(uow: UnitOfWork, user_id: int, order_id: int) -> Order:
    """The buyer's linked order, locked for this transaction (one answer per request)."""
    await uow.orders.lock(order_id)
    order = await uow.orders.get(order_id)
    if order is None or not await uow.orders.is_linked(user_id, order_id):
        raise OrderNotFound(order_id)
    return order


async def _tell_sellers(
    uow: UnitOfWork, order: Order, notice: Notice, now: datetime, *, key: str
) -> None:
    """Queue `notice` for every seller chat of the order's shop, once each (`key`)."""
    for chat_id in await seller_chat_ids(uow, order):
        await enqueue(uow, Notification(chat_id, notice), now=now, dedupe_key=f"{key}:{chat_id}")
