"""Read models that services hand to handlers: frozen, detached from the session, so a
handler can render them but never change business state by accident."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from bot.domain.care import CarePolicy
from bot.domain.enums import ClaimReason, DeliveryOption, OrderStatus, TrackingTag
from bot.domain.policy import ShopPolicy
from bot.domain.returns import Eligibility, NotEligible, eligibility
from storage.models import Order


@dataclass(frozen=True, slots=True)
class ItemView:
    id: int
    sku: str
    name: str
    quantity: int
    unit_price: Decimal


@dataclass(frozen=True, slots=True)
class EventView:
    at: datetime
    tag: TrackingTag
    message: str
    location: str | None


@dataclass(frozen=True, slots=True)
class ShipmentView:
    carrier: str
    tracking_number: str
    delivery_option: DeliveryOption
    estimated_delivery: datetime | None
    events: tuple[EventView, ...]


@dataclass(frozen=True, slots=True)
class OrderView:
    id: int
    shop_id: int
    shop_name: str
    order_number: str
    status: OrderStatus
    placed_at: datetime
    paid_at: datetime | None
    delivered_at: datetime | None
    currency: str
    total_paid: Decimal
    items: tuple[ItemView, ...]
    shipments: tuple[ShipmentView, ...]
    policy: ShopPolicy
    # The payment's breakdown (total = subtotal + shipping - discount + tax, checked on
    # import) and the shop's timezone, so a card can show both as people expect.
    subtotal: Decimal = Decimal(0)
    shipping: Decimal = Decimal(0)
    discount: Decimal = Decimal(0)
    tax: Decimal = Decimal(0)
    timezone: str = "UTC"
    marketplace: str | None = None  # "tiktok": cancelled and returned on TikTok Shop
    # The buyer's cancellation request waits for the seller (read for the card only).
    cancel_asked: bool = False
    # What the shop counts as a parcel gone quiet ("stuck"), for answers about it.
    care: CarePolicy = field(default_factory=CarePolicy)

    @property
    def estimated_delivery(self) -> datetime | None:
        dates = [s.estimated_delivery for s in self.shipments if s.estimated_delivery]
        return max(dates) if dates else None

    @property
    def is_express(self) -> bool:
        return any(s.delivery_option == DeliveryOption.EXPRESS for s in self.shipments)

    def rules(self, now: datetime) -> Eligibility:
        """What a return or refund request may ask for on this order now, by the return
        rules (`bot.domain.returns.eligibility`); NotEligible with why not."""
        return eligibility(
            self.status,
            now=now,
            delivered_at=self.delivered_at,
            estimated_delivery=self.estimated_delivery,
            policy=self.policy,
            marketplace=self.marketplace,
        )

    def why_no_request(self, now: datetime) -> str | None:
        """Why no return or refund can be asked for on this order now (the return
        rules' reason: "in_transit" for a parcel on schedule), or None when one can."""
        try:
            self.rules(now)
        except NotEligible as exc:
            return exc.reason
        return None

    def may_report_not_received(self, now: datetime) -> bool:
        """Whether the rules allow "not received" now (a parcel past its estimate),
        items left to claim aside."""
        try:
            return ClaimReason.NOT_RECEIVED in self.rules(now).reasons
        except NotEligible:
            return False

    def quiet_days(self, now: datetime) -> int | None:
        """Whole days since the newest tracking event of any parcel; None with none."""
        news = [s.events[-1].at for s in self.shipments if s.events]
        return (now - max(news)).days if news else None

    def gone_quiet(self, now: datetime) -> bool:
        """No tracking news for the shop's "stuck" days (a parcel with no event at all
        is not counted: it may not have been handed over)."""
        quiet = self.quiet_days(now)
        return quiet is not None and quiet >= self.care.stuck_after_days


@dataclass(frozen=True, slots=True)
class OrderSummary:
    """One order as the orders list shows it (no items, parcels or policy)."""

    id: int
    order_number: str
    status: OrderStatus
    total_paid: Decimal
    currency: str


def order_view(order: Order) -> OrderView:
    """Build from an order loaded with items, payment, shipments+events and shop."""
    payment = order.payment
    return OrderView(
        id=order.id,
        shop_id=order.shop_id,
        shop_name=order.shop.name,
        order_number=order.order_number,
        status=OrderStatus(order.status),
        placed_at=order.placed_at,
        paid_at=order.paid_at,
        delivered_at=order.delivered_at,
        currency=payment.currency if payment else order.shop.currency,
        total_paid=payment.total_paid if payment else Decimal(0),
        items=tuple(
            ItemView(i.id, i.sku, i.product_name, i.quantity, i.unit_price) for i in order.items
        ),
        shipments=tuple(
            ShipmentView(
                carrier=s.carrier,
                tracking_number=s.tracking_number,
                delivery_option=DeliveryOption(s.delivery_option),
                estimated_delivery=s.estimated_delivery,
                events=tuple(
                    EventView(e.at, TrackingTag(e.tag), e.message, e.location)
                    for e in sorted(s.events, key=lambda e: e.at)
                ),
            )
            for s in order.shipments
        ),
        policy=ShopPolicy.from_settings(order.shop.settings),
        subtotal=payment.subtotal if payment else Decimal(0),
        shipping=payment.shipping_fee if payment else Decimal(0),
        discount=payment.discount if payment else Decimal(0),
        tax=payment.tax if payment else Decimal(0),
        timezone=order.shop.timezone or "UTC",
        marketplace=order.marketplace,
        care=CarePolicy.from_settings(order.shop.settings),
    )
