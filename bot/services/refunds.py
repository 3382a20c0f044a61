"""The refund ledger: refunds are money, so they are exact, checked and never issued twice.

* `record_refund` writes a ledger row inside the caller's unit of work, so a decision
  ("approve the claim") and its refund commit together or not at all.  It locks the
  order's payment row first, so concurrent refunds of one order are checked one after
  another against what the buyer paid (PostgreSQL: ``SELECT ... FOR UPDATE``; SQLite:
  the IMMEDIATE write transaction already serialises writers).
* Invariant: the sum of an order's non-failed refunds never exceeds `total_paid`.
  Pending refunds count: their money may already be on its way.
* An idempotency key names one refund for good.  Asking again with the same key gives
  back the same row; asking with the same key for something else is an error.
* `RefundService.settle_due` pays pending refunds through a `PaymentGateway` after the
  ledger row committed (the outbox pattern: decide in the transaction, act after the
  commit, claim rows with a conditional UPDATE, retry with backoff).  An answer we did
  not get is never guessed: the row stays pending and is retried with the same key.
  The commit that records a refund wakes this process's settling loop (`QUEUE`, see
  `storage.uow`); its poll remains for other processes' refunds and retries.

Authorisation (who may refund how much) belongs to the callers; this module keeps the
ledger's own rules whoever calls it.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_FLOOR, Decimal
from typing import Any

from sqlalchemy import or_, update
from sqlalchemy.exc import IntegrityError

from bot.clock import Clock
from bot.domain.enums import ActorKind, OrderStatus, RefundStatus
from bot.domain.errors import DomainError, OrderNotFound, RefundExceedsPaid
from bot.domain.money import MoneyError, minor_units, parse_amount, quantize
from bot.services.gateways import GatewayResult, PaymentGateway, RefundRequest
from bot.services.woken_loop import run_woken
from storage.models import Order, Refund
from storage.uow import UnitOfWork, UnitOfWorkFactory

log = logging.getLogger(__name__)

MAX_KEY_LENGTH = 100  # the column's size
# How long a claimed refund is left alone before another worker may try it again.  It
# must outlast one gateway call (HttpGateway: attempts × timeout + backoff).
LEASE = timedelta(minutes=5)
# Unknown outcomes are retried for ever (giving up would be a guess); past this many
# attempts every retry is logged as an error so a person looks at it.
ALERT_AFTER_ATTEMPTS = 10
_CLAIM_CANDIDATES = 5
# The after-commit topic of the ledger: `record_refund` marks it, the settling loop
# listens.
QUEUE = "refunds"


class RefundExceedsRemaining(RefundExceedsPaid):
    """The refund asked for is more than is left to refund on the order.

    `remaining` is the largest amount that would be accepted now (in the currency's
    minor unit, never negative); `currency` is None when the order has no payment."""

    def __init__(self, *, requested: Decimal, remaining: Decimal, currency: str | None) -> None:
        super().__init__(f"refund of {requested} exceeds the {remaining} still refundable")
        self.requested = requested
        self.remaining = remaining
        self.currency = currency


class IdempotencyKeyReused(DomainError):
    """The idempotency key already names a different refund (other order or amount)."""


class InvalidRefundAmount(DomainError):
    """Not a positive amount in the currency's minor unit (e.g. 0, -1, 1.005 USD)."""


@dataclass(frozen=True, slots=True)
class RefundView:
    """A ledger row for cards: detached and read-only."""

    id: int
    order_id: int
    claim_id: int | None
    amount: Decimal
    currency: str
    status: RefundStatus
    issuer_kind: ActorKind
    issuer_id: int | None
    reason: str
    gateway_reference: str | None
    attempts: int
    created_at: datetime
    updated_at: datetime


def refund_view(refund: Refund) -> RefundView:
    return RefundView(
        id=refund.id,
        order_id=refund.order_id,
        claim_id=refund.claim_id,
        amount=quantize(refund.amount, refund.currency),
        currency=refund.currency,
        status=RefundStatus(refund.status),
        issuer_kind=ActorKind(refund.issuer_kind),
        issuer_id=refund.issuer_id,
        reason=refund.reason,
        gateway_reference=refund.gateway_reference,
        attempts=refund.attempts,
        created_at=refund.created_at,
        updated_at=refund.updated_at,
    )


def refund_backoff(attempt: int) -> timedelta:
    """Wait after the `attempt`-th try ended without an answer: 30 s, 1 min, 2 min, ...
    at most an hour (the shop's endpoint may be down for a while)."""
    return min(timedelta(seconds=30 * 2 ** min(max(attempt, 1) - 1, 10)), timedelta(hours=1))


def _floor_to_currency(value: Decimal, currency: str) -> Decimal:
    """The largest amount in the currency's minor unit not above `value` (and ≥ 0):
    what can actually be refunded out of a remainder like 0.0025 USD is 0.00."""
    step = Decimal(1).scaleb(-minor_units(currency))
    return max(Decimal(0), value).quantize(step, rounding=ROUND_FLOOR)


def _validated_amount(amount: Decimal, currency: str) -> Decimal:
    if not isinstance(amount, Decimal):
        raise InvalidRefundAmount(f"a refund amount must be a Decimal, not {type(amount).__name__}")
    if not amount.is_finite():
        raise InvalidRefundAmount(f"{amount} is not an amount")
    # Numerically, not as written: 0.250 is 0.25 USD; 0.255 is not an amount in USD.
    normal = amount.normalize()
    if normal != amount:  # normalize() rounds past 28 digits: such a value is no amount
        raise InvalidRefundAmount(f"{amount} has too many digits")
    try:
        value = parse_amount(normal, currency)
    except MoneyError as exc:
        raise InvalidRefundAmount(str(exc)) from exc
    if value <= 0:
        raise InvalidRefundAmount(f"a refund must be more than zero, not {amount}")
    return value


def _same_refund(existing: Refund, order_id: int, amount: Decimal) -> Refund:
    """An idempotent repeat returns the first row; a different ask under its key fails."""
    if existing.order_id != order_id or existing.amount != amount:
        raise IdempotencyKeyReused(
            f"idempotency key {existing.idempotency_key!r} already refunds "
            f"{existing.amount} {existing.currency} on order {existing.order_id}"
        )
    return existing


async def record_refund(
    uow: UnitOfWork,
    *,
    order_id: int,
    amount: Decimal,
    issuer_kind: ActorKind,
    issuer_id: int | None,
    reason: str,
    idempotency_key: str,
    claim_id: int | None = None,
    now: datetime,
) -> Refund:
    """Add a pending refund to the ledger in the caller's unit of work (not committed).

    Returns the existing row when `idempotency_key` was used before for the same order
    and amount.  Raises `IdempotencyKeyReused` when it was used for something else,
    `InvalidRefundAmount`, `OrderNotFound`, or `RefundExceedsRemaining` (a
    `RefundExceedsPaid`) when the non-failed refunds would exceed what was paid.
    """
    if not 0 < len(idempotency_key) <= MAX_KEY_LENGTH:
        raise ValueError(f"an idempotency key has 1 to {MAX_KEY_LENGTH} characters")
    reason = reason.strip()
    if not reason:
        raise ValueError("a refund needs a reason")
    if not isinstance(amount, Decimal):
        raise InvalidRefundAmount(f"a refund amount must be a Decimal, not {type(amount).__name__}")

    # Lock first, read after: on PostgreSQL a transaction that waited for the lock then
    # sees (READ COMMITTED) every refund and key committed by the one it waited for.
    payment = await uow.refunds.lock_payment(order_id)
    if payment is None:
        if await uow.orders.get(order_id, full=False) is None:
            raise OrderNotFound(order_id)
        raise RefundExceedsRemaining(requested=amount, remaining=Decimal(0), currency=None)
    currency = payment.currency
    value = _validated_amount(amount, currency)

    existing = await uow.refunds.by_idempotency_key(idempotency_key)
    if existing is not None:
        return _same_refund(existing, order_id, value)

    order = await uow.orders.get(order_id, full=False)
    paid = await paid_on(uow, order, payment.total_paid) if order else Decimal(0)
    remaining = paid - await uow.refunds.refunded_total(order_id)
    if value > remaining:
        raise RefundExceedsRemaining(
            requested=value, remaining=_floor_to_currency(remaining, currency), currency=currency
        )

    refund = Refund(
        order_id=order_id,
        claim_id=claim_id,
        amount=value,
        currency=currency,
        status=RefundStatus.PENDING,
        issuer_kind=issuer_kind,
        issuer_id=issuer_id,
        reason=reason,
        idempotency_key=idempotency_key,
        attempts=0,
        next_attempt_at=now,
        created_at=now,
        updated_at=now,
    )
    # The key can still collide with a row this transaction cannot see yet (one written
    # without the payment lock, or for another order).  The insert runs in a savepoint so
    # the collision leaves the caller's transaction usable; the caller's own pending
    # changes are flushed before it, so rolling the savepoint back cannot drop them.
    await uow.flush()
    try:
        async with uow.session.begin_nested():
            uow.refunds.add(refund)
    except IntegrityError:
        existing = await uow.refunds.by_idempotency_key(idempotency_key)
        if existing is None:
            raise
        return _same_refund(existing, order_id, value)

    uow.audit.record(
        at=now,
        actor_kind=issuer_kind,
        actor_id=issuer_id,
        action="refund.recorded",
        entity="refund",
        entity_id=refund.id,
        details={
            "order_id": order_id,
            "claim_id": claim_id,
            "amount": str(value),
            "currency": currency,
            "reason": reason,
            "idempotency_key": idempotency_key,
        },
    )
    uow.queued(QUEUE)
    return refund


async def issue_refund(
    uow_factory: UnitOfWorkFactory,
    *,
    order_id: int,
    amount: Decimal,
    issuer_kind: ActorKind,
    issuer_id: int | None,
    reason: str,
    idempotency_key: str,
    claim_id: int | None = None,
    now: datetime,
) -> Refund:
    """`record_refund` in a unit of work of its own, committed: for refunds that are
    not part of a larger decision (staff tools, scripts)."""
    async with uow_factory() as uow:
        refund = await record_refund(
            uow,
            order_id=order_id,
            amount=amount,
            issuer_kind=issuer_kind,
            issuer_id=issuer_id,
            reason=reason,
            idempotency_key=idempotency_key,
            claim_id=claim_id,
            now=now,
        )
        await uow.commit()
        return refund


async def never_paid(uow: UnitOfWork, order: Order) -> bool:
    """The order was never paid, though its payment record carries a total (what is
    due, shown on its card): it awaits payment, or it was cancelled straight from
    awaiting payment.

    A cancelled order's status no longer says whether it was paid, so the signals
    are: a paid time (TikTok Shop's `paid_time`, an import's `paid_at`) says it was;
    else the audit of its cancellation from UNPAID (written by the buyer's cancel in
    the chat, and by an import or sync that saw it go from UNPAID to CANCELLED) says it
    was not.  An order that first arrives already cancelled, with no paid time, keeps
    its total refundable: nothing says it was not paid, and a paid order's refund
    must never be refused."""
    status = OrderStatus(order.status)
    if status is OrderStatus.UNPAID:
        return True
    if status is not OrderStatus.CANCELLED or order.paid_at is not None:
        return False
    return await uow.audit.cancelled_while_unpaid(order.id)


async def paid_on(uow: UnitOfWork, order: Order, total: Decimal) -> Decimal:
    """What the buyer has paid on an order whose payment record says `total`: nothing
    on an order never paid (`never_paid`)."""
    return Decimal(0) if await never_paid(uow, order) else total


async def remaining_refundable(uow: UnitOfWork, order_id: int) -> Decimal:
    """What can still be refunded on the order (0 without a payment, or before it is
    paid), in the currency's minor unit.  A read: a refund decided on it goes through
    `record_refund`, which checks again under the lock."""
    payment = await uow.refunds.payment_of(order_id)
    order = await uow.orders.get(order_id, full=False)
    if payment is None or order is None:
        return Decimal(0)
    refunded = await uow.refunds.refunded_total(order_id)
    paid = await paid_on(uow, order, payment.total_paid)
    return _floor_to_currency(paid - refunded, payment.currency)


async def claim_refunded(uow: UnitOfWork, claim_id: int) -> Decimal:
    """What the ledger already refunds on one claim (failed refunds do not count): a
    partial refund appealed and granted pays the rest of the claim, not all of it."""
    return await uow.refunds.claim_total(claim_id)


async def refund_views(uow: UnitOfWork, order_id: int) -> list[RefundView]:
    """The order's ledger, oldest first, for use inside another service's unit of work."""
    return [refund_view(r) for r in await uow.refunds.for_order(order_id)]


# ------------------------------------------------------------------ settlement


@dataclass(frozen=True, slots=True)
class _Claimed:
    refund_id: int
    attempt: int
    request: RefundRequest


class RefundService:
    """Pays pending ledger rows through the gateway and records what it answered."""

    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        clock: Clock,
        gateway: PaymentGateway,
        *,
        lease: timedelta = LEASE,
    ) -> None:
        self._uow = uow_factory
        self._clock = clock
        self._gateway = gateway
        self._lease = lease
        self._wake = asyncio.Event()

    def wake(self) -> None:
        """Ask the loop to look now (after a use case committed a refund)."""
        self._wake.set()

    async def refunds_for_order(self, order_id: int) -> list[RefundView]:
        """The order's ledger.  No access check here: the calling service must already
        know the person may see this order."""
        async with self._uow(readonly=True) as uow:
            return await refund_views(uow, order_id)

    async def settle_due(self, limit: int = 20) -> int:
        """Try the refunds that are due, one at a time.  Returns how many were tried
        (whatever the gateway answered)."""
        tried = 0
        while tried < limit:
            claimed = await self._claim_next()
            if claimed is None:
                break
            await self._settle(claimed)
            tried += 1
        return tried

    async def _claim_next(self) -> _Claimed | None:
        """Take one due refund for this worker: bump `attempts` and push the next
        attempt past the lease, only if nobody else did in between."""
        now = self._clock.now()
        async with self._uow() as uow:
            for row in await uow.refunds.due(now, _CLAIM_CANDIDATES):
                result = await uow.session.execute(
                    update(Refund)
                    .where(
                        Refund.id == row.id,
                        Refund.status == RefundStatus.PENDING,
                        Refund.attempts == row.attempts,
                        or_(Refund.next_attempt_at.is_(None), Refund.next_attempt_at <= now),
                    )
                    .values(
                        attempts=row.attempts + 1,
                        next_attempt_at=now + self._lease,
                        updated_at=now,
                    )
                    .execution_options(synchronize_session=False)
                )
                if result.rowcount != 1:  # type: ignore[attr-defined]
                    continue  # another worker took it
                order_number, shop_code = await uow.refunds.order_and_shop(row.id)
                await uow.commit()
                return _Claimed(
                    row.id,
                    row.attempts + 1,
                    RefundRequest(
                        refund_id=row.id,
                        order_number=order_number,
                        shop_code=shop_code,
                        amount=quantize(row.amount, row.currency),
                        currency=row.currency,
                        reason=row.reason,
                        # The same key on every attempt: the shop deduplicates on it.
                        idempotency_key=row.idempotency_key,
                    ),
                )
        return None

    async def _settle(self, claimed: _Claimed) -> None:
        try:
            result = await self._gateway.refund(claimed.request)
        except Exception as exc:  # a gateway bug is not an answer: try again later
            log.exception("refund gateway crashed", extra={"refund_id": claimed.refund_id})
            result = GatewayResult("unknown", None, f"{type(exc).__name__}: {exc}"[:300])
        now = self._clock.now()
        where: list[Any] = [Refund.id == claimed.refund_id, Refund.status == RefundStatus.PENDING]
        values: dict[str, Any] = {"updated_at": now}
        if result.outcome == "succeeded":
            values.update(status=RefundStatus.SUCCEEDED, gateway_reference=result.reference)
            values["next_attempt_at"] = None
        elif result.outcome == "declined":
            values.update(status=RefundStatus.FAILED, gateway_reference=result.reference)
            values["next_attempt_at"] = None
        else:
            # Only push back our own claim: a newer claim has its own lease.
            where.append(Refund.attempts == claimed.attempt)
            values["next_attempt_at"] = now + refund_backoff(claimed.attempt)
        outcome = result.outcome if result.outcome in ("succeeded", "declined") else "unknown"
        async with self._uow() as uow:
            changed = await uow.session.execute(
                update(Refund)
                .where(*where)
                .values(**values)
                .execution_options(synchronize_session=False)
            )
            if changed.rowcount == 1:  # type: ignore[attr-defined]
                uow.audit.record(
                    at=now,
                    actor_kind=ActorKind.SYSTEM,
                    actor_id=None,
                    action=f"refund.{outcome}",
                    entity="refund",
                    entity_id=claimed.refund_id,
                    details={
                        "attempt": claimed.attempt,
                        "reference": result.reference,
                        "detail": result.detail,
                    },
                )
            await uow.commit()
        extra = {"refund_id": claimed.refund_id, "attempt": claimed.attempt, "outcome": outcome}
        if changed.rowcount != 1:  # type: ignore[attr-defined]
            # Another worker settled it while our call was out (our lease ran out).
            log.warning("refund settled elsewhere; answer not stored", extra=extra)
        elif outcome == "unknown" and claimed.attempt >= ALERT_AFTER_ATTEMPTS:
            log.error("refund outcome still unknown; needs a person", extra=extra)
        elif outcome != "succeeded":
            log.warning("refund not paid", extra={**extra, "detail": result.detail})

    async def run_forever(self, idle_seconds: float = 5.0) -> None:
        """Settle until cancelled: at once when a unit of work of this process commits
        a refund (`record_refund`), else every `idle_seconds`."""
        await run_woken(
            self._uow,
            QUEUE,
            self._wake,
            self.wake,
            self.settle_due,
            idle_seconds=idle_seconds,
            log=log,
            error="refund loop error",
        )
