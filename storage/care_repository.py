"""Queries of delivery care (`bot.services.delivery_care`): which parcels may be late
or stuck, who may hear about them, and what a tracking event needs for its advice.

Its own module, like the job, so the shared repositories stay as they were; it is
built on the unit of work's session (`CareRepository(uow.session)`) and, like every
repository, never commits."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, and_, false, func, or_, select, type_coerce
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.delivery_care import HORIZON, SETTLED
from bot.domain.enums import OrderStatus
from bot.domain.returns import OPEN
from storage.models import (
    ChatUser,
    Claim,
    Order,
    OrderLink,
    OutboxMessage,
    Shipment,
    Shop,
    TrackingEvent,
)
from storage.types import UTCDateTime


@dataclass(frozen=True, slots=True)
class Parcel:
    """One shipment of an unsettled order, as the care rules read it."""

    shipment_id: int
    order_id: int
    order_number: str
    status: OrderStatus
    carrier: str
    tracking_number: str
    delivery_option: str
    estimated_delivery: datetime | None
    shipped_at: datetime | None
    last_event_at: datetime | None
    last_tag: str | None
    last_message: str | None
    last_location: str | None


@dataclass(frozen=True, slots=True)
class EventFacts:
    """What a tracking event's advice needs: its parcel's carrier and number, where the
    event happened, and the settings of the order's shop."""

    carrier: str
    tracking_number: str
    location: str | None
    settings: dict[str, Any]


def _parcel_select() -> tuple[Select[Any], Any]:
    """Shipments with their order's number and status and their newest tracking event
    (a correlated pick of one row: a parcel has a dozen checkpoints at most)."""
    last = TrackingEvent.__table__.alias("last_event")
    newest = (
        select(TrackingEvent.id)
        .where(TrackingEvent.shipment_id == Shipment.id)
        .order_by(TrackingEvent.at.desc(), TrackingEvent.id.desc())
        .limit(1)
        .correlate(Shipment)
        .scalar_subquery()
    )
    query = (
        select(
            Shipment.id,
            Shipment.order_id,
            Order.order_number,
            Order.status,
            Shipment.carrier,
            Shipment.tracking_number,
            Shipment.delivery_option,
            Shipment.estimated_delivery,
            Shipment.shipped_at,
            last.c.at,
            last.c.tag,
            last.c.message,
            last.c.location,
        )
        .join(Order, Order.id == Shipment.order_id)
        .outerjoin(last, last.c.id == newest)
    )
    return query, last


def _parcel(row: Any) -> Parcel:
    return Parcel(
        shipment_id=row[0],
        order_id=row[1],
        order_number=row[2],
        status=OrderStatus(row[3]),
        carrier=row[4],
        tracking_number=row[5],
        delivery_option=row[6],
        estimated_delivery=row[7],
        shipped_at=row[8],
        last_event_at=row[9],
        last_tag=row[10],
        last_message=row[11],
        last_location=row[12],
    )


class CareRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def parcels(
        self, shop_id: int, now: datetime, *, stuck_after: timedelta | None
    ) -> list[Parcel]:
        """The shop's parcels that may be late (past their estimate, within HORIZON) or,
        when `stuck_after` is given (the shop's tracking is fresh), quiet for at least
        that long; the rules (`bot.domain.delivery_care.concern`) decide for each."""
        query, last = _parcel_select()
        quiet_since = type_coerce(func.coalesce(last.c.at, Shipment.shipped_at), UTCDateTime)
        late = and_(
            Shipment.estimated_delivery.is_not(None),
            Shipment.estimated_delivery < now,
            Shipment.estimated_delivery >= now - HORIZON,
        )
        stuck = (
            and_(quiet_since <= now - stuck_after, quiet_since >= now - HORIZON)
            if stuck_after is not None
            else false()
        )
        rows = await self.session.execute(
            query.where(
                Order.shop_id == shop_id,
                Order.status.not_in([s.value for s in SETTLED]),
                or_(late, stuck),
            ).order_by(Shipment.id)
        )
        return [_parcel(row) for row in rows]

    async def parcel(self, shipment_id: int) -> Parcel | None:
        """One parcel as `parcels` reads it, locked for this transaction (PostgreSQL:
        `FOR UPDATE SKIP LOCKED`, so a parcel another worker is acting on is left to
        it: None), read again after the lock so the rules see what is true now."""
        locked = await self.session.scalar(
            select(Shipment.id).where(Shipment.id == shipment_id).with_for_update(skip_locked=True)
        )
        if locked is None:
            return None
        query, _ = _parcel_select()
        row = (await self.session.execute(query.where(Shipment.id == shipment_id))).one_or_none()
        return None if row is None else _parcel(row)

    async def orders_with_open_claims(self, order_ids: Iterable[int]) -> set[int]:
        """Which of these orders have a claim still open (the buyer already asked; a
        reminder that the parcel is late makes no sense then)."""
        ids = set(order_ids)
        if not ids:
            return set()
        rows = await self.session.scalars(
            select(Claim.order_id)
            .where(Claim.order_id.in_(ids), Claim.status.in_([s.value for s in OPEN]))
            .distinct()
        )
        return set(rows)

    async def buyer_chats(self, order_ids: Iterable[int]) -> dict[int, list[int]]:
        """Per order, the chats of the buyers who proved it and still want messages the
        bot sends on its own (reachable, `proactive_off` not set)."""
        ids = set(order_ids)
        if not ids:
            return {}
        rows = await self.session.execute(
            select(OrderLink.order_id, ChatUser.external_id)
            .join(ChatUser, ChatUser.id == OrderLink.chat_user_id)
            .where(
                OrderLink.order_id.in_(ids),
                ChatUser.unreachable.is_(False),
                ChatUser.proactive_off.is_(False),
            )
            .order_by(OrderLink.order_id, ChatUser.id)
        )
        chats: dict[int, list[int]] = {}
        for order_id, chat_id in rows:
            chats.setdefault(int(order_id), []).append(int(chat_id))
        return chats

    async def existing_keys(self, keys: Iterable[str]) -> set[str]:
        """Which of these outbox dedupe keys were already queued."""
        wanted = sorted(set(keys))
        found: set[str] = set()
        for start in range(0, len(wanted), 500):  # bound-parameter limits
            found.update(
                await self.session.scalars(
                    select(OutboxMessage.dedupe_key).where(
                        OutboxMessage.dedupe_key.in_(wanted[start : start + 500])
                    )
                )
            )
        return found

    async def event_facts(self, order_id: int, tag: str, at: datetime) -> EventFacts | None:
        """The parcel of the order that has this tracking event, with the event's place
        and the shop's settings (None when no parcel has it)."""
        row = (
            await self.session.execute(
                select(
                    Shipment.carrier,
                    Shipment.tracking_number,
                    TrackingEvent.location,
                    Shop.settings,
                )
                .join(TrackingEvent, TrackingEvent.shipment_id == Shipment.id)
                .join(Order, Order.id == Shipment.order_id)
                .join(Shop, Shop.id == Order.shop_id)
                .where(
                    Shipment.order_id == order_id,
                    TrackingEvent.tag == tag,
                    TrackingEvent.at == at,
                )
                .order_by(TrackingEvent.id.desc())
                .limit(1)
            )
        ).one_or_none()
        if row is None:
            return None
        return EventFacts(row[0], row[1], row[2], dict(row[3] or {}))
