"""After-sales windows and what a buyer may do in each order status.

Defaults follow TikTok Shop's published rules (README, "Shop settings"); a shop overrides
any of them in `Shop.settings`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, fields, replace
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, Literal, Protocol

from bot.domain.enums import OrderStatus
from bot.domain.hours import BusinessHours

log = logging.getLogger(__name__)

DEFAULT_FIRST_RESPONSE_MINUTES = 15


@dataclass(frozen=True, slots=True)
class ShopPolicy:
    seller_response_hours: int = 48
    buyer_ship_back_days: int = 5
    seller_receive_days: int = 8
    appeal_hours: int = 48
    return_window_days: int = 15
    not_received_window_days: int = 30
    # Refund-only claims up to this amount are approved without the seller; 0 = off.
    auto_approve_refund_below: Decimal = Decimal(0)
    # Buyer cancellation requests of AWAITING_SHIPMENT orders auto-approve within this
    # many minutes of payment; 0 = the seller always decides.
    auto_cancel_minutes: int = 0
    # Signed deep links (`order-link`, `seller invite`) expire: an order link after this
    # many days, and it links the order for this many Telegram accounts (the first to
    # open it); a seller invite after this many days (it works once).
    order_link_days: int = 60
    order_link_uses: int = 1
    invite_days: int = 7

    @classmethod
    def from_settings(cls, settings: dict[str, Any] | None) -> ShopPolicy:
        policy = cls()
        if not settings:
            return policy
        known = {f.name: f.type for f in fields(cls)}
        changes: dict[str, Any] = {}
        for name, value in settings.items():
            if name not in known:
                continue
            default = getattr(policy, name)
            changes[name] = Decimal(str(value)) if isinstance(default, Decimal) else int(value)
        return replace(policy, **changes)


class ShopSettings(Protocol):
    """What the policies read from a shop (the stored `Shop` row has these)."""

    @property
    def id(self) -> int: ...
    @property
    def timezone(self) -> str: ...
    @property
    def settings(self) -> dict[str, Any] | None: ...


@dataclass(frozen=True, slots=True)
class DeskPolicy:
    """A shop's support promises: when people answer and how fast, and whose name
    signs staff replies ("staff": the staff member's own, "shop": the shop's)."""

    hours: BusinessHours
    first_response_minutes: int = DEFAULT_FIRST_RESPONSE_MINUTES
    signature: Literal["staff", "shop"] = "staff"

    @classmethod
    def for_shop(cls, shop: ShopSettings | None) -> DeskPolicy:
        tz = shop.timezone if shop is not None and shop.timezone else "UTC"
        settings: dict[str, Any] = (shop.settings if shop is not None else None) or {}
        try:
            hours = (
                BusinessHours.parse(str(settings["business_hours"]), tz)
                if settings.get("business_hours")
                else BusinessHours.always(tz)
            )
        except ValueError:
            # Validated when set; a bad stored value must not stop tickets from opening.
            log.warning("bad business_hours ignored", extra={"shop_id": shop and shop.id})
            try:  # open all day, still in the shop's zone (its times are shown in it)
                hours = BusinessHours.always(tz)
            except ValueError:  # the zone itself is what was bad
                hours = BusinessHours.always("UTC")
        try:
            raw = settings.get("first_response_minutes", DEFAULT_FIRST_RESPONSE_MINUTES)
            minutes = max(1, int(raw))
        except (TypeError, ValueError):
            minutes = DEFAULT_FIRST_RESPONSE_MINUTES  # only a hand-edited database gets here
        signature: Literal["staff", "shop"] = (
            "shop" if settings.get("staff_signature") == "shop" else "staff"
        )
        return cls(hours, minutes, signature)


# Statuses in which the buyer cancels alone, at once (not yet handed to fulfilment).
CANCEL_AT_ONCE = frozenset({OrderStatus.UNPAID, OrderStatus.ON_HOLD})
# Statuses in which the buyer may ask the seller to cancel.
CANCEL_ON_REQUEST = frozenset({OrderStatus.AWAITING_SHIPMENT})
SHIPPED = frozenset(
    {
        OrderStatus.PARTIALLY_SHIPPING,
        OrderStatus.AWAITING_COLLECTION,
        OrderStatus.IN_TRANSIT,
        OrderStatus.DELIVERED,
    }
)

# Statuses in which nothing about an order can change any more (its address, its items):
# it has arrived, or it never will.  A request to change one is answered, not passed to
# a person who could do nothing either; a delivered order's way forward is a return.
TOO_LATE_TO_CHANGE = frozenset(
    {OrderStatus.DELIVERED, OrderStatus.COMPLETED, OrderStatus.CANCELLED}
)

# Statuses of an order still coming to the buyer: paid, and not delivered yet.
ON_ITS_WAY = frozenset(
    {
        OrderStatus.ON_HOLD,
        OrderStatus.AWAITING_SHIPMENT,
        OrderStatus.PARTIALLY_SHIPPING,
        OrderStatus.AWAITING_COLLECTION,
        OrderStatus.IN_TRANSIT,
    }
)


def return_deadline(delivered_at: datetime | None, policy: ShopPolicy) -> datetime | None:
    if delivered_at is None:
        return None
    return delivered_at + timedelta(days=policy.return_window_days)
