"""A shop's after-sales figures over the last 7 or 30 days, for its sellers (`/stats`).

Everything is computed over the half-open window `[now - days, now)` in UTC, from the
order store as it is now: a claim counts in the window it was *created* in, whatever
its status became later.  Counting and summing happen in SQL; only what SQL cannot do
portably on both SQLite and PostgreSQL (a median, 24-hour buckets) is done here, over
rows already limited to the window.

Only a seller of the shop may see them: the shop a button carries is checked against
the seller's own shops on every call, like every other seller use case.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from bot.clock import Clock
from bot.domain.enums import ActorKind, ClaimStatus
from bot.domain.errors import DomainError
from bot.services.sellers import ChooseShop, ShopRef, seller_shop
from storage.models import Claim, Shop
from storage.ratings import OrderRatingRepository, ProductRating, RatingFigure
from storage.uow import UnitOfWork, UnitOfWorkFactory

__all__ = ["PERIODS", "ChooseShop", "InvalidPeriod", "ShopStats", "StatsService"]

PERIODS = (7, 30)
TOP_PRODUCTS = 5
# A rate is a fraction kept to 4 places: 0.1234 = 12.34 %, finer than anyone reads it.
RATE_PLACES = Decimal("0.0001")
# Who ends the seller's wait: the seller's own decision, or the deadline job acting for
# them.  Staff and buyer moves (an appeal, a withdrawal) are not the seller answering.
RESPONDERS = (ActorKind.SELLER.value, ActorKind.SYSTEM.value)


class InvalidPeriod(DomainError):
    """Only the periods in `PERIODS` are offered (a forged button may carry others)."""


@dataclass(frozen=True, slots=True)
class ProductReturns:
    sku: str
    name: str
    quantity: int  # units claimed over the window
    claims: int  # claims that included it


@dataclass(frozen=True, slots=True)
class DayCount:
    day: date  # the UTC date the 24-hour slice ends on
    count: int


@dataclass(frozen=True)
class ShopStats:
    """One shop's figures over `[start, end)`.

    `return_rate` is claims created in the window divided by orders *delivered* in the
    window (`delivered_at` inside it), rounded half-up to 4 places; None when nothing was
    delivered, since a rate over zero orders means nothing.  Both counts are over the
    same window but not the same orders (a claim usually follows its delivery by days),
    so on a quiet week the rate can exceed 1: it is a workload ratio, not a per-order
    probability.  Withdrawn claims count too; they were still filed.

    `median_response` is the median, over claims created in the window that have been
    answered, of the time from the claim's creation to the first move out of REQUESTED
    by a seller or the system (the deadline job), as recorded in the claim's history.
    Claims still waiting are left out (they appear under REQUESTED in `by_status`);
    None when no claim was answered.
    """

    shop: ShopRef
    currency: str
    days: int
    start: datetime
    end: datetime
    shop_count: int  # how many shops this seller has (more than 1: offer to switch)
    orders_placed: int
    orders_delivered: int
    claims_created: int
    by_status: tuple[tuple[ClaimStatus, int], ...]  # most first, then by name
    by_reason: tuple[tuple[str, int], ...]  # most first, then by name
    return_rate: Decimal | None
    median_response: timedelta | None
    responses: int  # claims the median is over
    refunds: tuple[tuple[str, Decimal], ...]  # (currency, total of non-failed), by currency
    refund_count: int
    top_products: tuple[ProductReturns, ...]
    per_day: tuple[DayCount, ...]  # `days` slices of 24 hours, oldest first
    # Ratings after delivery first given in the window, and per product (the products
    # of the rated orders), lowest average first.
    ratings: RatingFigure = field(default_factory=lambda: RatingFigure(0, None))
    product_ratings: tuple[ProductRating, ...] = ()


def median(values: Sequence[timedelta]) -> timedelta | None:
    """The middle value (mean of the two middle ones for an even count)."""
    if not values:
        return None
    ordered = sorted(values)
    mid = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[mid]
    return (ordered[mid - 1] + ordered[mid]) / 2


def return_rate(claims: int, delivered: int) -> Decimal | None:
    if delivered <= 0:
        return None
    return (Decimal(claims) / Decimal(delivered)).quantize(RATE_PLACES, rounding=ROUND_HALF_UP)


def day_slices(start: datetime, days: int, created: Sequence[datetime]) -> tuple[DayCount, ...]:
    """Count `created` into `days` consecutive 24-hour slices from `start`.

    Slices, not calendar days: the window starts at an arbitrary time of day, and
    slices keep the bars adding up to exactly the claims in the window.  Each is named
    after the UTC date it ends on, so the last bar is "today"."""
    counts = [0] * days
    for moment in created:
        index = int((moment - start) // timedelta(days=1))
        if 0 <= index < days:
            counts[index] += 1
    one = timedelta(microseconds=1)
    return tuple(
        DayCount((start + timedelta(days=i + 1) - one).date(), counts[i]) for i in range(days)
    )


class StatsService:
    def __init__(self, uow: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def shop_stats(self, user_id: int, shop_id: int | None, days: int) -> ShopStats:
        """The figures of `shop_id` (or the seller's only shop) over the last `days`.

        Raises NotAllowed if the user sells for no shop or not for this one,
        ChooseShop if `shop_id` is None and they sell for several, InvalidPeriod for
        a period other than 7 or 30 days."""
        if days not in PERIODS:
            raise InvalidPeriod(str(days))
        end = self._clock.now()
        start = end - timedelta(days=days)
        async with self._uow(readonly=True) as uow:
            sold = await uow.shops.sold_by(user_id)
            shop = seller_shop(sold, shop_id)
            return await self._figures(uow, shop, len(sold), days, start, end)

    @staticmethod
    async def _figures(
        uow: UnitOfWork, shop: Shop, shop_count: int, days: int, start: datetime, end: datetime
    ) -> ShopStats:
        q = uow.stats
        window = (shop.id, start, end)
        by_status = tuple(
            sorted(
                ((ClaimStatus(st), n) for st, n in await q.claims_by(Claim.status, *window)),
                key=_most_first,
            )
        )
        by_reason = tuple(sorted(await q.claims_by(Claim.reason, *window), key=_most_first))
        created_count = sum(n for _, n in by_status)
        delivered = await q.orders_delivered(*window)
        # Who ends the seller's wait: the first move out of REQUESTED by them or the job.
        waits = await q.first_answers(*window, leaving=ClaimStatus.REQUESTED.value, by=RESPONDERS)
        refunds = await q.refunds(*window)
        ratings = OrderRatingRepository(uow.session)
        rating_figure = await ratings.shop_figure(shop.id, start, end)
        product_ratings = (
            await ratings.by_product(shop.id, start, end, TOP_PRODUCTS)
            if rating_figure.count
            else ()
        )
        return ShopStats(
            shop=ShopRef.of(shop),
            currency=shop.currency,
            days=days,
            start=start,
            end=end,
            shop_count=shop_count,
            orders_placed=await q.orders_placed(*window),
            orders_delivered=delivered,
            claims_created=created_count,
            by_status=by_status,
            by_reason=by_reason,
            return_rate=return_rate(created_count, delivered),
            median_response=median(waits),
            responses=len(waits),
            refunds=tuple((cur, total) for cur, total, _ in refunds),
            refund_count=sum(n for _, _, n in refunds),
            top_products=tuple(
                ProductReturns(sku, name, qty, n)
                for sku, name, qty, n in await q.most_returned(*window, TOP_PRODUCTS)
            ),
            per_day=day_slices(start, days, await q.claim_times(*window)),
            ratings=rating_figure,
            product_ratings=tuple(product_ratings),
        )


def _most_first(entry: tuple[Any, int]) -> tuple[int, str]:
    return (-entry[1], str(entry[0]))
