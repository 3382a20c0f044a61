"""A shop's trends for its sellers (`/insights [7|30|90]`, `run_bot.py insights`).

Four questions a seller asks about the last 7, 30 or 90 days, answered from the order
store as it is now:

* **Which products come back, and why?**  Per product and week: claims filed that
  week that include the product, over orders containing it delivered that week (the
  same workload ratio as `/stats`'s return rate: a claim usually follows its delivery
  by days, so it can exceed 1 on a quiet week).  A product is *flagged* when its
  returns rose markedly this week: at least `FLAG_MIN_CLAIMS` claims and a rate at
  least `FLAG_FACTOR` times last week's (any rate counts as a rise from zero claims).
  Rates divide by at least one delivery, so a week without deliveries still compares.
* **How do buyers rate each product?**  Order ratings (`order_ratings`) count for each
  product of the order; this period's average against the period before.
* **How busy was support?**  Per week: claims, cancellation requests, tickets, and
  the median time to a ticket's first staff reply and to its close.
* **What is coming?**  Orders per day (the shop's and its top products') with a
  forecast of the next 14 and 28 days (`bot.domain.forecast`), its peak days, its
  backtest against "same as last week", and the claims and tickets those orders bring
  at this period's claims-per-order and tickets-per-order rates.

Days and weeks are whole days of the shop's timezone.  Weeks are the seven-day blocks
ending today (today is the last, partial, day of "this week"), so "this week" always
compares with the seven days before it, whatever weekday it is.  The forecast is fitted
on whole days only: its history ends yesterday and its first day is today.

Only a seller of the shop may see it, checked on every call as `/stats` does.
"""

from __future__ import annotations

import asyncio
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.clock import Clock
from bot.domain.errors import ShopNotFound
from bot.domain.forecast import HORIZONS, Forecast, forecast
from bot.services.sellers import ChooseShop, ShopRef, seller_shop
from bot.services.stats import RATE_PLACES, InvalidPeriod, median
from storage.insight_queries import ProductKey
from storage.uow import UnitOfWork, UnitOfWorkFactory

PERIODS = (7, 30, 90)
DEFAULT_PERIOD = 30
FLAG_MIN_CLAIMS = 3
FLAG_FACTOR = 2
TOP_DEMAND_PRODUCTS = 3
HISTORY_DAYS = 365  # the forecast reads at most a year of orders
RATING_PLACES = Decimal("0.01")

__all__ = ["PERIODS", "ChooseShop", "InsightService", "InvalidPeriod", "ShopInsights"]


@dataclass(frozen=True, slots=True)
class Week:
    """Seven whole days of the shop's timezone, `first` to `last` inclusive."""

    first: date
    last: date


@dataclass(frozen=True, slots=True)
class ProductWeek:
    claims: int  # claims filed this week that include the product
    delivered: int  # orders containing it delivered this week

    @property
    def rate(self) -> Decimal | None:
        if self.delivered <= 0:
            return None
        return (Decimal(self.claims) / Decimal(self.delivered)).quantize(
            RATE_PLACES, rounding=ROUND_HALF_UP
        )

    @property
    def comparable_rate(self) -> Decimal:
        """Claims per delivery with at least one delivery: a week without deliveries
        still compares by its claims."""
        return Decimal(self.claims) / Decimal(max(self.delivered, 1))


@dataclass(frozen=True, slots=True)
class ProductReturns:
    sku: str
    name: str
    weeks: tuple[ProductWeek, ...]  # aligned with `ShopInsights.weeks`, oldest first
    reasons: tuple[tuple[str, int], ...]  # this week's claims by reason, most first
    period_reasons: tuple[tuple[str, int], ...]  # the whole period's, most first
    flagged: bool

    @property
    def this_week(self) -> ProductWeek:
        return self.weeks[-1]

    @property
    def last_week(self) -> ProductWeek:
        return self.weeks[-2]

    @property
    def top_reason(self) -> tuple[str, int] | None:
        return self.reasons[0] if self.reasons else None

    @property
    def period_claims(self) -> int:
        return sum(count for _, count in self.period_reasons)


@dataclass(frozen=True, slots=True)
class ProductRating:
    sku: str
    name: str
    count: int  # ratings this period
    average: Decimal | None  # mean stars this period, 2 places
    previous_count: int  # the period before, of the same length
    previous_average: Decimal | None

    @property
    def change(self) -> Decimal | None:
        if self.average is None or self.previous_average is None:
            return None
        return self.average - self.previous_average


@dataclass(frozen=True, slots=True)
class SupportWeek:
    week: Week
    claims: int
    cancellations: int
    tickets: int
    first_response: timedelta | None  # median over the week's tickets answered so far
    responses: int
    resolution: timedelta | None  # median open → closed over the week's closed tickets
    resolved: int


@dataclass(frozen=True, slots=True)
class Demand:
    """Orders per day (whole days, oldest first, ending yesterday) and their forecast."""

    sku: str | None  # None: the whole shop
    name: str | None
    first_day: date
    history: tuple[int, ...]
    forecast: Forecast


@dataclass(frozen=True, slots=True)
class ExpectedLoad:
    """What the forecast orders bring to support, at this period's rates."""

    days: int
    orders: float
    claims: float
    tickets: float


@dataclass(frozen=True)
class ShopInsights:
    shop: ShopRef
    days: int
    now: datetime
    today: date  # in the shop's timezone
    shop_count: int  # how many shops the asking seller has (more than 1: offer to switch)
    weeks: tuple[Week, ...]  # oldest first; the last ends today
    returns: tuple[ProductReturns, ...]  # flagged first, then most claims this week
    ratings: tuple[ProductRating, ...]  # most rated first
    support: tuple[SupportWeek, ...]  # aligned with `weeks`
    orders: int  # placed this period
    claims_per_order: Decimal | None  # this period's claims ÷ orders placed
    tickets_per_order: Decimal | None
    demand: Demand
    products: tuple[Demand, ...]  # the period's top products by orders
    expected: tuple[ExpectedLoad, ...]  # one per horizon (14, 28 days)

    @property
    def flagged(self) -> tuple[ProductReturns, ...]:
        return tuple(p for p in self.returns if p.flagged)


def zone_of(name: str) -> tzinfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return UTC


def day_start(day: date, zone: tzinfo) -> datetime:
    """Local midnight of `day`, in UTC (DST-safe through zoneinfo)."""
    return datetime.combine(day, time(), tzinfo=zone).astimezone(UTC)


def local_day(moment: datetime, zone: tzinfo) -> date:
    return moment.astimezone(zone).date()


def weeks_ending(today: date, count: int) -> tuple[Week, ...]:
    """`count` seven-day weeks, the last one ending `today`, oldest first."""
    return tuple(
        Week(today - timedelta(days=7 * k + 6), today - timedelta(days=7 * k))
        for k in reversed(range(count))
    )


def week_index(day: date, weeks: Sequence[Week]) -> int | None:
    if not weeks or day < weeks[0].first or day > weeks[-1].last:
        return None
    return (day - weeks[0].first).days // 7


def daily_counts(days: Iterable[date], first: date, last: date) -> tuple[int, ...]:
    """How many of `days` fall on each day from `first` to `last` inclusive."""
    size = (last - first).days + 1
    counts = [0] * max(size, 0)
    for day in days:
        index = (day - first).days
        if 0 <= index < size:
            counts[index] += 1
    return tuple(counts)


def is_marked_rise(this_week: ProductWeek, last_week: ProductWeek) -> bool:
    """At least `FLAG_MIN_CLAIMS` claims and at least `FLAG_FACTOR` times last week's
    rate (claims per delivery, at least one delivery)."""
    if this_week.claims < FLAG_MIN_CLAIMS:
        return False
    if last_week.claims == 0:
        return True
    return this_week.comparable_rate >= FLAG_FACTOR * last_week.comparable_rate


def ratio(part: int, whole: int) -> Decimal | None:
    if whole <= 0:
        return None
    return (Decimal(part) / Decimal(whole)).quantize(RATE_PLACES, rounding=ROUND_HALF_UP)


def _most_first(counter: Counter[str]) -> tuple[tuple[str, int], ...]:
    return tuple(sorted(counter.items(), key=lambda kv: (-kv[1], kv[0])))


def _average(stars: Sequence[int]) -> Decimal | None:
    if not stars:
        return None
    return (Decimal(sum(stars)) / Decimal(len(stars))).quantize(
        RATING_PLACES, rounding=ROUND_HALF_UP
    )


class InsightService:
    def __init__(self, uow: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def for_seller(self, user_id: int, shop_id: int | None, days: int) -> ShopInsights:
        """The insight of `shop_id` (or the seller's only shop) over the last `days`.

        Raises NotAllowed if the user sells for no shop or not for this one,
        ChooseShop if `shop_id` is None and they sell for several, InvalidPeriod for
        a period other than 7, 30 or 90 days."""
        if days not in PERIODS:
            raise InvalidPeriod(str(days))
        async with self._uow(readonly=True) as uow:
            sold = await uow.shops.sold_by(user_id)
            shop = seller_shop(sold, shop_id)
            return await self._insights(uow, ShopRef.of(shop), days, len(sold))

    async def for_shop(self, code: str, days: int) -> ShopInsights:
        """The same figures for the shop's owner at the command line (no seller check:
        whoever runs `run_bot.py` holds the database)."""
        if days not in PERIODS:
            raise InvalidPeriod(str(days))
        async with self._uow(readonly=True) as uow:
            shop = await uow.shops.get_by_code(code)
            if shop is None:
                raise ShopNotFound(code)
            ref = ShopRef.of(shop)
            return await self._insights(uow, ref, days, 1)

    async def _insights(
        self, uow: UnitOfWork, shop: ShopRef, days: int, shop_count: int
    ) -> ShopInsights:
        q = uow.insights
        now = self._clock.now()
        zone = zone_of(shop.timezone)
        today = local_day(now, zone)
        weeks = weeks_ending(today, max(2, days // 7))
        # The period: `days` whole local days ending today; and the one before it.
        period_first = today - timedelta(days=days - 1)
        since, previous_since = (
            day_start(period_first, zone),
            day_start(period_first - timedelta(days=days), zone),
        )
        weeks_since = day_start(weeks[0].first, zone)
        earliest = min(weeks_since, since)

        delivered = await q.delivered_lines(shop.id, earliest, now)
        claimed = await q.claimed_lines(shop.id, earliest, now)
        returns = self._returns(weeks, period_first, zone, delivered, claimed)

        rated = await q.rated_lines(shop.id, previous_since, now)
        ratings = self._ratings(rated, since)

        claim_times = await q.claim_times(shop.id, earliest, now)
        cancel_times = await q.cancel_times(shop.id, weeks_since, now)
        tickets = await q.ticket_times(shop.id, earliest, now)
        support = self._support(weeks, zone, claim_times, cancel_times, tickets)

        # Demand: whole days from the first order (at most a year back) to yesterday.
        midnight = day_start(today, zone)
        first_order = await q.first_order_at(shop.id, midnight)
        year_ago = today - timedelta(days=HISTORY_DAYS)
        first_day = max(local_day(first_order, zone), year_ago) if first_order else today
        history_since = day_start(first_day, zone)
        placed = await q.order_times(shop.id, history_since, midnight)
        yesterday = today - timedelta(days=1)
        series: list[_Series] = [(None, None, first_day, [local_day(t, zone) for t in placed])]

        top = await q.top_products(shop.id, since, now, TOP_DEMAND_PRODUCTS)
        keys = [key for key, _ in top]
        by_product: dict[ProductKey, list[date]] = defaultdict(list)
        for key, at in await q.product_order_times(shop.id, history_since, midnight, keys):
            by_product[key].append(local_day(at, zone))
        series += [
            (key[0], key[1], min(by_product[key], default=today), by_product[key]) for key in keys
        ]
        # Fitting is CPU work (tens of milliseconds a series on a year of days): off the
        # event loop, so other chats are not held up meanwhile.
        demand, *fitted = await asyncio.to_thread(_fit_all, series, yesterday)
        products = tuple(fitted)

        period_orders = len(await q.order_times(shop.id, since, now))
        period_claims = sum(1 for t in claim_times if t >= since)
        period_tickets = sum(1 for opened, _, _ in tickets if opened >= since)
        claims_per_order = ratio(period_claims, period_orders)
        tickets_per_order = ratio(period_tickets, period_orders)
        expected = tuple(
            ExpectedLoad(
                days=horizon,
                orders=demand.forecast.total(horizon),
                claims=demand.forecast.total(horizon) * float(claims_per_order or 0),
                tickets=demand.forecast.total(horizon) * float(tickets_per_order or 0),
            )
            for horizon in HORIZONS
        )
        return ShopInsights(
            shop=shop,
            days=days,
            now=now,
            today=today,
            shop_count=shop_count,
            weeks=weeks,
            returns=returns,
            ratings=ratings,
            support=support,
            orders=period_orders,
            claims_per_order=claims_per_order,
            tickets_per_order=tickets_per_order,
            demand=demand,
            products=products,
            expected=expected,
        )

    @staticmethod
    def _returns(
        weeks: Sequence[Week],
        period_first: date,
        zone: tzinfo,
        delivered: Sequence[tuple[ProductKey, int, datetime]],
        claimed: Sequence[tuple[ProductKey, int, str, datetime]],
    ) -> tuple[ProductReturns, ...]:
        n = len(weeks)
        delivered_by: dict[ProductKey, list[int]] = defaultdict(lambda: [0] * n)
        claims_by: dict[ProductKey, list[int]] = defaultdict(lambda: [0] * n)
        reasons: dict[ProductKey, Counter[str]] = defaultdict(Counter)
        period_reasons: dict[ProductKey, Counter[str]] = defaultdict(Counter)
        for key, _, at in delivered:
            index = week_index(local_day(at, zone), weeks)
            if index is not None:
                delivered_by[key][index] += 1
        for key, _, reason, at in claimed:
            day = local_day(at, zone)
            index = week_index(day, weeks)
            if index is not None:
                claims_by[key][index] += 1
                if index == n - 1:
                    reasons[key][reason] += 1
            if day >= period_first:
                period_reasons[key][reason] += 1
        products = []
        for key in set(claims_by) | set(period_reasons):
            per_week = tuple(ProductWeek(claims_by[key][i], delivered_by[key][i]) for i in range(n))
            products.append(
                ProductReturns(
                    sku=key[0],
                    name=key[1],
                    weeks=per_week,
                    reasons=_most_first(reasons[key]),
                    period_reasons=_most_first(period_reasons[key]),
                    flagged=is_marked_rise(per_week[-1], per_week[-2]),
                )
            )
        products.sort(
            key=lambda p: (not p.flagged, -p.this_week.claims, -p.period_claims, p.name, p.sku)
        )
        return tuple(products)

    @staticmethod
    def _ratings(
        rated: Sequence[tuple[ProductKey, int, int, datetime]], since: datetime
    ) -> tuple[ProductRating, ...]:
        now_stars: dict[ProductKey, list[int]] = defaultdict(list)
        before_stars: dict[ProductKey, list[int]] = defaultdict(list)
        for key, _, stars, at in rated:
            (now_stars if at >= since else before_stars)[key].append(stars)
        result = [
            ProductRating(
                sku=key[0],
                name=key[1],
                count=len(now_stars[key]),
                average=_average(now_stars[key]),
                previous_count=len(before_stars[key]),
                previous_average=_average(before_stars[key]),
            )
            for key in set(now_stars) | set(before_stars)
        ]
        result.sort(key=lambda r: (-r.count, -r.previous_count, r.name, r.sku))
        return tuple(result)

    @staticmethod
    def _support(
        weeks: Sequence[Week],
        zone: tzinfo,
        claim_times: Sequence[datetime],
        cancel_times: Sequence[datetime],
        tickets: Sequence[tuple[datetime, datetime | None, datetime | None]],
    ) -> tuple[SupportWeek, ...]:
        n = len(weeks)
        claims, cancels, opened = [0] * n, [0] * n, [0] * n
        responses: list[list[timedelta]] = [[] for _ in range(n)]
        resolutions: list[list[timedelta]] = [[] for _ in range(n)]
        for at in claim_times:
            if (i := week_index(local_day(at, zone), weeks)) is not None:
                claims[i] += 1
        for at in cancel_times:
            if (i := week_index(local_day(at, zone), weeks)) is not None:
                cancels[i] += 1
        for start, first, closed in tickets:
            if (i := week_index(local_day(start, zone), weeks)) is None:
                continue
            opened[i] += 1
            if first is not None:
                responses[i].append(max(first - start, timedelta(0)))
            if closed is not None:
                resolutions[i].append(max(closed - start, timedelta(0)))
        return tuple(
            SupportWeek(
                week=weeks[i],
                claims=claims[i],
                cancellations=cancels[i],
                tickets=opened[i],
                first_response=median(responses[i]),
                responses=len(responses[i]),
                resolution=median(resolutions[i]),
                resolved=len(resolutions[i]),
            )
            for i in range(n)
        )


_Series = tuple[str | None, str | None, date, list[date]]  # sku, name, first day, order days


def _fit_all(series: Sequence[_Series], last: date) -> list[Demand]:
    """Count each series into days up to `last` and forecast it."""
    fitted = []
    for sku, name, first, days in series:
        history = daily_counts(days, first, last)
        fitted.append(Demand(sku, name, first, history, forecast(history, first)))
    return fitted


def as_json(ins: ShopInsights) -> dict[str, Any]:
    """The figures as JSON-ready values (`run_bot.py insights --json`): dates as ISO
    text, rates and averages as decimal strings, durations in seconds, forecasts
    rounded to 0.01 order."""

    def week(w: Week) -> dict[str, str]:
        return {"first": w.first.isoformat(), "last": w.last.isoformat()}

    def decimal(value: Decimal | None) -> str | None:
        return None if value is None else str(value)

    def seconds(value: timedelta | None) -> float | None:
        return None if value is None else value.total_seconds()

    def demand(d: Demand) -> dict[str, Any]:
        fc = d.forecast
        test = fc.backtest
        return {
            "sku": d.sku,
            "name": d.name,
            "history_first_day": d.first_day.isoformat(),
            "history": list(d.history),
            "forecast_first_day": fc.first_day.isoformat(),
            "forecast": [round(v, 2) for v in fc.values],
            "next_14_days": round(fc.total(14), 2),
            "next_28_days": round(fc.total(28), 2),
            "method": fc.method.value,
            "history_days": fc.history_days,
            "weekly_profile": None
            if fc.weekly_profile is None
            else [round(f, 3) for f in fc.weekly_profile],
            "peak_days": [day.isoformat() for day in fc.peaks()],
            "backtest": None
            if test is None
            else {
                "days": test.days,
                "trained_on": test.trained_on,
                "method": test.method.value,
                "mae": round(test.mae, 3),
                "wape": None if test.wape is None else round(test.wape, 4),
                "naive": "same as last week",
                "naive_mae": round(test.naive_mae, 3),
                "naive_wape": None if test.naive_wape is None else round(test.naive_wape, 4),
                "beats_naive": test.beats_naive,
            },
        }

    return {
        "shop": ins.shop.code,
        "name": ins.shop.name,
        "timezone": ins.shop.timezone,
        "days": ins.days,
        "now": ins.now.isoformat(),
        "today": ins.today.isoformat(),
        "weeks": [week(w) for w in ins.weeks],
        "returns": [
            {
                "sku": p.sku,
                "name": p.name,
                "flagged": p.flagged,
                "weeks": [
                    {"claims": w.claims, "delivered": w.delivered, "rate": decimal(w.rate)}
                    for w in p.weeks
                ],
                "reasons_this_week": dict(p.reasons),
                "reasons_in_period": dict(p.period_reasons),
            }
            for p in ins.returns
        ],
        "ratings": [
            {
                "sku": r.sku,
                "name": r.name,
                "count": r.count,
                "average": decimal(r.average),
                "previous_count": r.previous_count,
                "previous_average": decimal(r.previous_average),
                "change": decimal(r.change),
            }
            for r in ins.ratings
        ],
        "support": [
            {
                **week(s.week),
                "claims": s.claims,
                "cancellations": s.cancellations,
                "tickets": s.tickets,
                "median_first_response_seconds": seconds(s.first_response),
                "responses": s.responses,
                "median_resolution_seconds": seconds(s.resolution),
                "resolved": s.resolved,
            }
            for s in ins.support
        ],
        "orders": ins.orders,
        "claims_per_order": decimal(ins.claims_per_order),
        "tickets_per_order": decimal(ins.tickets_per_order),
        "demand": demand(ins.demand),
        "products": [demand(p) for p in ins.products],
        "expected": [
            {
                "days": e.days,
                "orders": round(e.orders, 2),
                "claims": round(e.claims, 2),
                "tickets": round(e.tickets, 2),
            }
            for e in ins.expected
        ],
    }
