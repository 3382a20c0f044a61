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

from sqlalchemy import ColumnElement, and_, distinct, func, select

from bot.clock import Clock
from bot.domain.enums import ActorKind, ClaimStatus, RefundStatus
from bot.domain.errors import DomainError, NotAllowed
from bot.services.sellers import ShopRef
from storage.models import Claim, ClaimEvent, ClaimItem, Order, OrderItem, Refund, Seller, Shop
from storage.ratings import OrderRatingRepository, ProductRating, RatingFigure
from storage.uow import UnitOfWork, UnitOfWorkFactory

PERIODS = (7, 30)
TOP_PRODUCTS = 5
# A rate is a fraction kept to 4 places: 0.1234 = 12.34 %, finer than anyone reads it.
RATE_PLACES = Decimal("0.0001")
# Who ends the seller's wait: the seller's own decision, or the deadline job acting for
# them.  Staff and buyer moves (an appeal, a withdrawal) are not the seller answering.
RESPONDERS = (ActorKind.SELLER.value, ActorKind.SYSTEM.value)


class InvalidPeriod(DomainError):
    """Only the periods in `PERIODS` are offered (a forged button may carry others)."""


class ChooseShop(DomainError):
    """The seller sells for several shops and did not say which; `shops` lists them so
    the chat can ask."""

    def __init__(self, shops: Sequence[ShopRef]) -> None:
        super().__init__("several shops")
        self.shops = tuple(shops)


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
            shops = await self._shops_of(uow, user_id)
            if not shops:
                raise NotAllowed("not a seller")
            if shop_id is None:
                if len(shops) > 1:
                    raise ChooseShop([ref for ref, _ in shops])
                shop_id = shops[0][0].id
            mine = [(ref, currency) for ref, currency in shops if ref.id == shop_id]
            if not mine:
                raise NotAllowed("not a seller of this shop")
            shop, currency = mine[0]
            return await self._figures(uow, shop, currency, len(shops), days, start, end)

    @staticmethod
    async def _shops_of(uow: UnitOfWork, user_id: int) -> list[tuple[ShopRef, str]]:
        rows = await uow.session.execute(
            select(Shop.id, Shop.code, Shop.name, Shop.currency, Shop.timezone)
            .join(Seller, Seller.shop_id == Shop.id)
            .where(Seller.chat_user_id == user_id)
            .order_by(Shop.name, Shop.id)
        )
        return [
            (ShopRef(i, code, name, tz or "UTC"), currency)
            for i, code, name, currency, tz in rows.all()
        ]

    async def _figures(
        self,
        uow: UnitOfWork,
        shop: ShopRef,
        currency: str,
        shop_count: int,
        days: int,
        start: datetime,
        end: datetime,
    ) -> ShopStats:
        s = uow.session

        def within(column: Any) -> ColumnElement[bool]:
            return and_(column >= start, column < end)

        # Claims of this shop created in the window: what every claim figure is over.
        shop_claims = (Order.shop_id == shop.id, within(Claim.created_at))

        placed = await s.scalar(
            select(func.count(Order.id)).where(Order.shop_id == shop.id, within(Order.placed_at))
        )
        delivered = await s.scalar(
            select(func.count(Order.id)).where(Order.shop_id == shop.id, within(Order.delivered_at))
        )

        claim_count = func.count(Claim.id).label("n")
        status_rows = await s.execute(
            select(Claim.status, claim_count)
            .join(Order, Order.id == Claim.order_id)
            .where(*shop_claims)
            .group_by(Claim.status)
        )
        reason_rows = await s.execute(
            select(Claim.reason, claim_count)
            .join(Order, Order.id == Claim.order_id)
            .where(*shop_claims)
            .group_by(Claim.reason)
        )
        by_status = tuple(
            sorted(((ClaimStatus(st), int(n)) for st, n in status_rows.all()), key=_most_first)
        )
        by_reason = tuple(sorted(((str(r), int(n)) for r, n in reason_rows.all()), key=_most_first))
        created_count = sum(n for _, n in by_status)

        created = (
            await s.scalars(
                select(Claim.created_at).join(Order, Order.id == Claim.order_id).where(*shop_claims)
            )
        ).all()

        # First answer per claim: the earliest seller/system event leaving REQUESTED.
        answered = await s.execute(
            select(Claim.created_at, func.min(ClaimEvent.at))
            .join(Order, Order.id == Claim.order_id)
            .join(ClaimEvent, ClaimEvent.claim_id == Claim.id)
            .where(
                *shop_claims,
                ClaimEvent.from_status == ClaimStatus.REQUESTED.value,
                ClaimEvent.actor_kind.in_(RESPONDERS),
                ClaimEvent.at < end,
            )
            .group_by(Claim.id, Claim.created_at)
        )
        waits = [max(at - created_at, timedelta(0)) for created_at, at in answered.all()]

        refund_rows = (
            await s.execute(
                select(Refund.currency, func.sum(Refund.amount), func.count(Refund.id))
                .join(Order, Order.id == Refund.order_id)
                .where(
                    Order.shop_id == shop.id,
                    Refund.status != RefundStatus.FAILED.value,
                    within(Refund.created_at),
                )
                .group_by(Refund.currency)
                .order_by(Refund.currency)
            )
        ).all()

        quantity = func.sum(ClaimItem.quantity).label("quantity")
        claims_with = func.count(distinct(Claim.id)).label("claims")
        product_rows = await s.execute(
            select(OrderItem.sku, OrderItem.product_name, quantity, claims_with)
            .select_from(ClaimItem)
            .join(Claim, Claim.id == ClaimItem.claim_id)
            .join(OrderItem, OrderItem.id == ClaimItem.order_item_id)
            .join(Order, Order.id == Claim.order_id)
            .where(*shop_claims)
            # (sku, name) is what the buyer saw; shops re-using a SKU code for
            # different products (or test data numbering lines) stay apart.
            .group_by(OrderItem.sku, OrderItem.product_name)
            .order_by(quantity.desc(), claims_with.desc(), OrderItem.product_name, OrderItem.sku)
            .limit(TOP_PRODUCTS)
        )

        ratings = OrderRatingRepository(s)
        rating_figure = await ratings.shop_figure(shop.id, start, end)
        product_ratings = (
            await ratings.by_product(shop.id, start, end, TOP_PRODUCTS)
            if rating_figure.count
            else ()
        )

        return ShopStats(
            shop=shop,
            currency=currency,
            days=days,
            start=start,
            end=end,
            shop_count=shop_count,
            orders_placed=int(placed or 0),
            orders_delivered=int(delivered or 0),
            claims_created=created_count,
            by_status=by_status,
            by_reason=by_reason,
            return_rate=return_rate(created_count, int(delivered or 0)),
            median_response=median(waits),
            responses=len(waits),
            refunds=tuple((str(cur), Decimal(total)) for cur, total, _ in refund_rows),
            refund_count=sum(int(n) for _, _, n in refund_rows),
            top_products=tuple(
                ProductReturns(str(sku), str(name), int(qty), int(n))
                for sku, name, qty, n in product_rows.all()
            ),
            per_day=day_slices(start, days, created),
            ratings=rating_figure,
            product_ratings=tuple(product_ratings),
        )


def _most_first(entry: tuple[Any, int]) -> tuple[int, str]:
    return (-entry[1], str(entry[0]))
