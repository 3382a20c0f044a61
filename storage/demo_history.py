"""Months of past orders and after-sales for the demo shops, for seller insight.

`generate_demo_history` adds `DEMO_HISTORY_DAYS` of finished orders to what
`generate_demo_orders` makes (the current orders: parcels on the way, try-me orders),
plus what happened after those sales.  Like the current orders it is deterministic for
a seed and `now`, with every time counted backwards from `now`.  What each part is for
(what `/insights` and `tests/bench/forecast.py` should find in it):

* **Demand**: orders per shop-local day follow a weekly rhythm (`WEEKLY_RHYTHM`:
  Harbor & Home sells most at the weekend, Lumen Audio on Friday and Saturday) and a
  promotion peak `PROMO_DAYS_AGO` days back (`PROMO_LIFT`, about 3x for four days).
  The last days before `now` are topped up to the same rhythm around the current orders,
  so the series has no hole where history meets them; a forecast should learn the
  weekday pattern and beat "same as last week".
* **Returns**: a few products carry most of them, each with one dominant reason
  (`RETURN_RULES`): Harbor's sage Stoneware Mug 'arrived damaged', roughly twice as
  often among the orders delivered in the last 7 days as in the weeks before (the
  insight to flag: check the packaging); a diffuser and Lumen's black earbuds are
  'defective' at a steady rate.  Other products see an occasional return with mixed
  reasons.  Claims are in final states (refunded, replaced, or rejected then closed),
  with their status history and refunds, so the deadline job has nothing to do.
* **Ratings** (`order_ratings`): about 40% of delivered orders, mostly 4-5 stars; an
  order with a return is rated 1-2, and orders of the problem products lean lower.
* **Support load**: cancellation requests (approved ones cancelled the order before it
  shipped, rejected ones shipped anyway), and closed tickets with a staff reply, a
  first-response and a resolution time, and the buyer's rating of the help.

Nothing here is a live conversation: the historical buyers are chat users of the
`HISTORY_CHANNEL` channel, which no bot serves (nothing can be sent to them), their
orders have no order links, and no outbox row is written for any of it.
"""

from __future__ import annotations

import math
import random
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from bot.domain.enums import (
    ClaimReason,
    ClaimStatus,
    ClaimType,
    DeliveryOption,
    EscalationReason,
    OrderStatus,
    TrackingTag,
)
from bot.domain.money import quantize
from storage.demo_data import (
    _DELIVERED_MESSAGES,
    _HARBOR,
    _LUMEN,
    _PROFILES,
    _PROMISE_DAYS,
    DEMO_HISTORY_DAYS,
    RETURN_WINDOW_DAYS,
    _Buyer,
    _DemoGenerator,
    _Product,
    _ShopProfile,
)
from storage.importers.records import (
    ItemRecord,
    OrderRecord,
    ShipmentRecord,
    TrackingEventRecord,
)

# No bot serves this channel: the historical buyers cannot be written to.
HISTORY_CHANNEL = "demo-history"

# The most recent local days are left to the current orders (parcels on the way, new
# orders) except for a top-up to the same rhythm; history orders are all finished.
RECENT_DAYS = 3

# Orders per shop-local day before the weekday factor, and the factor Monday..Sunday.
BASE_PER_DAY = {_HARBOR.shop.code: 9.0, _LUMEN.shop.code: 5.5}
WEEKLY_RHYTHM = {
    _HARBOR.shop.code: (1.0, 0.85, 0.8, 0.85, 1.0, 1.5, 1.7),
    _LUMEN.shop.code: (1.05, 0.9, 0.85, 0.95, 1.3, 1.45, 0.8),
}
# A promotion this many days before today (the first day first) and its lift per day.
PROMO_DAYS_AGO = 38
PROMO_LIFT = (2.6, 3.2, 3.0, 2.4)

# Bestsellers: a product's weight when drawing items (the rest weigh 1).
POPULAR = {
    "HH-MUG-12-SAGE": 7.0,
    "HH-MUG-12-SAND": 3.0,
    "HH-CNDL-CEDAR-8": 3.0,
    "HH-DIFF-USB-WHT": 2.5,
    "LA-BUDS-PRO-BLK": 5.0,
    "LA-CBL-USBC-1M": 3.0,
    "LA-CHG-65W-GAN": 2.0,
}


@dataclass(frozen=True, slots=True)
class ReturnRule:
    """Returns of one product: the share of its delivered orders that come back, per
    week of delivery (`last_week` for the 7 days before now), and why."""

    sku: str
    reason: ClaimReason
    rate: float
    last_week: float
    notes: tuple[str, ...]


RETURN_RULES: tuple[ReturnRule, ...] = (
    ReturnRule(
        "HH-MUG-12-SAGE",
        ClaimReason.DAMAGED,
        0.08,
        0.2,
        (
            "Arrived damaged: the handle broke off in the box.",
            "The mug came in pieces, the box had no padding.",
            "Arrived damaged, a big chip on the rim.",
            "Cracked right down the side when I unpacked it.",
        ),
    ),
    ReturnRule(
        "HH-DIFF-USB-WHT",
        ClaimReason.DEFECTIVE,
        0.06,
        0.06,
        ("Stopped misting after a week.", "The light works but no mist comes out."),
    ),
    ReturnRule(
        "LA-BUDS-PRO-BLK",
        ClaimReason.DEFECTIVE,
        0.07,
        0.07,
        (
            "The left earbud does not charge in the case.",
            "Right earbud keeps disconnecting.",
            "Left bud is silent after two days.",
        ),
    ),
)
# Any other product: this share comes back, for one of these reasons.
BACKGROUND_RATE = 0.012
BACKGROUND_REASONS = (
    (ClaimReason.NO_LONGER_NEEDED, "Ordered twice by mistake."),
    (ClaimReason.WRONG_ITEM, "Got a different colour than I ordered."),
    (ClaimReason.NOT_AS_DESCRIBED, "Smaller than it looked in the photos."),
    (ClaimReason.MISSING_ITEM, "One item was missing from the parcel."),
)

CANCEL_RATE = 0.03  # paid orders whose buyer asked to cancel before shipping
UNPAID_CANCEL_RATE = 0.02  # placed, never paid, cancelled by the marketplace rules
TICKET_RATE = 0.025  # orders whose buyer asked a person something
RATED_SHARE = 0.4  # delivered orders whose buyer rated them
RATING_AFTER_DAYS = 3  # as CarePolicy.rating_after_days

STAFF = ("Riley", "Morgan", "Alex")  # who answered the historical tickets
_TICKET_TALK = (
    (
        "Where is my parcel? Tracking has not moved.",
        "Sorry for the wait: it is at the local depot and goes out tomorrow.",
    ),
    ("Can I change the delivery address?", "Done: the carrier has the new address."),
    ("Is this dishwasher safe?", "Yes, up to 60 degrees; hand washing keeps the glaze longer."),
    (
        "How do I pair the second earbud?",
        "Put both in the case, hold the button for 5 seconds, then pair again.",
    ),
    ("I was charged twice.", "The second charge was a hold and is released within 3 days."),
)
_LOW_COMMENTS = ("Arrived broken.", "Not happy with the quality.", "Stopped working quickly.")
_HIGH_COMMENTS = ("Lovely, thank you!", "Fast delivery.", "Exactly as described.")


# --------------------------------------------------------------------- results


@dataclass(frozen=True, slots=True)
class HistoryEvent:
    from_status: ClaimStatus | None
    to_status: ClaimStatus
    actor_kind: str  # buyer | seller | system
    at: datetime
    note: str | None = None


@dataclass(frozen=True, slots=True)
class HistoryClaim:
    shop_code: str
    order_number: str
    buyer_email: str
    claim_number: str
    type: ClaimType
    reason: ClaimReason
    status: ClaimStatus
    note: str
    lines: tuple[tuple[int, int], ...]  # (line_no, quantity)
    amount: Decimal
    currency: str
    events: tuple[HistoryEvent, ...]
    refunded: Decimal | None  # what the refund ledger paid back, when it did


@dataclass(frozen=True, slots=True)
class HistoryCancel:
    shop_code: str
    order_number: str
    buyer_email: str
    approved: bool
    created_at: datetime
    decided_at: datetime
    note: str | None


@dataclass(frozen=True, slots=True)
class HistoryTicket:
    shop_code: str
    order_number: str
    buyer_email: str
    reason: EscalationReason
    staff: str
    opened_at: datetime
    first_response_at: datetime
    closed_at: datetime
    rating: int
    messages: tuple[tuple[str, str, str, datetime], ...]  # (direction, author, text, at)


@dataclass(frozen=True, slots=True)
class HistoryRating:
    shop_code: str
    order_number: str
    buyer_email: str
    stars: int
    comment: str | None
    at: datetime


@dataclass
class DemoHistory:
    current: list[tuple[str, OrderRecord]] = field(default_factory=list)  # as generated
    orders: list[tuple[str, OrderRecord]] = field(default_factory=list)
    claims: list[HistoryClaim] = field(default_factory=list)
    cancels: list[HistoryCancel] = field(default_factory=list)
    tickets: list[HistoryTicket] = field(default_factory=list)
    ratings: list[HistoryRating] = field(default_factory=list)
    buyers: dict[str, str] = field(default_factory=dict)  # email -> name, who took part


def generate_demo_history(
    seed: int = 7, count: int = 240, now: datetime | None = None
) -> DemoHistory:
    """The history that goes with `generate_demo_orders(seed, count, now)`.

    It draws order and tracking numbers the current orders do not use, and tops up the
    recent days around them, so the two load together."""
    if count < 0:
        raise ValueError("count must not be negative")
    if now is None:
        now = datetime.now(UTC)
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    generator = _DemoGenerator(seed, now.astimezone(UTC))
    current = list(generator.orders(count))  # and their numbers are taken
    return _History(generator, seed, current).build()


# ------------------------------------------------------------------- generator


@dataclass(slots=True)
class _Sale:
    """A history order and what the after-sales steps need to know about it."""

    shop: _ShopProfile
    record: OrderRecord
    buyer: _Buyer
    shipped_at: datetime | None


class _History:
    """Draws the history with its own random stream (the current orders' stay as they
    were), in order: the orders, then the returns, ratings and tickets on them."""

    def __init__(
        self, generator: _DemoGenerator, seed: int, current: Sequence[tuple[str, OrderRecord]]
    ) -> None:
        self.gen = generator
        self.rng = random.Random(f"demo-history:{seed}")
        self.anchor = generator.anchor
        self.current = current
        self.out = DemoHistory(current=list(current))
        self.claim_numbers: set[str] = set()

    def build(self) -> DemoHistory:
        sales: list[_Sale] = []
        for index, profile in enumerate(_PROFILES):
            sales += self._orders(index, profile)
        sales.sort(key=lambda s: (s.record.placed_at, s.record.order_number))
        self.out.orders = [(s.shop.shop.code, s.record) for s in sales]
        returned = self._claims(sales)
        self._ratings(sales, returned)
        self._tickets(sales)
        return self.out

    # ------------------------------------------------------------------ orders

    def _orders(self, shop_index: int, profile: _ShopProfile) -> list[_Sale]:
        code = profile.shop.code
        zone = ZoneInfo(profile.shop.timezone)
        today = self.anchor.astimezone(zone).date()
        existing = Counter(
            r.placed_at.astimezone(zone).date() for c, r in self.current if c == code
        )
        weights = [POPULAR.get(p.sku, 1.0) for p in profile.catalogue]
        sales: list[_Sale] = []
        for days_ago in range(DEMO_HISTORY_DAYS, RECENT_DAYS - 1, -1):
            day = today - timedelta(days=days_ago)
            wanted = _poisson(self.rng, expected_orders(code, day, today))
            for _ in range(max(0, wanted - existing[day])):
                placed = _local_time(self.rng, day, zone)
                buyer = self.rng.choice(self.gen.buyers[shop_index])
                items = self._items(profile, weights)
                sales.append(self._sale(profile, buyer, items, placed))
        return sales

    def _items(self, profile: _ShopProfile, weights: list[float]) -> tuple[ItemRecord, ...]:
        rng = self.rng
        count = rng.choices((1, 2, 3), weights=(65, 25, 10))[0]
        chosen: list[_Product] = []
        while len(chosen) < count:
            product = rng.choices(profile.catalogue, weights=weights)[0]
            if product not in chosen:
                chosen.append(product)
        return tuple(
            ItemRecord(p.sku, p.name, rng.choices((1, 2), weights=(90, 10))[0], p.price)
            for p in chosen
        )

    def _sale(
        self, profile: _ShopProfile, buyer: _Buyer, items: tuple[ItemRecord, ...], placed: datetime
    ) -> _Sale:
        rng = self.rng
        minute = timedelta(minutes=1)
        number = self._order_number()
        option = DeliveryOption.EXPRESS if rng.random() < 0.2 else DeliveryOption.STANDARD
        subtotal, fee, discount, tax, total = _money(rng, profile, buyer, items, option)

        def make(status: OrderStatus, **when: Any) -> OrderRecord:
            return OrderRecord(
                order_number=number,
                status=status,
                placed_at=placed,
                currency=profile.shop.currency,
                subtotal=subtotal,
                shipping_fee=fee,
                discount=discount,
                tax=tax,
                total_paid=total,
                items=items,
                buyer_name=buyer.name,
                buyer_email=buyer.email,
                buyer_phone=buyer.phone,
                shipping_address=buyer.address,
                source=f"demo history {profile.shop.code}",
                **when,
            )

        roll = rng.random()
        if roll < UNPAID_CANCEL_RATE:
            record = make(OrderStatus.CANCELLED)
            return _Sale(profile, record, buyer, None)
        paid = placed + rng.randint(1, 30) * minute
        if roll < UNPAID_CANCEL_RATE + CANCEL_RATE * 0.7:
            # The buyer asked to cancel before it shipped, and the seller agreed.
            record = make(OrderStatus.CANCELLED, paid_at=paid)
            asked = paid + rng.randint(20, 480) * minute
            decided = asked + rng.randint(30, 360) * minute
            self.out.cancels.append(
                HistoryCancel(profile.shop.code, number, buyer.email, True, asked, decided, None)
            )
            self.out.buyers[buyer.email] = buyer.name
            return _Sale(profile, record, buyer, None)
        # Minutes after payment: label, pickup, out for delivery, delivered.
        express = option is DeliveryOption.EXPRESS
        label = rng.randint(60, 600 if express else 1200)
        pickup = label + rng.randint(60, 600)
        transit = round(1440 * (rng.uniform(0.8, 2.0) if express else rng.uniform(2.5, 7.5)))
        delivered = pickup + transit
        out = delivered - rng.randint(60, 360)
        # A recent order must be delivered by now (less three hours): squeeze its trip.
        room = int((self.anchor - timedelta(hours=3) - paid) / minute)
        if delivered > room:
            scale = room / delivered
            label, pickup, out, delivered = (
                max(1, round(m * scale)) for m in (label, pickup, out, delivered)
            )
        offsets = [label, pickup, out, delivered]
        for i in range(1, 4):  # strictly increasing after rounding
            offsets[i] = max(offsets[i], offsets[i - 1] + 2)
        label_at, shipped, out_at, delivered_at = (paid + m * minute for m in offsets)
        carrier = rng.choices(profile.carriers, weights=profile.carrier_weights)[0]
        events = [
            TrackingEventRecord(
                label_at,
                TrackingTag.INFO_RECEIVED,
                f"Shipping label created; {carrier} awaiting item",
                profile.origin,
            ),
            TrackingEventRecord(
                shipped, TrackingTag.IN_TRANSIT, f"Picked up by {carrier}", profile.origin
            ),
            # The first sort facility and the local one: history needs no more scans.
            *self.gen._hops(rng, profile.hubs[carrier][:1], buyer, shipped, out_at),
            TrackingEventRecord(
                out_at, TrackingTag.OUT_FOR_DELIVERY, "Out for delivery", buyer.city
            ),
            TrackingEventRecord(
                delivered_at, TrackingTag.DELIVERED, rng.choice(_DELIVERED_MESSAGES), buyer.city
            ),
        ]
        shipment = ShipmentRecord(
            carrier=carrier,
            tracking_number=self.gen._tracking_number(rng, carrier),
            delivery_option=option,
            estimated_delivery=shipped + timedelta(days=_PROMISE_DAYS[option]),
            shipped_at=shipped,
            events=tuple(events),
        )
        settled = self.anchor - delivered_at > timedelta(days=RETURN_WINDOW_DAYS + 5)
        record = make(
            OrderStatus.COMPLETED if settled else OrderStatus.DELIVERED,
            paid_at=paid,
            delivered_at=delivered_at,
            shipments=(shipment,),
        )
        if roll < UNPAID_CANCEL_RATE + CANCEL_RATE:
            # Asked to cancel too late: it was packed, the seller said no.
            asked = paid + max(1, (label - 1) // 2) * minute
            decided = asked + max(1, (label - 1) // 4) * minute
            self.out.cancels.append(
                HistoryCancel(
                    profile.shop.code,
                    number,
                    buyer.email,
                    False,
                    asked,
                    decided,
                    "Already packed and labelled, sorry.",
                )
            )
            self.out.buyers[buyer.email] = buyer.name
        return _Sale(profile, record, buyer, shipped)

    def _order_number(self) -> str:
        taken = self.gen.order_numbers
        while True:
            number = f"{self.rng.choice(('57', '58'))}{self.rng.randrange(10**16):016d}"
            if number not in taken and not number.startswith("5761000000"):
                taken.add(number)
                return number

    # ------------------------------------------------------------------ returns

    def _claims(self, sales: list[_Sale]) -> set[str]:
        """Claims, chosen per product and week of delivery so the rates hold exactly
        (whatever the seed); returns the order numbers that got one."""
        rules = {rule.sku: rule for rule in RETURN_RULES}
        # (sku, week) -> delivered orders with that product; week 0 = the last 7 days.
        buckets: dict[tuple[str, int], list[_Sale]] = defaultdict(list)
        for sale in sales:
            delivered = sale.record.delivered_at
            if delivered is None:
                continue
            week = int((self.anchor - delivered) / timedelta(days=7))
            for item in sale.record.items:
                buckets[item.sku, week].append(sale)
        claimed: dict[str, _Sale] = {}
        picks: list[tuple[_Sale, ItemRecord, ClaimReason, str]] = []
        for (sku, week), bucket in sorted(buckets.items()):
            rule = rules.get(sku)
            rate = (rule.last_week if week == 0 else rule.rate) if rule else BACKGROUND_RATE
            wanted = round(rate * len(bucket)) if rule else _poisson(self.rng, rate * len(bucket))
            free = [s for s in bucket if s.record.order_number not in claimed]
            for sale in self.rng.sample(free, min(wanted, len(free))):
                item = next(i for i in sale.record.items if i.sku == sku)
                if rule:
                    reason, note = rule.reason, self.rng.choice(rule.notes)
                else:
                    reason, note = self.rng.choice(BACKGROUND_REASONS)
                claimed[sale.record.order_number] = sale
                picks.append((sale, item, reason, note))
        for sale, item, reason, note in picks:
            self.out.claims.append(self._claim(sale, item, reason, note))
            self.out.buyers[sale.buyer.email] = sale.buyer.name
        self.out.claims.sort(key=lambda c: (c.events[0].at, c.claim_number))
        return set(claimed)

    def _claim(self, sale: _Sale, item: ItemRecord, reason: ClaimReason, note: str) -> HistoryClaim:
        rng = self.rng
        record = sale.record
        assert record.delivered_at is not None
        hour = timedelta(hours=1)
        since = self.anchor - record.delivered_at
        # Filed within a few days of delivery, decided within the day; recent ones quick.
        filed = record.delivered_at + min(since / 3, rng.uniform(2, 72) * hour)
        filed = filed.replace(second=0, microsecond=0)
        line_no = record.items.index(item) + 1
        amount = min(quantize(item.unit_price * item.quantity, record.currency), record.total_paid)
        decided = filed + (self.anchor - filed) * rng.uniform(0.05, 0.3)
        decided = min(decided, filed + rng.uniform(1, 20) * hour).replace(second=0, microsecond=0)
        events = [HistoryEvent(None, ClaimStatus.REQUESTED, "buyer", filed, note)]
        refunded: Decimal | None = amount
        old = since > timedelta(days=12)
        if reason is ClaimReason.NO_LONGER_NEEDED and old and rng.random() < 0.5:
            # Outside the rules (the buyer changed their mind on a final-sale item):
            # rejected, and closed when nobody appealed.
            kind, status, refunded = ClaimType.RETURN_AND_REFUND, ClaimStatus.CLOSED, None
            events += [
                HistoryEvent(
                    ClaimStatus.REQUESTED,
                    ClaimStatus.REJECTED,
                    "seller",
                    decided,
                    "Final sale item.",
                ),
                HistoryEvent(
                    ClaimStatus.REJECTED, ClaimStatus.CLOSED, "system", decided + timedelta(days=7)
                ),
            ]
        elif reason in (ClaimReason.DEFECTIVE, ClaimReason.NOT_AS_DESCRIBED) and old:
            kind, status = ClaimType.RETURN_AND_REFUND, ClaimStatus.REFUNDED
            shipped_back = decided + rng.uniform(12, 72) * hour
            received = shipped_back + rng.uniform(48, 120) * hour
            steps = (
                (ClaimStatus.REQUESTED, ClaimStatus.APPROVED, "seller", decided),
                (ClaimStatus.APPROVED, ClaimStatus.AWAITING_BUYER_SHIPMENT, "system", decided),
                (
                    ClaimStatus.AWAITING_BUYER_SHIPMENT,
                    ClaimStatus.BUYER_SHIPPED,
                    "buyer",
                    shipped_back,
                ),
                (ClaimStatus.BUYER_SHIPPED, ClaimStatus.RECEIVED, "seller", received),
                (ClaimStatus.RECEIVED, ClaimStatus.REFUNDED, "seller", received),
            )
            events += [
                HistoryEvent(a, b, who, at.replace(second=0, microsecond=0))
                for a, b, who, at in steps
            ]
        elif reason in (ClaimReason.DAMAGED, ClaimReason.WRONG_ITEM) and old and rng.random() < 0.4:
            kind, status, refunded = ClaimType.REPLACEMENT, ClaimStatus.REPLACED, None
            sent = (decided + rng.uniform(4, 30) * hour).replace(second=0, microsecond=0)
            events += [
                HistoryEvent(ClaimStatus.REQUESTED, ClaimStatus.APPROVED, "seller", decided),
                HistoryEvent(ClaimStatus.APPROVED, ClaimStatus.REPLACED, "seller", sent),
            ]
        else:
            # Refund only, the buyer keeps the item (a broken mug is not worth returning).
            kind, status = ClaimType.REFUND, ClaimStatus.REFUNDED
            events += [
                HistoryEvent(ClaimStatus.REQUESTED, ClaimStatus.APPROVED, "seller", decided),
                HistoryEvent(ClaimStatus.APPROVED, ClaimStatus.REFUNDED, "seller", decided),
            ]
        return HistoryClaim(
            shop_code=sale.shop.shop.code,
            order_number=record.order_number,
            buyer_email=sale.buyer.email,
            claim_number=self._claim_number(filed),
            type=kind,
            reason=reason,
            status=status,
            note=note,
            lines=((line_no, item.quantity),),
            amount=amount,
            currency=record.currency,
            events=tuple(events),
            refunded=refunded,
        )

    def _claim_number(self, filed: datetime) -> str:
        alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # as storage's new_claim_number
        while True:
            number = f"R{filed:%y%m%d}-" + "".join(self.rng.choice(alphabet) for _ in range(5))
            if number not in self.claim_numbers:
                self.claim_numbers.add(number)
                return number

    # ------------------------------------------------------------------ ratings

    def _ratings(self, sales: list[_Sale], returned: set[str]) -> None:
        problem = {rule.sku for rule in RETURN_RULES}
        for sale in sales:
            record = sale.record
            if record.delivered_at is None:
                continue
            at = record.delivered_at + timedelta(
                days=RATING_AFTER_DAYS, minutes=self.rng.randint(5, 1440)
            )
            if at >= self.anchor:
                continue
            had_return = record.order_number in returned
            if self.rng.random() >= (0.7 if had_return else RATED_SHARE):
                continue
            if had_return:
                stars = self.rng.choice((1, 1, 2))
            elif any(i.sku in problem for i in record.items):
                stars = self.rng.choices((5, 4, 3, 2, 1), weights=(40, 30, 18, 8, 4))[0]
            else:
                stars = self.rng.choices((5, 4, 3, 2, 1), weights=(62, 26, 8, 3, 1))[0]
            comment = None
            if self.rng.random() < 0.3:
                comment = self.rng.choice(_LOW_COMMENTS if stars <= 2 else _HIGH_COMMENTS)
            self.out.ratings.append(
                HistoryRating(
                    sale.shop.shop.code,
                    record.order_number,
                    sale.buyer.email,
                    stars,
                    comment,
                    at.replace(second=0, microsecond=0),
                )
            )
            self.out.buyers[sale.buyer.email] = sale.buyer.name

    # ------------------------------------------------------------------ tickets

    def _tickets(self, sales: list[_Sale]) -> None:
        rng = self.rng
        minute = timedelta(minutes=1)
        for sale in sales:
            record = sale.record
            if sale.shipped_at is None or rng.random() >= TICKET_RATE:
                continue
            assert record.delivered_at is not None
            question, answer = rng.choice(_TICKET_TALK)
            # Asked while the parcel was on its way; answered within minutes to hours.
            opened = sale.shipped_at + (record.delivered_at - sale.shipped_at) * rng.uniform(
                0.2, 0.8
            )
            opened = opened.replace(second=0, microsecond=0)
            first = opened + rng.choice((rng.randint(3, 45), rng.randint(45, 600))) * minute
            closed = first + rng.randint(20, 1800) * minute
            if closed >= self.anchor:
                continue
            staff = rng.choice(STAFF)
            reason = (
                EscalationReason.REQUESTED if rng.random() < 0.8 else EscalationReason.ANSWER_FAILED
            )
            rated = closed + rng.randint(1, 120) * minute
            rating = rng.choices((5, 4, 3, 2), weights=(60, 25, 10, 5))[0]
            self.out.tickets.append(
                HistoryTicket(
                    shop_code=sale.shop.shop.code,
                    order_number=record.order_number,
                    buyer_email=sale.buyer.email,
                    reason=reason,
                    staff=staff,
                    opened_at=opened,
                    first_response_at=first,
                    closed_at=closed,
                    rating=rating,
                    messages=(
                        ("event", "", f"opened:{reason.value}", opened),
                        ("buyer", sale.buyer.name.split()[0], question, opened),
                        ("staff", staff, answer, first),
                        ("buyer", sale.buyer.name.split()[0], "Thank you!", first + minute),
                        ("event", staff, "closed", closed),
                        ("event", "", f"rated:{rating}", min(rated, self.anchor - minute)),
                    ),
                )
            )
            self.out.buyers[sale.buyer.email] = sale.buyer.name


# ---------------------------------------------------------------------- helpers


def expected_orders(shop_code: str, day: date, today: date) -> float:
    """Orders a shop expects on a local `day`: base, weekday rhythm, promotion lift."""
    promo_day = PROMO_DAYS_AGO - (today - day).days  # 0 on the promotion's first day
    lift = PROMO_LIFT[promo_day] if 0 <= promo_day < len(PROMO_LIFT) else 1.0
    return BASE_PER_DAY[shop_code] * WEEKLY_RHYTHM[shop_code][day.weekday()] * lift


def promo_days(today: date) -> list[date]:
    """The promotion's local days, first to last."""
    first = today - timedelta(days=PROMO_DAYS_AGO)
    return [first + timedelta(days=i) for i in range(len(PROMO_LIFT))]


def _poisson(rng: random.Random, mean: float) -> int:
    """A Poisson draw (Knuth's method: fine for the small means used here)."""
    if mean <= 0:
        return 0
    limit, k, p = math.exp(-mean), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


# People shop in the evening more than at night: weights per local hour 0..23.
_HOURS = (1, 1, 1, 1, 1, 1, 2, 3, 4, 5, 6, 6, 7, 7, 6, 6, 6, 7, 8, 9, 9, 8, 5, 3)


def _local_time(rng: random.Random, day: date, zone: ZoneInfo) -> datetime:
    hour = rng.choices(range(24), weights=_HOURS)[0]
    local = datetime.combine(day, time(hour, rng.randint(0, 59)), tzinfo=zone)
    return local.astimezone(UTC)


def _money(
    rng: random.Random,
    profile: _ShopProfile,
    buyer: _Buyer,
    items: tuple[ItemRecord, ...],
    option: DeliveryOption,
) -> tuple[Decimal, Decimal, Decimal, Decimal, Decimal]:
    """Subtotal, shipping, discount, tax and total, as the current orders count them."""
    currency = profile.shop.currency
    subtotal = quantize(sum((i.unit_price * i.quantity for i in items), Decimal(0)), currency)
    if option is DeliveryOption.EXPRESS:
        fee = profile.express_fee
    elif subtotal >= profile.free_standard_over:
        fee = Decimal(0)
    else:
        fee = profile.standard_fee
    discount = Decimal(0)
    if rng.random() < 0.2:
        discount = min(subtotal * Decimal("0.10"), subtotal)
    discount = quantize(discount, currency)
    tax = quantize((subtotal - discount) * buyer.tax_rate, currency)
    fee = quantize(fee, currency)
    return subtotal, fee, discount, tax, subtotal + fee - discount + tax
