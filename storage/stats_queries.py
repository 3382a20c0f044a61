"""The reads behind a seller's after-sales figures (`/stats`).

Every query is limited to one shop and a half-open UTC window `[start, end)` and returns
plain rows; counting and summing happen here in SQL, and what SQL cannot do the same way
on SQLite and PostgreSQL (a median, 24-hour buckets) is left to the service.  A claim
belongs to the window it was *created* in.  Read-only: nothing here writes, and the
repository never commits.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, and_, distinct, func, select

from bot.domain.enums import RefundStatus
from storage.models import Claim, ClaimEvent, ClaimItem, Order, OrderItem, Refund
from storage.repositories import _Repository


def _within(column: Any, start: datetime, end: datetime) -> ColumnElement[bool]:
    return and_(column >= start, column < end)


class StatsRepository(_Repository):
    def _shop_claims(self, shop_id: int, start: datetime, end: datetime) -> tuple[Any, ...]:
        """The claims every claim figure is over: this shop's, created in the window."""
        return (Order.shop_id == shop_id, _within(Claim.created_at, start, end))

    async def orders_placed(self, shop_id: int, start: datetime, end: datetime) -> int:
        found = await self.session.scalar(
            select(func.count(Order.id)).where(
                Order.shop_id == shop_id, _within(Order.placed_at, start, end)
            )
        )
        return int(found or 0)

    async def orders_delivered(self, shop_id: int, start: datetime, end: datetime) -> int:
        found = await self.session.scalar(
            select(func.count(Order.id)).where(
                Order.shop_id == shop_id, _within(Order.delivered_at, start, end)
            )
        )
        return int(found or 0)

    async def claims_by(
        self, column: Any, shop_id: int, start: datetime, end: datetime
    ) -> list[tuple[str, int]]:
        """How many claims of the window have each value of `column` (status, reason)."""
        rows = await self.session.execute(
            select(column, func.count(Claim.id))
            .join(Order, Order.id == Claim.order_id)
            .where(*self._shop_claims(shop_id, start, end))
            .group_by(column)
        )
        return [(str(value), int(n)) for value, n in rows.all()]

    async def claim_times(self, shop_id: int, start: datetime, end: datetime) -> list[datetime]:
        rows = await self.session.scalars(
            select(Claim.created_at)
            .join(Order, Order.id == Claim.order_id)
            .where(*self._shop_claims(shop_id, start, end))
        )
        return list(rows.all())

    async def first_answers(
        self,
        shop_id: int,
        start: datetime,
        end: datetime,
        *,
        leaving: str,
        by: Iterable[str],
    ) -> list[timedelta]:
        """Per claim of the window that was answered before `end`: the time from its
        creation to the first move out of `leaving` by one of the actor kinds `by`."""
        rows = await self.session.execute(
            select(Claim.created_at, func.min(ClaimEvent.at))
            .join(Order, Order.id == Claim.order_id)
            .join(ClaimEvent, ClaimEvent.claim_id == Claim.id)
            .where(
                *self._shop_claims(shop_id, start, end),
                ClaimEvent.from_status == leaving,
                ClaimEvent.actor_kind.in_(tuple(by)),
                ClaimEvent.at < end,
            )
            .group_by(Claim.id, Claim.created_at)
        )
        return [max(at - created_at, timedelta(0)) for created_at, at in rows.all()]

    async def refunds(
        self, shop_id: int, start: datetime, end: datetime
    ) -> list[tuple[str, Decimal, int]]:
        """(currency, total, count) of the refunds made in the window that did not fail,
        by currency."""
        rows = await self.session.execute(
            select(Refund.currency, func.sum(Refund.amount), func.count(Refund.id))
            .join(Order, Order.id == Refund.order_id)
            .where(
                Order.shop_id == shop_id,
                Refund.status != RefundStatus.FAILED.value,
                _within(Refund.created_at, start, end),
            )
            .group_by(Refund.currency)
            .order_by(Refund.currency)
        )
        return [(str(cur), Decimal(total), int(n)) for cur, total, n in rows.all()]

    async def most_returned(
        self, shop_id: int, start: datetime, end: datetime, limit: int
    ) -> list[tuple[str, str, int, int]]:
        """(sku, product name, units claimed, claims) of the most claimed products."""
        quantity = func.sum(ClaimItem.quantity).label("quantity")
        claims_with = func.count(distinct(Claim.id)).label("claims")
        rows = await self.session.execute(
            select(OrderItem.sku, OrderItem.product_name, quantity, claims_with)
            .select_from(ClaimItem)
            .join(Claim, Claim.id == ClaimItem.claim_id)
            .join(OrderItem, OrderItem.id == ClaimItem.order_item_id)
            .join(Order, Order.id == Claim.order_id)
            .where(*self._shop_claims(shop_id, start, end))
            # (sku, name) is what the buyer saw; shops re-using a SKU code for
            # different products (or test data numbering lines) stay apart.
            .group_by(OrderItem.sku, OrderItem.product_name)
            .order_by(quantity.desc(), claims_with.desc(), OrderItem.product_name, OrderItem.sku)
            .limit(limit)
        )
        return [(str(sku), str(name), int(q), int(n)) for sku, name, q, n in rows.all()]
