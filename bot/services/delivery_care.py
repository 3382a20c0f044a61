"""Delivery care: telling buyers about a late or stuck parcel before they ask.

A job like `bot.services.deadlines`: driven by the database ("which parcels are late
or quiet now?", the injected clock), so a restart loses nothing and tests move a fake
clock.  Only shops with `delivery_care` on (`bot.domain.care.CarePolicy`) are looked
at, and the rules are `bot.domain.delivery_care.concern`.

Once per parcel and kind: every message has an outbox dedupe key
(`care:late:{shipment}:chat:{chat}`, `care:stuck:…`, `care:express:…` for sellers), so
a second run, a restart or a second worker queues nothing new.  A run first reads what
may be due and which of those keys exist (a few queries per shop), and opens a write
transaction only for parcels with something left to send; there the parcel's row is
locked (`FOR UPDATE SKIP LOCKED` on PostgreSQL: another worker holding it is left to
finish) and everything is checked again before anything is queued.

Nobody is told about an order whose buyer already filed a claim that is still open
(they asked already), and buyers who turned these messages off (`/settings`,
`ChatUser.proactive_off`) get none; the sellers' Express flag still goes.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy.exc import IntegrityError

from bot.clock import Clock
from bot.domain.care import CarePolicy
from bot.domain.carriers import tracking_url
from bot.domain.delivery_care import LATE, Concern, concern, tracking_fresh
from bot.domain.enums import ActorKind, DeliveryOption
from bot.services.notices import DeliveryCare, ExpressLate
from bot.services.outbox import Notification, enqueue
from bot.services.returns import claimable_units, seller_chat_ids
from bot.services.views import order_view
from storage.care_repository import CareRepository, Parcel
from storage.models import Order, Shop
from storage.uow import UnitOfWork, UnitOfWorkFactory

log = logging.getLogger(__name__)

# A few queries per shop when nothing is due; a buyer who just linked a late order
# hears within a minute.
EVERY_SECONDS = 60.0


def buyer_key(kind: Concern, shipment_id: int, chat_id: int) -> str:
    return f"care:{kind}:{shipment_id}:chat:{chat_id}"


def seller_key(shipment_id: int, chat_id: int) -> str:
    return f"care:express:{shipment_id}:chat:{chat_id}"


@dataclass
class CareReport:
    late: int = 0  # messages queued to buyers
    stuck: int = 0
    express: int = 0  # flags queued to sellers
    skipped: int = 0  # another worker held the parcel, or nothing was left to send
    errors: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return self.late + self.stuck + self.express


@dataclass(frozen=True, slots=True)
class _Due:
    parcel: Parcel
    kind: Concern
    policy: CarePolicy


class DeliveryCareJob:
    def __init__(self, uow: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def run_once(self) -> CareReport:
        report = CareReport()
        for due in await self._due():
            await self._act(due, report)
        if report.total or report.errors:
            log.info(
                "delivery care run",
                extra={k: v for k, v in vars(report).items() if k != "errors"},
            )
        return report

    async def _due(self) -> list[_Due]:
        """The parcels with a message still to send, read without writing anything."""
        now = self._clock.now()
        found: list[_Due] = []
        async with self._uow(readonly=True) as uow:
            care = CareRepository(uow.session)
            for shop in await uow.shops.all():
                policy = CarePolicy.from_settings(shop.settings)
                if not policy.delivery_care:
                    continue
                fresh = tracking_fresh(shop.tracking_updated_at, now, policy)
                stuck_after = timedelta(days=policy.stuck_after_days) if fresh else None
                parcels = await care.parcels(shop.id, now, stuck_after=stuck_after)
                dues = [
                    _Due(parcel, kind, policy)
                    for parcel in parcels
                    if (kind := _concern(parcel, policy, shop, now)) is not None
                ]
                if not dues:
                    continue
                orders = {d.parcel.order_id for d in dues}
                claimed = await care.orders_with_open_claims(orders)
                buyers = await care.buyer_chats(orders)
                sellers = await uow.shops.seller_chat_ids(shop)
                wanted = [
                    (d, _keys(d, buyers.get(d.parcel.order_id, []), sellers))
                    for d in dues
                    if d.parcel.order_id not in claimed
                ]
                sent = await care.existing_keys(k for _, keys in wanted for k in keys)
                found += [d for d, keys in wanted if set(keys) - sent]
        return found

    async def _act(self, due: _Due, report: CareReport) -> None:
        now = self._clock.now()
        try:
            async with self._uow() as uow:
                queued = await self._tell(uow, due, now)
                if queued is None:
                    report.skipped += 1
                    return
                await uow.commit()
        except IntegrityError:
            # Another worker queued the same message between our check and our insert
            # (its dedupe key is unique): it is sent once, by them.
            report.skipped += 1
            return
        except Exception as exc:  # one bad parcel must not stop the others
            log.exception("delivery care failed", extra={"shipment_id": due.parcel.shipment_id})
            report.errors.append(f"shipment {due.parcel.shipment_id}: {type(exc).__name__}")
            return
        buyers, sellers = queued
        if due.kind == LATE:
            report.late += buyers
        else:
            report.stuck += buyers
        report.express += sellers

    async def _tell(self, uow: UnitOfWork, due: _Due, now: datetime) -> tuple[int, int] | None:
        """Check again under the parcel's lock and queue what is still unsent: (buyer
        messages, seller flags), or None when there is nothing to do any more."""
        care = CareRepository(uow.session)
        parcel = await care.parcel(due.parcel.shipment_id)
        if parcel is None:
            return None  # another worker holds it (or it is gone)
        order = await uow.orders.get(parcel.order_id)
        if order is None:
            return None
        kind = _concern(parcel, due.policy, order.shop, now)
        if kind != due.kind or await care.orders_with_open_claims([order.id]):
            return None
        timezone = order.shop.timezone or "UTC"
        url = _tracking_url(parcel)
        express = parcel.delivery_option == DeliveryOption.EXPRESS.value
        notice = DeliveryCare(
            shop_id=order.shop_id,
            concern=kind,
            order_id=order.id,
            order_number=order.order_number,
            carrier=parcel.carrier,
            tracking_number=parcel.tracking_number,
            tracking_url=url,
            estimated_delivery=parcel.estimated_delivery,
            last_tag=parcel.last_tag,
            last_at=parcel.last_event_at,
            last_location=parcel.last_location,
            quiet_days=_quiet_days(parcel, now),
            express=express,
            can_report=await _may_report_not_received(uow, order, now),
            timezone=timezone,
        )
        buyers = 0
        for chat_id in (await care.buyer_chats([order.id])).get(order.id, []):
            key = buyer_key(kind, parcel.shipment_id, chat_id)
            buyers += await enqueue(uow, Notification(chat_id, notice), now=now, dedupe_key=key)
        sellers = 0
        if kind == LATE and express:
            flag = ExpressLate(
                shop_id=order.shop_id,
                order_id=order.id,
                order_number=order.order_number,
                carrier=parcel.carrier,
                tracking_number=parcel.tracking_number,
                tracking_url=url,
                estimated_delivery=parcel.estimated_delivery,
                last_tag=parcel.last_tag,
                last_at=parcel.last_event_at,
                timezone=timezone,
            )
            for chat_id in await seller_chat_ids(uow, order):
                key = seller_key(parcel.shipment_id, chat_id)
                sellers += await enqueue(uow, Notification(chat_id, flag), now=now, dedupe_key=key)
        if buyers or sellers:
            uow.audit.record(
                at=now,
                actor_kind=ActorKind.SYSTEM,
                actor_id=None,
                action=f"care.{kind}",
                entity="order",
                entity_id=order.id,
            )
        return buyers, sellers

    async def run_forever(self, every_seconds: float = EVERY_SECONDS) -> None:
        while True:
            try:
                await self.run_once()
            except Exception:
                log.exception("delivery care loop error")
            await asyncio.sleep(every_seconds)


def _concern(parcel: Parcel, policy: CarePolicy, shop: Shop, now: datetime) -> Concern | None:
    return concern(
        now=now,
        policy=policy,
        status=parcel.status,
        tracking_updated_at=shop.tracking_updated_at,
        estimated_delivery=parcel.estimated_delivery,
        last_event_at=parcel.last_event_at,
        last_tag=parcel.last_tag,
        shipped_at=parcel.shipped_at,
    )


def _keys(due: _Due, buyers: list[int], sellers: list[int]) -> list[str]:
    """Every dedupe key this parcel's messages would have."""
    keys = [buyer_key(due.kind, due.parcel.shipment_id, chat) for chat in buyers]
    if due.kind == LATE and due.parcel.delivery_option == DeliveryOption.EXPRESS.value:
        keys += [seller_key(due.parcel.shipment_id, chat) for chat in sellers]
    return keys


async def _may_report_not_received(uow: UnitOfWork, order: Order, now: datetime) -> bool:
    """Whether the buyer may file "not received" on this order now, by the one rule of
    `bot.domain.returns` (the card's Return button and the flow use it too), with items
    left to claim."""
    if not order_view(order).may_report_not_received(now):
        return False
    return bool(await claimable_units(uow, order))


def _tracking_url(parcel: Parcel) -> str | None:
    try:
        return tracking_url(parcel.carrier, parcel.tracking_number)
    except ValueError:
        return None  # a carrier we have no link for


def _quiet_days(parcel: Parcel, now: datetime) -> int:
    since = parcel.last_event_at or parcel.shipped_at
    return max(0, (now - since).days) if since else 0
