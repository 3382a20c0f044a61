"""The reads behind a seller's insight (`/insights`, `run_bot.py insights`).

Every query is limited to one shop and a half-open UTC range `[since, until)` and
returns plain rows (timestamps, product keys, counts); the service buckets them into
days and weeks of the shop's timezone, which SQL cannot do the same way on SQLite and
PostgreSQL.  A product is its `(sku, product_name)` pair, as in `/stats`: what the
buyer saw.  Read-only: nothing here writes, and the repository never commits.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, distinct, func, select, tuple_

from storage.models import (
    CancelRequest,
    Claim,
    ClaimItem,
    Order,
    OrderItem,
    OrderRating,
    Ticket,
)
from storage.repositories import _Repository

ProductKey = tuple[str, str]  # (sku, product name)


def _within(column: Any, since: datetime, until: datetime) -> ColumnElement[bool]:
    return and_(column >= since, column < until)


class InsightRepository(_Repository):
    async def first_order_at(self, shop_id: int, until: datetime) -> datetime | None:
        result = await self.session.scalar(
            select(func.min(Order.placed_at)).where(
                Order.shop_id == shop_id, Order.placed_at < until
            )
        )
        return result

    async def order_times(self, shop_id: int, since: datetime, until: datetime) -> list[datetime]:
        """When each order of the shop was placed."""
        rows = await self.session.scalars(
            select(Order.placed_at).where(
                Order.shop_id == shop_id, _within(Order.placed_at, since, until)
            )
        )
        return list(rows.all())

    async def top_products(
        self, shop_id: int, since: datetime, until: datetime, limit: int
    ) -> list[tuple[ProductKey, int]]:
        """The products in the most orders placed in the range, with that count."""
        orders = func.count(distinct(Order.id)).label("orders")
        rows = await self.session.execute(
            select(OrderItem.sku, OrderItem.product_name, orders)
            .join(Order, Order.id == OrderItem.order_id)
            .where(Order.shop_id == shop_id, _within(Order.placed_at, since, until))
            .group_by(OrderItem.sku, OrderItem.product_name)
            .order_by(orders.desc(), OrderItem.product_name, OrderItem.sku)
            .limit(limit)
        )
        return [((str(sku), str(name)), int(n)) for sku, name, n in rows.all()]

    async def product_order_times(
        self, shop_id: int, since: datetime, until: datetime, products: Sequence[ProductKey]
    ) -> list[tuple[ProductKey, datetime]]:
        """When each order containing one of `products` was placed (once per order and
        product, however many lines it has)."""
        if not products:
            return []
        rows = await self.session.execute(
            select(OrderItem.sku, OrderItem.product_name, Order.id, Order.placed_at)
            .join(Order, Order.id == OrderItem.order_id)
            .where(
                Order.shop_id == shop_id,
                _within(Order.placed_at, since, until),
                tuple_(OrderItem.sku, OrderItem.product_name).in_(list(products)),
            )
            .distinct()
        )
        return [((str(sku), str(name)), placed) for sku, name, _, placed in rows.all()]

    async def delivered_lines(
        self, shop_id: int, since: datetime, until: datetime
    ) -> list[tuple[ProductKey, int, datetime]]:
        """(product, order id, delivered at) of orders delivered in the range, once per
        order and product."""
        rows = await self.session.execute(
            select(OrderItem.sku, OrderItem.product_name, Order.id, Order.delivered_at)
            .join(Order, Order.id == OrderItem.order_id)
            .where(Order.shop_id == shop_id, _within(Order.delivered_at, since, until))
            .distinct()
        )
        return [
            ((str(sku), str(name)), int(oid), at)
            for sku, name, oid, at in rows.all()
            if at is not None  # the range excludes NULLs; this tells the type checker
        ]

    async def claimed_lines(
        self, shop_id: int, since: datetime, until: datetime
    ) -> list[tuple[ProductKey, int, str, datetime]]:
        """(product, claim id, reason, created at) of claims filed in the range, once per
        claim and product."""
        rows = await self.session.execute(
            select(OrderItem.sku, OrderItem.product_name, Claim.id, Claim.reason, Claim.created_at)
            .select_from(ClaimItem)
            .join(Claim, Claim.id == ClaimItem.claim_id)
            .join(OrderItem, OrderItem.id == ClaimItem.order_item_id)
            .join(Order, Order.id == Claim.order_id)
            .where(Order.shop_id == shop_id, _within(Claim.created_at, since, until))
            .distinct()
        )
        return [
            ((str(sku), str(name)), int(cid), str(reason), at)
            for sku, name, cid, reason, at in rows.all()
        ]

    async def rated_lines(
        self, shop_id: int, since: datetime, until: datetime
    ) -> list[tuple[ProductKey, int, int, datetime]]:
        """(product, rating id, stars, rated at) of order ratings given in the range:
        an order's rating counts for each product in it, once."""
        rows = await self.session.execute(
            select(
                OrderItem.sku,
                OrderItem.product_name,
                OrderRating.id,
                OrderRating.stars,
                OrderRating.created_at,
            )
            .select_from(OrderRating)
            .join(OrderItem, OrderItem.order_id == OrderRating.order_id)
            .where(OrderRating.shop_id == shop_id, _within(OrderRating.created_at, since, until))
            .distinct()
        )
        return [
            ((str(sku), str(name)), int(rid), int(stars), at)
            for sku, name, rid, stars, at in rows.all()
        ]

    async def claim_times(self, shop_id: int, since: datetime, until: datetime) -> list[datetime]:
        rows = await self.session.scalars(
            select(Claim.created_at)
            .join(Order, Order.id == Claim.order_id)
            .where(Order.shop_id == shop_id, _within(Claim.created_at, since, until))
        )
        return list(rows.all())

    async def cancel_times(self, shop_id: int, since: datetime, until: datetime) -> list[datetime]:
        rows = await self.session.scalars(
            select(CancelRequest.created_at)
            .join(Order, Order.id == CancelRequest.order_id)
            .where(Order.shop_id == shop_id, _within(CancelRequest.created_at, since, until))
        )
        return list(rows.all())

    async def ticket_times(
        self, shop_id: int, since: datetime, until: datetime
    ) -> list[tuple[datetime, datetime | None, datetime | None]]:
        """(opened, first staff response, closed) of the shop's tickets opened in the
        range; a response or close after `until` is not known yet, so it is None."""
        rows = await self.session.execute(
            select(Ticket.opened_at, Ticket.first_response_at, Ticket.closed_at).where(
                Ticket.shop_id == shop_id, _within(Ticket.opened_at, since, until)
            )
        )
        return [
            (
                opened,
                first if first is not None and first < until else None,
                closed if closed is not None and closed < until else None,
            )
            for opened, first, closed in rows.all()
        ]
