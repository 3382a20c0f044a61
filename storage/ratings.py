"""The SQL of rating after delivery (`bot.services.order_ratings`) and of the ratings
in `/stats`: which orders are due for a rating request, whether a buyer has one
waiting, storing a rating, and a shop's figures.

A rating request is an outbox row (`ASK_KEY`): its dedupe key says which order and
which chat were asked, and its `sent_at` when the buyer saw it.  The outbox keeps its
rows, so no table of its own is needed to know what is waiting for an answer.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import ColumnElement, String, cast, exists, false, func, literal, select

from bot.domain.enums import ClaimStatus, OrderStatus, OutboxStatus, TicketStatus
from storage.models import (
    ChatUser,
    Claim,
    ConversationState,
    Order,
    OrderItem,
    OrderLink,
    OrderRating,
    OutboxMessage,
    Ticket,
)
from storage.repositories import _Repository

# `rating:ask:{order_id}:chat:{chat_id}`: one request per order and chat, ever.
ASK_PREFIX = "rating:ask:"
# A claim in one of these is over; any other status is an open claim on the order.
CLAIM_ENDED = (
    ClaimStatus.REFUNDED.value,
    ClaimStatus.REPLACED.value,
    ClaimStatus.CANCELLED.value,
    ClaimStatus.CLOSED.value,
)
AVERAGE_PLACES = Decimal("0.01")


def ask_key(order_id: int, chat_id: int) -> str:
    return f"{ASK_PREFIX}{order_id}:chat:{chat_id}"


def order_of_key(key: str) -> int | None:
    """The order id in an ask key, or None for any other key."""
    if not key.startswith(ASK_PREFIX):
        return None
    order, _, _ = key[len(ASK_PREFIX) :].partition(":")
    return int(order) if order.isdecimal() else None


@dataclass(frozen=True, slots=True)
class DueAsk:
    order_id: int
    shop_id: int
    buyer_id: int  # ChatUser.id
    chat_id: int  # ChatUser.external_id: where the request goes


@dataclass(frozen=True, slots=True)
class PendingAsk:
    order_id: int
    asked_at: datetime


@dataclass(frozen=True, slots=True)
class RatingFigure:
    """How many ratings and their average (2 places, half up); None: no ratings."""

    count: int
    average: Decimal | None


@dataclass(frozen=True, slots=True)
class ProductRating:
    sku: str
    name: str
    count: int
    average: Decimal


def average(total: int, count: int) -> Decimal | None:
    if count <= 0:
        return None
    return (Decimal(total) / Decimal(count)).quantize(AVERAGE_PLACES, rounding=ROUND_HALF_UP)


def _busy(since: datetime | None) -> ColumnElement[bool]:
    """The buyer is in the middle of a flow (a return, a proof, a cancellation) they
    answered since `since`: a star prompt then lands between a question and its
    answer.  A flow left untouched longer is not waited for."""
    if since is None:
        return false()
    return exists().where(
        ConversationState.channel == ChatUser.channel,
        ConversationState.user_id == ChatUser.external_id,
        ConversationState.step.is_not(None),
        ConversationState.updated_at >= since,
    )


class OrderRatingRepository(_Repository):
    async def due(
        self,
        shop_id: int,
        *,
        delivered_from: datetime,
        delivered_to: datetime,
        busy_since: datetime | None = None,
    ) -> list[DueAsk]:
        """The (order, buyer) pairs of this shop to ask now: DELIVERED in
        `[delivered_from, delivered_to]`, no open claim on the order, a linked buyer who
        is reachable, has not turned proactive messages off, has no open ticket, is not
        in the middle of a flow (a step answered since `busy_since`), has not rated the
        order and was not asked about it yet."""
        asked = exists().where(
            OutboxMessage.dedupe_key
            == literal(ASK_PREFIX)
            + cast(Order.id, String)
            + literal(":chat:")
            + cast(ChatUser.external_id, String)
        )
        open_claim = exists().where(Claim.order_id == Order.id, Claim.status.not_in(CLAIM_ENDED))
        open_ticket = exists().where(
            Ticket.buyer_id == ChatUser.id, Ticket.status == TicketStatus.OPEN.value
        )
        rated = exists().where(
            OrderRating.order_id == Order.id, OrderRating.buyer_id == ChatUser.id
        )
        rows = await self.session.execute(
            select(Order.id, Order.shop_id, ChatUser.id, ChatUser.external_id)
            .join(OrderLink, OrderLink.order_id == Order.id)
            .join(ChatUser, ChatUser.id == OrderLink.chat_user_id)
            .where(
                Order.shop_id == shop_id,
                Order.status == OrderStatus.DELIVERED.value,
                Order.delivered_at >= delivered_from,
                Order.delivered_at <= delivered_to,
                ChatUser.unreachable.is_(False),
                ChatUser.proactive_off.is_(False),
                ~open_claim,
                ~open_ticket,
                ~_busy(busy_since),
                ~rated,
                ~asked,
            )
            .order_by(Order.id, ChatUser.id)
        )
        return [DueAsk(*row) for row in rows.all()]

    async def lock_order(self, order_id: int) -> bool:
        """Lock the order row until the transaction ends, skipping it when another
        worker holds it (PostgreSQL `FOR UPDATE SKIP LOCKED`; SQLite's write
        transaction serialises writers already).  False: skipped, or no such order."""
        found = await self.session.scalar(
            select(Order.id).where(Order.id == order_id).with_for_update(skip_locked=True)
        )
        return found is not None

    async def still_due(
        self, order_id: int, buyer_id: int, busy_since: datetime | None = None
    ) -> bool:
        """Re-checked inside the transaction that enqueues the request (the order row
        locked): nothing changed since `due` read it (a claim, a ticket, an opt-out, a
        flow begun, stars typed before the request)."""
        found = await self.session.scalar(
            select(Order.id)
            .join(OrderLink, OrderLink.order_id == Order.id)
            .join(ChatUser, ChatUser.id == OrderLink.chat_user_id)
            .where(
                Order.id == order_id,
                ChatUser.id == buyer_id,
                Order.status == OrderStatus.DELIVERED.value,
                ChatUser.proactive_off.is_(False),
                ChatUser.unreachable.is_(False),
                ~exists().where(Claim.order_id == Order.id, Claim.status.not_in(CLAIM_ENDED)),
                ~exists().where(
                    Ticket.buyer_id == ChatUser.id, Ticket.status == TicketStatus.OPEN.value
                ),
                ~exists().where(
                    OrderRating.order_id == Order.id, OrderRating.buyer_id == ChatUser.id
                ),
                ~_busy(busy_since),
            )
        )
        return found is not None

    async def asked(self, order_id: int, chat_id: int) -> bool:
        """Whether this chat was sent a rating request for this order."""
        found = await self.session.scalar(
            select(OutboxMessage.id).where(OutboxMessage.dedupe_key == ask_key(order_id, chat_id))
        )
        return found is not None

    async def pending(self, buyer_id: int, chat_id: int, since: datetime) -> PendingAsk | None:
        """The newest rating request this chat saw since `since` for an order its
        buyer has not rated yet."""
        rows = await self.session.execute(
            select(OutboxMessage.dedupe_key, OutboxMessage.sent_at)
            .where(
                OutboxMessage.chat_id == chat_id,
                OutboxMessage.dedupe_key.like(f"{ASK_PREFIX}%:chat:{chat_id}"),
                OutboxMessage.status == OutboxStatus.SENT.value,
                OutboxMessage.sent_at >= since,
            )
            .order_by(OutboxMessage.sent_at.desc(), OutboxMessage.id.desc())
        )
        asks: list[tuple[int, datetime]] = []
        for key, at in rows.all():
            order = order_of_key(key or "")
            if order is not None and at is not None:
                asks.append((order, at))
        if not asks:
            return None
        rated = set(
            await self.session.scalars(
                select(OrderRating.order_id).where(
                    OrderRating.buyer_id == buyer_id,
                    OrderRating.order_id.in_([order for order, _ in asks]),
                )
            )
        )
        for order, at in asks:
            if order not in rated:
                return PendingAsk(order, at)
        return None

    async def get(self, order_id: int, buyer_id: int) -> OrderRating | None:
        return await self.session.scalar(
            select(OrderRating).where(
                OrderRating.order_id == order_id, OrderRating.buyer_id == buyer_id
            )
        )

    # ---------------------------------------------------------------- /stats

    async def shop_figure(self, shop_id: int, start: datetime, end: datetime) -> RatingFigure:
        """Ratings given (first given, `created_at`) in `[start, end)`: count and average."""
        count, total = (
            await self.session.execute(
                select(
                    func.count(OrderRating.id), func.coalesce(func.sum(OrderRating.stars), 0)
                ).where(
                    OrderRating.shop_id == shop_id,
                    OrderRating.created_at >= start,
                    OrderRating.created_at < end,
                )
            )
        ).one()
        return RatingFigure(int(count), average(int(total), int(count)))

    async def by_product(
        self, shop_id: int, start: datetime, end: datetime, limit: int
    ) -> Sequence[ProductRating]:
        """Per product (sku and name, as in the returns figures): the ratings of the
        orders it was in, lowest average first (what a seller should look at)."""
        # One row per rating and product, even when the product is on two lines.
        pairs = (
            select(OrderRating.id, OrderRating.stars, OrderItem.sku, OrderItem.product_name)
            .join(OrderItem, OrderItem.order_id == OrderRating.order_id)
            .where(
                OrderRating.shop_id == shop_id,
                OrderRating.created_at >= start,
                OrderRating.created_at < end,
            )
            .distinct()
            .subquery()
        )
        rows = await self.session.execute(
            select(
                pairs.c.sku, pairs.c.product_name, func.count(), func.sum(pairs.c.stars)
            ).group_by(pairs.c.sku, pairs.c.product_name)
        )
        products = []
        for sku, name, n, total in rows.all():
            avg = average(int(total), int(n))
            assert avg is not None
            products.append(ProductRating(str(sku), str(name), int(n), avg))
        products.sort(key=lambda p: (p.average, -p.count, p.name, p.sku))
        return products[:limit]
