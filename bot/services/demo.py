"""Loading the demo shops and orders (`python run_bot.py demo-data`, and `demo`).

The orders, current and historical, go through the same writer as file imports.  The
history's after-sales (returns, cancellation requests, tickets, ratings) are not import
records: they are written with the ORM models here, in final states and without
outbox rows, so nothing the bot does on its own (deadlines, delivery care, rating
requests) acts on them.  The history is written once per database (a `key_values`
marker), so loading again updates the current orders and adds nothing else.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import Table, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.domain.enums import ActorKind, ClaimStatus, RefundStatus, TicketStatus
from bot.domain.policy import DEFAULT_FIRST_RESPONSE_MINUTES
from storage.demo_data import DEMO_SHOPS, generate_demo_orders
from storage.demo_history import HISTORY_CHANNEL, DemoHistory, generate_demo_history
from storage.importers.records import OrderRecord
from storage.importers.writer import OrderWriter, WriteCounts
from storage.models import (
    Base,
    CancelRequest,
    ChatUser,
    Claim,
    ClaimEvent,
    ClaimItem,
    Order,
    OrderItem,
    OrderRating,
    Refund,
    Shop,
    Ticket,
    TicketMessage,
)
from storage.uow import UnitOfWork, UnitOfWorkFactory

BATCH = 500
FIRST_RESPONSE = timedelta(minutes=DEFAULT_FIRST_RESPONSE_MINUTES)
HISTORY_KEY = "demo_history_loaded"  # key_values: the history went in (its time)

# What the demo shops let the bot do on its own (bot/domain/care.py): all on, so the
# demo shows delivery care and rating requests.
DEMO_CARE_SETTINGS: dict[str, Any] = {"delivery_care": True, "ratings": True}


def review_link(shop_code: str) -> str:
    return f"https://example.com/reviews/{shop_code}"


@dataclass(frozen=True)
class DemoSummary:
    shops: int
    orders: int
    counts: WriteCounts
    history: dict[str, int] = field(default_factory=dict)

    def __str__(self) -> str:
        c = self.counts
        text = (
            f"demo data: {self.shops} shops, {self.orders} orders "
            f"({c.orders_created} new, {c.orders_updated} updated, {c.orders_unchanged} unchanged)"
        )
        if self.history:
            text += "; history: " + ", ".join(f"{n} {what}" for what, n in self.history.items())
        return text


async def load_demo_data(
    uow_factory: UnitOfWorkFactory, clock: Clock, *, seed: int = 7, count: int = 240
) -> DemoSummary:
    """Write the demo shops, orders and (the first time) their history in one
    transaction, through the same writer as file imports, so loading twice updates
    rather than duplicates."""
    now = clock.now()
    async with uow_factory() as uow:
        history: DemoHistory | None = None
        if await uow.key_values.get(HISTORY_KEY) is None:
            history = generate_demo_history(seed=seed, count=count, now=now)
            current = history.current
        else:
            current = list(generate_demo_orders(seed=seed, count=count, now=now))
        by_shop: dict[str, list[OrderRecord]] = defaultdict(list)
        for shop_code, record in [*current, *(history.orders if history else [])]:
            by_shop[shop_code].append(record)
        total = WriteCounts()
        shop_ids: dict[str, int] = {}
        for demo_shop in DEMO_SHOPS:
            shop = await uow.shops.get_by_code(demo_shop.code)
            if shop is None:
                shop = Shop(
                    code=demo_shop.code,
                    name=demo_shop.name,
                    currency=demo_shop.currency,
                    timezone=demo_shop.timezone,
                    created_at=now,
                )
                uow.shops.add(shop)
            # Turned on unless the owner already chose (`shop set`); a new dict, so the
            # JSON column sees the change.
            shop.settings = {
                **DEMO_CARE_SETTINGS,
                "review_link": review_link(demo_shop.code),
                **(shop.settings or {}),
            }
            shop.tracking_updated_at = now  # this load is the shop's latest tracking
            await uow.flush()
            shop_ids[demo_shop.code] = shop.id
            writer = OrderWriter(
                uow.session, shop_id=shop.id, run_id=str(uuid.uuid4()), clock=clock
            )
            records = by_shop[demo_shop.code]
            for start in range(0, len(records), BATCH):
                outcome = await writer.write(records[start : start + BATCH])
                if outcome.problems:  # generated data is valid; this is a bug, not input
                    raise RuntimeError(f"demo data refused: {outcome.problems[0]}")
            await uow.shops.mark_tracking_updated(shop.id, clock.now())
            for name in vars(total):
                setattr(total, name, getattr(total, name) + getattr(writer.counts, name))
        written: dict[str, int] = {}
        if history is not None:
            written = await _write_after_sales(uow, history, shop_ids, now)
            uow.key_values.set(HISTORY_KEY, now.isoformat())
        await uow.commit()
    return DemoSummary(len(DEMO_SHOPS), sum(len(r) for r in by_shop.values()), total, written)


async def _write_after_sales(
    uow: UnitOfWork, history: DemoHistory, shop_ids: dict[str, int], now: datetime
) -> dict[str, int]:
    """The history's returns, cancellations, tickets and ratings, as the bot's own
    flows would have left them once finished."""
    session = uow.session
    # Bulk INSERTs of the ORM models (a handful of statements, not one per row): the
    # demo's first start stays quick.  The historical buyers are chat users of a
    # channel no bot serves.
    people = sorted(history.buyers.items())
    users = await session.execute(
        insert(_table(ChatUser)).returning(ChatUser.id, ChatUser.external_id),
        [
            {
                "channel": HISTORY_CHANNEL,
                "external_id": index,
                "first_name": name.split()[0],
                "language": "en",
                "created_at": now,
            }
            for index, (_email, name) in enumerate(people, start=1)
        ],
    )
    by_index = dict((external_id, user_id) for user_id, external_id in users)
    buyers = {email: by_index[index] for index, (email, _name) in enumerate(people, start=1)}
    numbers = sorted(
        {
            row.order_number
            for rows in (history.claims, history.cancels, history.tickets, history.ratings)
            for row in rows
        }
    )
    orders: dict[tuple[int, str], int] = {}
    lines: dict[tuple[int, int], int] = {}  # (order id, line no) -> order item id
    for start in range(0, len(numbers), BATCH):
        rows = await session.execute(
            select(Order.id, Order.shop_id, Order.order_number, OrderItem.line_no, OrderItem.id)
            .join(OrderItem, OrderItem.order_id == Order.id)
            .where(Order.order_number.in_(numbers[start : start + BATCH]))
        )
        for oid, shop_id, number, line_no, item_id in rows:
            orders[shop_id, number] = oid
            lines[oid, line_no] = item_id

    def order_id(shop_code: str, number: str) -> int:
        return orders[shop_ids[shop_code], number]

    claim_ids: dict[str, int] = {}
    if history.claims:
        inserted = await session.execute(
            insert(_table(Claim)).returning(Claim.id, Claim.claim_number),
            [
                {
                    "claim_number": c.claim_number,
                    "order_id": order_id(c.shop_code, c.order_number),
                    "buyer_id": buyers[c.buyer_email],
                    "type": c.type.value,
                    "reason": c.reason.value,
                    "status": c.status.value,
                    "buyer_note": c.note,
                    "requested_amount": c.amount,
                    "currency": c.currency,
                    "created_at": c.events[0].at,
                    "updated_at": c.events[-1].at,
                    "version": 1,
                }
                for c in history.claims
            ],
        )
        claim_ids = {number: claim_id for claim_id, number in inserted}
    await _insert(
        session,
        ClaimItem,
        [
            {
                "claim_id": claim_ids[c.claim_number],
                "order_item_id": lines[order_id(c.shop_code, c.order_number), line_no],
                "quantity": quantity,
            }
            for c in history.claims
            for line_no, quantity in c.lines
        ],
    )
    await _insert(
        session,
        ClaimEvent,
        [
            {
                "claim_id": claim_ids[c.claim_number],
                "from_status": e.from_status.value if e.from_status else None,
                "to_status": e.to_status.value,
                "actor_kind": e.actor_kind,
                "actor_id": buyers[c.buyer_email] if e.actor_kind == ActorKind.BUYER else None,
                "note": e.note,
                "at": e.at,
            }
            for c in history.claims
            for e in c.events
        ],
    )
    await _insert(
        session,
        Refund,
        [
            {
                "order_id": order_id(c.shop_code, c.order_number),
                "claim_id": claim_ids[c.claim_number],
                "amount": c.refunded,
                "currency": c.currency,
                "status": RefundStatus.SUCCEEDED.value,
                "issuer_kind": ActorKind.SELLER.value,
                "issuer_id": None,
                "reason": f"{c.claim_number}: approved",
                "idempotency_key": f"claim:{claim_ids[c.claim_number]}:full",
                "gateway_reference": f"demo-{c.claim_number}",
                "attempts": 1,
                "created_at": c.events[-1].at,
                "updated_at": c.events[-1].at,
            }
            for c in history.claims
            if c.refunded is not None and c.status is ClaimStatus.REFUNDED
        ],
    )
    await _insert(
        session,
        CancelRequest,
        [
            {
                "order_id": order_id(r.shop_code, r.order_number),
                "buyer_id": buyers[r.buyer_email],
                "status": "approved" if r.approved else "rejected",
                "decided_by_kind": ActorKind.SELLER.value,
                "note": r.note,
                "created_at": r.created_at,
                "decided_at": r.decided_at,
                "version": 1,
            }
            for r in history.cancels
        ],
    )
    ticket_ids: list[int] = []
    if history.tickets:
        opened = await session.execute(
            insert(_table(Ticket)).returning(Ticket.id, sort_by_parameter_order=True),
            [
                {
                    "shop_id": shop_ids[t.shop_code],
                    "buyer_id": buyers[t.buyer_email],
                    "order_id": order_id(t.shop_code, t.order_number),
                    "status": TicketStatus.CLOSED.value,
                    "reason": t.reason.value,
                    "assignee_name": t.staff,
                    "rating": t.rating,
                    "sla_breached": t.first_response_at - t.opened_at > FIRST_RESPONSE,
                    "opened_at": t.opened_at,
                    "first_response_at": t.first_response_at,
                    "closed_at": t.closed_at,
                }
                for t in history.tickets
            ],
        )
        ticket_ids = list(opened.scalars())
    await _insert(
        session,
        TicketMessage,
        [
            {
                "ticket_id": ticket_id,
                "direction": direction,
                "author_name": author or None,
                "kind": "event" if direction == "event" else "text",
                "text": text,
                "at": at,
            }
            for t, ticket_id in zip(history.tickets, ticket_ids, strict=True)
            for direction, author, text, at in t.messages
        ],
    )
    await _insert(
        session,
        OrderRating,
        [
            {
                "order_id": order_id(r.shop_code, r.order_number),
                "shop_id": shop_ids[r.shop_code],
                "buyer_id": buyers[r.buyer_email],
                "stars": r.stars,
                "comment": r.comment,
                "created_at": r.at,
                "updated_at": r.at,
            }
            for r in history.ratings
        ],
    )
    return {
        "returns": len(history.claims),
        "cancellation requests": len(history.cancels),
        "tickets": len(history.tickets),
        "ratings": len(history.ratings),
    }


async def _insert(session: AsyncSession, model: type[Base], rows: list[dict[str, Any]]) -> None:
    if rows:
        await session.execute(insert(_table(model)), rows)


def _table(model: type[Base]) -> Table:
    """The model's table: Core INSERTs skip the ORM's per-row work (as the importer)."""
    return cast(Table, model.__table__)


async def has_orders(uow_factory: UnitOfWorkFactory) -> bool:
    async with uow_factory(readonly=True) as uow:
        return await uow.orders.count() > 0
