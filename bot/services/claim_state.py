"""Moving a claim from one status to another, with its history entry.

One function for buyers, sellers, staff and the deadline job, so every transition is
checked against where the claim is and recorded with who, when and why.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from decimal import Decimal

from bot.domain.enums import ActorKind, ClaimStatus
from bot.domain.errors import InvalidTransition
from bot.domain.marketplace import display_name
from bot.services.notices import ClaimUpdate
from bot.services.outbox import Notification, enqueue
from bot.services.refunds import record_refund, remaining_refundable
from bot.services.shops import return_address_of
from storage.models import Claim, ClaimEvent
from storage.uow import UnitOfWork


def move(
    claim: Claim,
    to: ClaimStatus,
    *,
    actor: ActorKind,
    actor_id: int | None,
    note: str | None,
    now: datetime,
    allowed: Collection[ClaimStatus],
) -> ClaimStatus:
    """Move `claim` to `to` if it is in one of `allowed`; return where it was."""
    current = ClaimStatus(claim.status)
    if current not in allowed:
        raise InvalidTransition(f"claim is {current.value}")
    claim.status = to
    claim.updated_at = now
    claim.history.append(
        ClaimEvent(
            from_status=current,
            to_status=to,
            actor_kind=actor,
            actor_id=actor_id,
            note=note,
            at=now,
        )
    )
    return current


async def tell_buyer(
    uow: UnitOfWork, claim: Claim, now: datetime, refunded: Decimal | None = None
) -> None:
    """Queue the buyer's notification of the claim's latest transition (once per
    transition, whoever runs it)."""
    buyer = await uow.chat_users.get(claim.buyer_id)
    if buyer is None or buyer.unreachable:
        return
    last = claim.history[-1]
    order = await uow.orders.get(claim.order_id, full=False)
    shop = await uow.shops.get(order.shop_id) if order is not None else None
    address: str | None = None
    if claim.status == ClaimStatus.AWAITING_BUYER_SHIPMENT:
        # Where to send it, as the shop has it now (None: the seller will tell them).
        order = await uow.orders.get(claim.order_id)
        address = return_address_of(order.shop.settings) if order else None
    notice = ClaimUpdate(
        shop_id=shop.id if shop is not None else None,
        claim_id=claim.id,
        claim_number=claim.claim_number,
        status=claim.status,
        amount=claim.requested_amount,
        refunded=refunded,
        currency=claim.currency,
        note=last.note,
        ship_by=claim.ship_by,
        appeal_by=claim.appeal_by,
        timezone=(shop.timezone if shop is not None else None) or "UTC",
        # Decided on a marketplace: its words, no actions of ours.
        marketplace=display_name(claim.marketplace) if claim.marketplace is not None else None,
        return_address=address,
    )
    await enqueue(
        uow,
        Notification(buyer.external_id, notice),
        now=now,
        dedupe_key=f"claim:{claim.id}:event:{len(claim.history)}",
    )


async def refund_claim(
    uow: UnitOfWork,
    claim: Claim,
    amount: Decimal,
    *,
    actor: ActorKind,
    actor_id: int | None,
    reason: str,
    now: datetime,
    key_suffix: str = "full",
    allowed: Collection[ClaimStatus] = (ClaimStatus.APPROVED, ClaimStatus.RECEIVED),
    note: str | None = None,
) -> Decimal:
    """Refund a claim (capped to what remains on the order) and mark it REFUNDED.

    What remains is read under the order's payment lock, so a concurrent refund of the
    same order commits first and the cap is not stale; the idempotency key makes a
    repeated decision record nothing new."""
    await uow.refunds.lock_payment(claim.order_id)
    amount = min(amount, await remaining_refundable(uow, claim.order_id))
    if amount > 0:
        await record_refund(
            uow,
            order_id=claim.order_id,
            amount=amount,
            issuer_kind=actor,
            issuer_id=actor_id,
            reason=f"{claim.claim_number}: {reason}",
            idempotency_key=f"claim:{claim.id}:{key_suffix}",
            claim_id=claim.id,
            now=now,
        )
    move(
        claim,
        ClaimStatus.REFUNDED,
        actor=actor,
        actor_id=actor_id,
        note=note,  # why (a partial refund's reason: the buyer reads it)
        now=now,
        allowed=allowed,
    )
    return amount
