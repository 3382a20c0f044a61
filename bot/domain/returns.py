"""Return ("claim") rules: who may ask for what, for which items, and how much money.

Pure functions over plain values so the rules are unit-tested without a database and
the service re-checks them on every submit (buttons and drafts are only input).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from bot.domain.enums import ClaimReason, ClaimStatus, ClaimType, OrderStatus
from bot.domain.marketplace import buyer_acts_here
from bot.domain.money import quantize
from bot.domain.policy import ShopPolicy

MAX_PHOTOS = 9
MAX_PHOTO_BYTES = 10 * 1024 * 1024
PHOTO_REQUIRED = frozenset(
    {
        ClaimReason.DAMAGED,
        ClaimReason.DEFECTIVE,
        ClaimReason.WRONG_ITEM,
        ClaimReason.NOT_AS_DESCRIBED,
    }
)
# Claims in these statuses no longer hold their items: the items may be claimed again.
RELEASED = frozenset({ClaimStatus.CANCELLED, ClaimStatus.REJECTED})
OPEN = frozenset(
    {
        ClaimStatus.REQUESTED,
        ClaimStatus.NEEDS_INFO,
        ClaimStatus.APPROVED,
        ClaimStatus.AWAITING_BUYER_SHIPMENT,
        ClaimStatus.BUYER_SHIPPED,
        ClaimStatus.RECEIVED,
        ClaimStatus.APPEALED,
    }
)
# What the buyer can still withdraw (before the seller has the goods or money moved).
WITHDRAWABLE = frozenset(
    {
        ClaimStatus.REQUESTED,
        ClaimStatus.NEEDS_INFO,
        ClaimStatus.APPROVED,
        ClaimStatus.AWAITING_BUYER_SHIPMENT,
    }
)


class NotEligible(Exception):
    """Why this order cannot be claimed now; `reason` is a catalog key suffix."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class Eligibility:
    """What the buyer may ask for on this order right now."""

    types: tuple[ClaimType, ...]
    reasons: tuple[ClaimReason, ...]
    deadline: datetime


# Why nothing can be claimed yet for a parcel on its way and on schedule.
IN_TRANSIT = "in_transit"


def eligibility(
    status: OrderStatus,
    *,
    now: datetime,
    delivered_at: datetime | None,
    estimated_delivery: datetime | None,
    policy: ShopPolicy,
    marketplace: str | None = None,
) -> Eligibility:
    """Raise NotEligible with a reason, or say which types and reasons apply.

    A marketplace order: never here ("marketplace"), the buyer returns it there.

    DELIVERED: any type and reason within the return window after delivery.
    IN_TRANSIT past its estimated delivery: "not received", refund only, within the
    not-received window counted from the promised date.
    """
    if not buyer_acts_here(marketplace):
        raise NotEligible("marketplace")
    if status == OrderStatus.DELIVERED:
        delivered = delivered_at or now
        deadline = delivered + timedelta(days=policy.return_window_days)
        if now > deadline:
            raise NotEligible("window_closed")
        return Eligibility(tuple(ClaimType), tuple(ClaimReason), deadline)
    if status == OrderStatus.IN_TRANSIT:
        if estimated_delivery is None or now <= estimated_delivery:
            raise NotEligible(IN_TRANSIT)
        deadline = estimated_delivery + timedelta(days=policy.not_received_window_days)
        if now > deadline:
            raise NotEligible("window_closed")
        return Eligibility((ClaimType.REFUND,), (ClaimReason.NOT_RECEIVED,), deadline)
    raise NotEligible(f"status_{status.value.lower()}")


@dataclass(frozen=True, slots=True)
class Line:
    """One order line as the rules need it."""

    item_id: int
    quantity: int
    unit_price: Decimal


def claimable(lines: Iterable[Line], held: Mapping[int, int]) -> dict[int, int]:
    """Per line, how many units may still be claimed (bought minus held by claims that
    are open or ended with money/goods moving).  Lines with 0 are left out."""
    result = {}
    for line in lines:
        left = line.quantity - held.get(line.item_id, 0)
        if left > 0:
            result[line.item_id] = left
    return result


def refund_amount(
    *,
    lines: Iterable[Line],
    claimed: Mapping[int, int],
    previously_held: Mapping[int, int],
    subtotal: Decimal,
    shipping_fee: Decimal,
    total_paid: Decimal,
    already_refunded: Decimal,
    currency: str,
    claim_type: ClaimType,
) -> Decimal:
    """The refund a claim asks for.

    * Goods are refunded at what the buyer actually paid for them: their list price
      scaled by (total paid − shipping) / subtotal, so order-level discounts and tax
      are shared out in proportion (no discount or tax: exactly the item prices).
    * Shipping is added when, with this claim, every unit of the order is claimed.
    * Never more than what remains refundable on the order.
    * A replacement asks for no money.
    """
    if claim_type == ClaimType.REPLACEMENT:
        return Decimal(0)
    lines = list(lines)
    value = sum((line.unit_price * claimed.get(line.item_id, 0) for line in lines), Decimal(0))
    goods_paid = total_paid - shipping_fee
    amount = value if subtotal <= 0 else value * goods_paid / subtotal
    whole_order = all(
        previously_held.get(line.item_id, 0) + claimed.get(line.item_id, 0) >= line.quantity
        for line in lines
    )
    if whole_order:
        amount += shipping_fee
    remaining = total_paid - already_refunded
    return quantize(max(Decimal(0), min(amount, remaining)), currency)


def photos_required(reason: ClaimReason) -> bool:
    return reason in PHOTO_REQUIRED


def may_request_return(
    status: OrderStatus,
    *,
    now: datetime,
    delivered_at: datetime | None,
    estimated_delivery: datetime | None,
    policy: ShopPolicy,
    marketplace: str | None = None,
) -> bool:
    """Whether a return can be asked for on this order now, by the one rule above (the
    order card's button and the /return list must never disagree with the flow)."""
    return (
        why_not_now(
            status,
            now=now,
            delivered_at=delivered_at,
            estimated_delivery=estimated_delivery,
            policy=policy,
            marketplace=marketplace,
        )
        is None
    )


def why_not_now(
    status: OrderStatus,
    *,
    now: datetime,
    delivered_at: datetime | None,
    estimated_delivery: datetime | None,
    policy: ShopPolicy,
    marketplace: str | None = None,
) -> str | None:
    """Why nothing can be asked for on this order now (NotEligible's reason: "in_transit"
    for a parcel on its way and on schedule), or None when something can."""
    try:
        eligibility(
            status,
            now=now,
            delivered_at=delivered_at,
            estimated_delivery=estimated_delivery,
            policy=policy,
            marketplace=marketplace,
        )
    except NotEligible as exc:
        return exc.reason
    return None


# Why an order is left out of the /return list, as the buyer would put it: the many
# NotEligible reasons fold into a few groups (catalog `journey.hidden.<group>`).
HIDDEN_GROUPS = {
    "in_transit": "not_delivered",
    "status_unpaid": "not_delivered",
    "status_on_hold": "not_delivered",
    "status_awaiting_shipment": "not_delivered",
    "status_partially_shipping": "not_delivered",
    "status_awaiting_collection": "not_delivered",
    "status_cancelled": "cancelled",
    "window_closed": "window_closed",
    "status_completed": "window_closed",
    "all_claimed": "all_claimed",
    "marketplace": "marketplace",
}
HIDDEN_ORDER = ("not_delivered", "cancelled", "window_closed", "all_claimed", "marketplace")


def hidden_group(reason: str) -> str:
    """The group of a NotEligible reason (an unknown one counts as not delivered yet)."""
    return HIDDEN_GROUPS.get(reason, "not_delivered")


def summary_kind(claim_type: ClaimType, reason: ClaimReason) -> str:
    """Which wording a request's summary and prompts use (catalog suffixes): a parcel
    that never came has no item to keep or photograph; a replacement asks for no money."""
    if claim_type == ClaimType.REPLACEMENT:
        return "replacement"
    if reason == ClaimReason.NOT_RECEIVED:
        return "not_received"
    return "refund"


def reasons_for(
    claim_type: ClaimType | None, offered: Iterable[ClaimReason]
) -> tuple[ClaimReason, ...]:
    """The reasons that make sense with this kind of request: a parcel that never
    arrived cannot be sent back, so "return and refund" is not for it."""
    offered = tuple(offered)
    if claim_type == ClaimType.RETURN_AND_REFUND:
        return tuple(r for r in offered if r != ClaimReason.NOT_RECEIVED)
    return offered


def types_for(reason: ClaimReason | None, offered: Iterable[ClaimType]) -> tuple[ClaimType, ...]:
    """The kinds of request that make sense with this reason: for a parcel that never
    arrived, there is no item to keep ("refund only, keep the item") or send back."""
    offered = tuple(offered)
    if reason == ClaimReason.NOT_RECEIVED:
        return tuple(t for t in offered if t != ClaimType.RETURN_AND_REFUND)
    return offered
