"""Demo data: deterministic, complete (every status and story), and internally consistent."""

from __future__ import annotations

import re
from collections import Counter
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from itertools import pairwise

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.domain.carriers import KNOWN_CARRIERS, validate_tracking
from bot.domain.enums import DeliveryOption, OrderStatus, TrackingTag
from bot.domain.money import minor_units
from storage.demo_data import DEMO_SHOPS, DEMO_TRY_ME, RETURN_WINDOW_DAYS, generate_demo_orders
from storage.importers.records import OrderRecord

# Deliberately not on a minute boundary: nothing may land on or after it.
NOW = datetime(2026, 1, 15, 12, 0, 30, 250000, tzinfo=UTC)
SHOP_CURRENCY = {shop.code: shop.currency for shop in DEMO_SHOPS}
EMAIL = re.compile(r"[a-z0-9.]+@example\.(com|org|net)")
# +1 NPA 555-0100..0199 (fiction range) or +44 7700 900xxx (Ofcom drama range).
PHONE = re.compile(r"1[2-9][0-9]{2}55501[0-9]{2}|447700900[0-9]{3}")

Orders = list[tuple[str, OrderRecord]]


@pytest.fixture(scope="module")
def orders() -> Orders:
    return list(generate_demo_orders(seed=7, count=240, now=NOW))


def _by_status(orders: Orders, status: OrderStatus) -> list[OrderRecord]:
    return [o for _, o in orders if o.status is status]


# --------------------------------------------------------------- invariants


def check_invariants(orders: Orders, now: datetime) -> None:
    """What must hold for any seed, count and `now`."""
    numbers = [o.order_number for _, o in orders]
    assert len(set(numbers)) == len(numbers)
    tracking = [s.tracking_number for _, o in orders for s in o.shipments]
    assert len(set(tracking)) == len(tracking)
    for shop_code, order in orders:
        where = f"{shop_code} {order.order_number} {order.status}"
        assert re.fullmatch(r"5[78][0-9]{16}", order.order_number), where
        assert order.currency == SHOP_CURRENCY[shop_code], where
        _check_money(order, where)
        _check_people(order, where)
        _check_times(order, now, where)
        _check_status_rules(order, now, where)


def _check_money(order: OrderRecord, where: str) -> None:
    places = minor_units(order.currency)
    amounts = [order.subtotal, order.shipping_fee, order.discount, order.tax, order.total_paid]
    amounts += [item.unit_price for item in order.items]
    for amount in amounts:
        assert isinstance(amount, Decimal), where
        assert amount >= 0, where
        assert amount.as_tuple().exponent == -places, (where, amount)
    assert order.subtotal == sum((i.quantity * i.unit_price for i in order.items), Decimal(0))
    assert order.total_paid == order.subtotal + order.shipping_fee - order.discount + order.tax
    assert order.discount <= order.subtotal, where
    assert 1 <= len(order.items) <= 4, where
    assert len({i.sku for i in order.items}) == len(order.items), where
    assert all(i.quantity > 0 and i.product_name for i in order.items), where


def _check_people(order: OrderRecord, where: str) -> None:
    assert order.buyer_name, where
    assert order.buyer_email and EMAIL.fullmatch(order.buyer_email), (where, order.buyer_email)
    assert order.buyer_phone and PHONE.fullmatch(order.buyer_phone), (where, order.buyer_phone)
    assert order.shipping_address, where


def _check_times(order: OrderRecord, now: datetime, where: str) -> None:
    moments = [order.placed_at, order.paid_at, order.delivered_at]
    for shipment in order.shipments:
        moments += [shipment.estimated_delivery, shipment.shipped_at]
        moments += [e.at for e in shipment.events]
    for moment in moments:
        assert moment is None or moment.tzinfo is not None, where
    assert order.placed_at < now, where
    if order.paid_at is not None:
        assert order.placed_at < order.paid_at < now, where
    for shipment in order.shipments:
        times = [e.at for e in shipment.events]
        assert times, where
        assert all(a < b for a, b in pairwise(times)), where
        assert times[-1] < now, where
        assert order.paid_at is not None and order.paid_at < times[0], where
        assert shipment.events[0].tag is TrackingTag.INFO_RECEIVED, where
        if shipment.shipped_at is not None:
            pickup = shipment.events[1]
            assert (pickup.at, pickup.tag) == (shipment.shipped_at, TrackingTag.IN_TRANSIT)
        assert validate_tracking(shipment.carrier, shipment.tracking_number) == (
            shipment.tracking_number
        ), where


def _check_status_rules(order: OrderRecord, now: datetime, where: str) -> None:
    status = order.status
    tags = [[e.tag for e in s.events] for s in order.shipments]
    if status in (OrderStatus.DELIVERED, OrderStatus.COMPLETED):
        assert order.delivered_at is not None and order.delivered_at < now, where
        (events,) = [s.events for s in order.shipments]
        assert events[-1].tag is TrackingTag.DELIVERED, where
        assert events[-1].at == order.delivered_at, where
        assert TrackingTag.DELIVERED not in [e.tag for e in events[:-1]], where
        return
    assert order.delivered_at is None, where
    assert all(TrackingTag.DELIVERED not in t for t in tags), where
    if status in (OrderStatus.UNPAID, OrderStatus.CANCELLED):
        if status is OrderStatus.UNPAID:
            assert order.paid_at is None, where
        assert order.shipments == (), where
    elif status in (OrderStatus.ON_HOLD, OrderStatus.AWAITING_SHIPMENT):
        assert order.paid_at is not None and order.shipments == (), where
    elif status is OrderStatus.AWAITING_COLLECTION:
        assert tags == [[TrackingTag.INFO_RECEIVED]], where
        assert order.shipments[0].shipped_at is None, where
    elif status is OrderStatus.PARTIALLY_SHIPPING:
        assert len(order.items) >= 2 and len(order.shipments) == 1, where
        assert TrackingTag.IN_TRANSIT in tags[0], where
    else:
        assert status is OrderStatus.IN_TRANSIT, where
        assert len(order.shipments) == 1, where
        assert tags[0][:2] == [TrackingTag.INFO_RECEIVED, TrackingTag.IN_TRANSIT], where


def test_default_data_is_consistent(orders: Orders) -> None:
    check_invariants(orders, NOW)


@settings(max_examples=25, deadline=None)
@given(
    seed=st.integers(min_value=0, max_value=2**31),
    count=st.integers(min_value=0, max_value=60),
    now=st.datetimes(
        min_value=datetime(2024, 1, 1), max_value=datetime(2030, 1, 1), timezones=st.just(UTC)
    ),
)
def test_any_seed_and_now_is_consistent(seed: int, count: int, now: datetime) -> None:
    orders = list(generate_demo_orders(seed=seed, count=count, now=now))
    assert len(orders) == count
    check_invariants(orders, now)


# ------------------------------------------------------------- reproducibility


def test_same_seed_gives_identical_output(orders: Orders) -> None:
    again = list(generate_demo_orders(seed=7, count=240, now=NOW))
    assert again == orders
    # `source` is excluded from equality; check it too so nothing varies silently.
    assert [o.source for _, o in again] == [o.source for _, o in orders]


def test_different_seed_gives_different_output(orders: Orders) -> None:
    other = list(generate_demo_orders(seed=8, count=240, now=NOW))
    assert other != orders
    fixed = {entry["order_number"] for entry in DEMO_TRY_ME}
    mine = {o.order_number for _, o in orders} - fixed
    theirs = {o.order_number for _, o in other} - fixed
    assert not mine & theirs


def test_times_follow_now(orders: Orders) -> None:
    later = NOW + timedelta(days=10)
    shifted = list(generate_demo_orders(seed=7, count=240, now=later))
    # The same story ten days later: every time moves with `now`.
    for (_, a), (_, b) in zip(orders, shifted, strict=True):
        assert a.order_number == b.order_number
        assert abs((b.placed_at - a.placed_at) - timedelta(days=10)) < timedelta(minutes=1)


def test_now_must_be_aware_and_count_not_negative() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        generate_demo_orders(now=datetime(2026, 1, 15, 12, 0))
    with pytest.raises(ValueError, match="negative"):
        generate_demo_orders(count=-1, now=NOW)


def test_now_defaults_to_the_call_time() -> None:
    before = datetime.now(UTC)
    orders = list(generate_demo_orders(count=30))
    check_invariants(orders, datetime.now(UTC))
    assert max(o.placed_at for _, o in orders) > before - timedelta(days=1)


# ---------------------------------------------------------------------- coverage


def test_size_and_shops(orders: Orders) -> None:
    assert len(orders) == 240 >= 200
    per_shop = Counter(code for code, _ in orders)
    assert set(per_shop) == {shop.code for shop in DEMO_SHOPS} and len(DEMO_SHOPS) == 2
    assert min(per_shop.values()) >= 60
    assert {shop.currency for shop in DEMO_SHOPS} == {"USD", "EUR"}


def test_every_status_in_every_shop(orders: Orders) -> None:
    for shop in DEMO_SHOPS:
        statuses = {o.status for code, o in orders if code == shop.code}
        assert statuses == set(OrderStatus), shop.code


def test_carriers_and_delivery_options(orders: Orders) -> None:
    shipments = [s for _, o in orders for s in o.shipments]
    assert {s.carrier for s in shipments} == set(KNOWN_CARRIERS)
    assert {s.delivery_option for s in shipments} == set(DeliveryOption)
    for shipment in shipments:
        if shipment.shipped_at is None:
            continue
        assert shipment.estimated_delivery is not None
        promised = shipment.estimated_delivery - shipment.shipped_at
        # Express promises a shorter trip than Standard.
        if shipment.delivery_option is DeliveryOption.EXPRESS:
            assert promised <= timedelta(days=3)
        else:
            assert promised >= timedelta(days=4)


def test_multi_item_orders(orders: Orders) -> None:
    sizes = Counter(len(o.items) for _, o in orders)
    assert set(sizes) == {1, 2, 3, 4}
    assert any(i.quantity > 1 for _, o in orders for i in o.items)


def test_in_transit_stories(orders: Orders) -> None:
    in_transit = _by_status(orders, OrderStatus.IN_TRANSIT)
    last_tags = Counter(o.shipments[0].events[-1].tag for o in in_transit)
    assert last_tags[TrackingTag.EXCEPTION] > 0
    assert last_tags[TrackingTag.ATTEMPT_FAIL] > 0
    assert last_tags[TrackingTag.OUT_FOR_DELIVERY] > 0
    estimates = [o.shipments[0].estimated_delivery for o in in_transit]
    assert any(e is not None and e < NOW for e in estimates), "no late parcel"
    assert any(e is not None and e > NOW for e in estimates), "no parcel on time"


def test_deliveries_straddle_the_return_window(orders: Orders) -> None:
    delivered = _by_status(orders, OrderStatus.DELIVERED)
    ages = [NOW - o.delivered_at for o in delivered if o.delivered_at]
    assert all(age <= timedelta(days=40) for age in ages)
    window = timedelta(days=RETURN_WINDOW_DAYS)
    assert sum(age < window for age in ages) >= 5
    assert sum(age > window for age in ages) >= 5
    completed = _by_status(orders, OrderStatus.COMPLETED)
    assert completed and all(o.delivered_at and NOW - o.delivered_at > window for o in completed)


def test_cancelled_orders_paid_and_unpaid(orders: Orders) -> None:
    cancelled = _by_status(orders, OrderStatus.CANCELLED)
    assert {o.paid_at is None for o in cancelled} == {True, False}


def test_contacts_are_fictional(orders: Orders) -> None:
    emails = {o.buyer_email for _, o in orders}
    assert all(e and EMAIL.fullmatch(e) for e in emails)
    # Some buyers come back: lookups by e-mail or phone must handle several orders.
    assert len(emails) < len(orders)


# -------------------------------------------------------------------- try me


def test_try_me_orders_come_first_and_match_the_records(orders: Orders) -> None:
    assert len(DEMO_TRY_ME) >= 4
    assert {entry["status"] for entry in DEMO_TRY_ME} >= {
        "DELIVERED",
        "IN_TRANSIT",
        "AWAITING_SHIPMENT",
        "UNPAID",
    }
    for (shop_code, order), entry in zip(orders, DEMO_TRY_ME, strict=False):
        assert shop_code == entry["shop_code"] == DEMO_SHOPS[0].code
        assert order.order_number == entry["order_number"]
        assert order.buyer_email == entry["email"]
        assert order.buyer_phone == entry["phone"]
        assert order.status.value == entry["status"]
        assert entry["note"]


def test_try_me_orders_are_the_same_for_every_seed() -> None:
    n = len(DEMO_TRY_ME)
    one = list(generate_demo_orders(seed=1, count=n, now=NOW))
    two = list(generate_demo_orders(seed=99, count=n, now=NOW))
    assert one == two


def test_try_me_deliveries_sit_either_side_of_the_window(orders: Orders) -> None:
    window = timedelta(days=RETURN_WINDOW_DAYS)
    delivered = [o for _, o in orders[: len(DEMO_TRY_ME)] if o.delivered_at is not None]
    ages = sorted(NOW - o.delivered_at for o in delivered if o.delivered_at)
    assert ages[0] < window < ages[-1]
    inside = min(delivered, key=lambda o: NOW - o.delivered_at if o.delivered_at else window)
    assert len(inside.items) >= 2  # so a partial return can be tried


def test_try_me_contacts_belong_to_no_other_order(orders: Orders) -> None:
    n = len(DEMO_TRY_ME)
    rest = orders[n:]
    contacts = {c for _, o in rest for c in (o.buyer_email, o.buyer_phone)}
    for entry in DEMO_TRY_ME:
        assert entry["email"] not in contacts and entry["phone"] not in contacts
