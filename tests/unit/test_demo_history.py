"""The demo's history: months of orders with a weekly rhythm and a promotion peak, returns
concentrated on a few products, ratings, closed tickets; and loading it disturbs
nothing the bot does on its own."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date, datetime, timedelta
from statistics import mean
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from bot.clock import FakeClock
from bot.domain.care import CarePolicy
from bot.domain.enums import ClaimStatus, OrderStatus
from bot.services.deadlines import DeadlineJob
from bot.services.demo import load_demo_data
from bot.services.ticket_sla import SlaWatch
from storage.demo_data import DEMO_HISTORY_DAYS, DEMO_SHOPS, DEMO_TRY_ME
from storage.demo_history import (
    PROMO_LIFT,
    RETURN_RULES,
    WEEKLY_RHYTHM,
    DemoHistory,
    generate_demo_history,
    promo_days,
)
from storage.importers.records import OrderRecord
from storage.models import (
    CancelRequest,
    ChatUser,
    Claim,
    Order,
    OrderLink,
    OrderRating,
    OutboxMessage,
    Shop,
    Ticket,
)
from storage.uow import UnitOfWorkFactory
from tests.unit.test_demo_data import check_invariants

NOW = datetime(2026, 1, 15, 12, 0, 30, tzinfo=ZoneInfo("UTC"))
ZONES = {shop.code: ZoneInfo(shop.timezone) for shop in DEMO_SHOPS}
MUG = "HH-MUG-12-SAGE"


@pytest.fixture(scope="module")
def history() -> DemoHistory:
    return generate_demo_history(seed=7, count=240, now=NOW)


def _all_orders(history: DemoHistory) -> list[tuple[str, OrderRecord]]:
    return [*history.current, *history.orders]


def _per_day(history: DemoHistory, shop_code: str) -> dict[date, int]:
    """Orders placed per shop-local day, current and history together, over the
    history's full days (not today's, which is not over)."""
    zone = ZONES[shop_code]
    today = NOW.astimezone(zone).date()
    counts = Counter(
        o.placed_at.astimezone(zone).date() for c, o in _all_orders(history) if c == shop_code
    )
    days = [today - timedelta(days=n) for n in range(1, DEMO_HISTORY_DAYS + 1)]
    return {day: counts[day] for day in days}


# ----------------------------------------------------------------------- orders


def test_history_orders_are_valid_and_finished(history: DemoHistory) -> None:
    check_invariants(history.orders, NOW)
    numbers = [o.order_number for _, o in _all_orders(history)]
    assert len(numbers) == len(set(numbers))  # history never reuses a current number
    assert {o.order_number for _, o in history.current} >= {t["order_number"] for t in DEMO_TRY_ME}
    statuses = Counter(o.status for _, o in history.orders)
    assert set(statuses) <= {OrderStatus.DELIVERED, OrderStatus.COMPLETED, OrderStatus.CANCELLED}
    assert statuses[OrderStatus.COMPLETED] > 0.8 * len(history.orders)
    oldest = min(o.placed_at for _, o in history.orders)
    assert NOW - oldest > timedelta(days=DEMO_HISTORY_DAYS - 1)
    assert 1500 < len(history.orders) < 4000


def test_weekly_rhythm(history: DemoHistory) -> None:
    for shop in DEMO_SHOPS:
        rhythm = WEEKLY_RHYTHM[shop.code]
        peak = rhythm.index(max(rhythm))
        today = NOW.astimezone(ZONES[shop.code]).date()
        by_weekday: dict[int, list[int]] = defaultdict(list)
        for day, n in _per_day(history, shop.code).items():
            if day not in promo_days(today):
                by_weekday[day.weekday()].append(n)
        busiest = mean(by_weekday[peak])
        others = mean(n for weekday, ns in by_weekday.items() if weekday != peak for n in ns)
        assert busiest > 1.3 * others, shop.code
        # Every weekday has enough weeks to learn from.
        assert min(len(ns) for ns in by_weekday.values()) >= DEMO_HISTORY_DAYS // 7 - 2


def test_promotion_peak(history: DemoHistory) -> None:
    for shop in DEMO_SHOPS:
        today = NOW.astimezone(ZONES[shop.code]).date()
        days = _per_day(history, shop.code)
        promo = promo_days(today)
        assert len(promo) == len(PROMO_LIFT)
        baseline = mean(n for day, n in days.items() if day not in promo)
        assert mean(days[day] for day in promo) > 1.7 * baseline, shop.code
        # The promotion week stands out among the weeks.
        week_of = {day: (today - day).days // 7 for day in days}
        weeks = Counter()
        for day, n in days.items():
            weeks[week_of[day]] += n
        assert weeks.most_common(1)[0][0] in {week_of[day] for day in promo}


# ---------------------------------------------------------------------- returns


def test_returns_concentrate_on_the_chosen_products(history: DemoHistory) -> None:
    orders = {o.order_number: o for _, o in history.orders}
    skus = Counter()
    reasons: dict[str, Counter[str]] = defaultdict(Counter)
    for claim in history.claims:
        ((line_no, _qty),) = claim.lines
        sku = orders[claim.order_number].items[line_no - 1].sku
        skus[sku] += 1
        reasons[sku][claim.reason] += 1
    chosen = {rule.sku for rule in RETURN_RULES}
    assert sum(skus[sku] for sku in chosen) > 0.6 * len(history.claims)
    for rule in RETURN_RULES:
        top, n = reasons[rule.sku].most_common(1)[0]
        assert top == rule.reason and n == skus[rule.sku], rule.sku
    assert skus.most_common(1)[0][0] == MUG


def test_mug_returns_rose_in_the_last_week(history: DemoHistory) -> None:
    """Of the mug's orders delivered in the last 7 days, about twice the share came back
    as in each of the four weeks before."""
    orders = {o.order_number: o for _, o in history.orders}
    returned = {
        c.order_number
        for c in history.claims
        if orders[c.order_number].items[c.lines[0][0] - 1].sku == MUG
    }
    anchor = NOW.replace(second=0, microsecond=0)
    rates: list[float] = []
    for week in range(5):
        bucket = [
            o
            for o in orders.values()
            if o.delivered_at is not None
            and int((anchor - o.delivered_at) / timedelta(days=7)) == week
            and any(i.sku == MUG for i in o.items)
        ]
        assert len(bucket) >= 10
        rates.append(sum(o.order_number in returned for o in bucket) / len(bucket))
    assert rates[0] > 1.5 * max(rates[1:]), rates
    assert rates[0] > 1.8 * mean(rates[1:]), rates
    # The newest ones are filed within the last week, and each claim is final.
    recent = [c for c in history.claims if NOW - c.events[0].at < timedelta(days=7)]
    assert recent
    assert all(
        c.status in (ClaimStatus.REFUNDED, ClaimStatus.REPLACED, ClaimStatus.CLOSED)
        for c in history.claims
    )


def test_after_sales_is_consistent(history: DemoHistory) -> None:
    orders = {o.order_number: o for _, o in history.orders}
    for claim in history.claims:
        order = orders[claim.order_number]
        assert order.delivered_at is not None and claim.buyer_email == order.buyer_email
        times = [e.at for e in claim.events]
        assert order.delivered_at < times[0] and times == sorted(times) and times[-1] < NOW
        assert claim.amount <= order.total_paid
        assert claim.events[-1].to_status == claim.status
    assert len({c.claim_number for c in history.claims}) == len(history.claims)
    for cancel in history.cancels:
        order = orders[cancel.order_number]
        assert order.paid_at is not None and order.paid_at < cancel.created_at < cancel.decided_at
        shipped = order.shipments[0].shipped_at if order.shipments else None
        assert cancel.approved == (order.status is OrderStatus.CANCELLED)
        assert shipped is None or cancel.decided_at < shipped
    for ticket in history.tickets:
        assert ticket.opened_at < ticket.first_response_at < ticket.closed_at < NOW
    assert history.cancels and history.tickets


def test_low_ratings_follow_the_returns(history: DemoHistory) -> None:
    orders = {o.order_number: o for _, o in history.orders}
    returned = {c.order_number for c in history.claims}
    with_return = [r.stars for r in history.ratings if r.order_number in returned]
    without = [r.stars for r in history.ratings if r.order_number not in returned]
    assert with_return and max(with_return) <= 2
    assert mean(without) > 4
    mug = [
        r.stars for r in history.ratings if any(i.sku == MUG for i in orders[r.order_number].items)
    ]
    assert mean(mug) < mean(without)
    for rating in history.ratings:
        delivered = orders[rating.order_number].delivered_at
        assert delivered is not None and delivered < rating.at < NOW
    assert len({r.order_number for r in history.ratings}) == len(history.ratings)


def test_history_is_deterministic(history: DemoHistory) -> None:
    again = generate_demo_history(seed=7, count=240, now=NOW)
    assert again.orders == history.orders
    assert again.claims == history.claims
    assert (again.cancels, again.tickets, again.ratings) == (
        history.cancels,
        history.tickets,
        history.ratings,
    )
    other = generate_demo_history(seed=8, count=240, now=NOW)
    assert other.orders != history.orders


# --------------------------------------------------------------------- loading


async def test_loading_disturbs_nothing_and_loads_once(
    uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    summary = await load_demo_data(uow_factory, clock)
    assert summary.history["returns"] > 50 and summary.history["ratings"] > 500

    async def counts() -> dict[str, int]:
        async with uow_factory(readonly=True) as uow:
            return {
                model.__tablename__: await uow.session.scalar(
                    select(func.count()).select_from(model)
                )
                or 0
                for model in (Order, Claim, CancelRequest, Ticket, OrderRating, ChatUser)
            }

    first = await counts()
    assert first["orders"] == summary.orders
    # Nothing to send, nothing due: no outbox row, no deadline, no ticket waiting.
    async with uow_factory(readonly=True) as uow:
        assert await uow.session.scalar(select(func.count()).select_from(OutboxMessage)) == 0
        assert await uow.session.scalar(select(func.count()).select_from(OrderLink)) == 0
        open_tickets = await uow.session.scalar(
            select(func.count()).select_from(Ticket).where(Ticket.status != "closed")
        )
        assert open_tickets == 0
        shops = (await uow.session.scalars(select(Shop).order_by(Shop.id))).all()
        try_me = [t["order_number"] for t in DEMO_TRY_ME]
        touched = await uow.session.scalar(
            select(func.count())
            .select_from(Claim)
            .join(Order, Order.id == Claim.order_id)
            .where(Order.order_number.in_(try_me))
        )
        assert touched == 0
    for shop in shops:
        policy = CarePolicy.from_settings(shop.settings)
        assert policy.delivery_care and policy.ratings
        assert policy.review_link is not None and policy.review_link.startswith(
            "https://example.com/"
        )
        assert shop.tracking_updated_at == clock.now()
    for _ in range(2):  # now and a week on: still nothing due
        report = await DeadlineJob(uow_factory, clock).run_once()
        assert report.total == 0 and not report.errors
        assert await SlaWatch(uow_factory, clock).run_once() == 0
        clock.advance(timedelta(days=7))

    # Loading again (a later `demo-data`) updates the current orders, adds no history.
    again = await load_demo_data(uow_factory, clock)
    assert again.history == {} and again.counts.orders_created == 0
    assert await counts() == first
