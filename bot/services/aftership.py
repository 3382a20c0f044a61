"""AfterShip tracking webhooks (`POST /hooks/aftership/SHOP`): new checkpoints of a
shop's parcel become tracking events, the order moves on when its parcels do, and the
linked buyer is told as after an import (`notify_order_change`, same transaction).

AfterShip's body: ``{"event": "tracking_update", "event_id": "...", "msg": {
"tracking_number", "slug", "tag", "checkpoints": [{"checkpoint_time", "tag",
"message", "location", ...}], ...}}``; other fields are ignored.  The tag vocabulary
is the store's own (`TrackingTag` follows AfterShip).  A replayed event id changes
nothing (`inbound_events`); an unknown tracking number is answered 200 all the same
(AfterShip would retry for days) and logged.  A checkpoint that cannot be read (no
time, an unknown tag) is skipped and counted, so one odd carrier line does not hold
back the others.  The caller authenticated the body first (`hook_auth`).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from bot.clock import Clock
from bot.domain.enums import OrderStatus, TrackingTag
from bot.services.hook_auth import HookShop
from bot.services.notifications import notify_order_change
from storage.importers.common import MAX_LENGTH, FieldReader, unique_events
from storage.importers.json_orders import decode_document
from storage.importers.records import TrackingEventRecord
from storage.importers.writer import OrderChange
from storage.models import Order, TrackingEvent
from storage.uow import UnitOfWork, UnitOfWorkFactory

log = logging.getLogger(__name__)

SOURCE = "aftership"
MAX_EVENT_ID = 100
MAX_CHECKPOINTS = 1000
TrackingKind = Literal["applied", "replayed", "unmatched", "ignored", "malformed"]

# How far a parcel got, by its AfterShip tag; an order follows its least advanced parcel.
_LEFT = frozenset(
    {
        TrackingTag.IN_TRANSIT,
        TrackingTag.OUT_FOR_DELIVERY,
        TrackingTag.ATTEMPT_FAIL,
        TrackingTag.AVAILABLE_FOR_PICKUP,
    }
)
# Order statuses a parcel's progress may move forward; later ones are never touched.
_BEFORE_TRANSIT = frozenset({OrderStatus.AWAITING_SHIPMENT, OrderStatus.AWAITING_COLLECTION})
_BEFORE_DELIVERY = _BEFORE_TRANSIT | {OrderStatus.PARTIALLY_SHIPPING, OrderStatus.IN_TRANSIT}


@dataclass(frozen=True, slots=True)
class TrackingUpdate:
    event_id: str
    tracking_number: str
    tag: TrackingTag | None  # the parcel's current status as AfterShip sees it
    checkpoints: tuple[TrackingEventRecord, ...]
    skipped: int  # checkpoints that could not be read


@dataclass
class TrackingResult:
    kind: TrackingKind
    reason: str = ""
    orders: list[str] = field(default_factory=list)  # order numbers changed
    events_added: int = 0
    skipped: int = 0
    notified: int = 0


def parse_update(body: bytes) -> TrackingUpdate | str | None:
    """The update, or a reason it is malformed, or None for another kind of event."""
    try:
        data: Any = decode_document(body)
    except ValueError as exc:
        return str(exc)
    if not isinstance(data, dict):
        return "expected a JSON object"
    event_id = data.get("event_id")
    if not isinstance(event_id, str) or not 0 < len(event_id) <= MAX_EVENT_ID:
        return f"event_id must be text of 1 to {MAX_EVENT_ID} characters"
    if not event_id.isprintable():
        return "event_id must be printable text"
    if data.get("event") != "tracking_update":
        return None
    msg = data.get("msg")
    if not isinstance(msg, dict):
        return "msg must be an object"
    reader = FieldReader("msg")
    number = reader.text("tracking_number", msg.get("tracking_number"), True)
    tag = reader.tracking_tag("tag", msg.get("tag")) if msg.get("tag") is not None else None
    if number is None or reader.problems:
        return "; ".join(f"msg.{p.field}: {p.message}" for p in reader.problems)
    raw = msg.get("checkpoints")
    raw = [] if raw is None else raw
    if not isinstance(raw, list) or len(raw) > MAX_CHECKPOINTS:
        return f"msg.checkpoints must be a list of at most {MAX_CHECKPOINTS} objects"
    events: list[TrackingEventRecord] = []
    for checkpoint in raw:
        event = _checkpoint(checkpoint)
        if event is not None:
            events.append(event)
    return TrackingUpdate(event_id, number, tag, unique_events(events), len(raw) - len(events))


def _checkpoint(raw: object) -> TrackingEventRecord | None:
    if not isinstance(raw, dict):
        return None
    reader = FieldReader("checkpoint")
    event = reader.tracking_event(
        {
            "at": raw.get("checkpoint_time"),
            "tag": raw.get("tag"),
            # Carrier text: cut to the column rather than losing the checkpoint.
            "message": _cut(raw.get("message"), MAX_LENGTH["message"]),
            "location": _cut(_location(raw), MAX_LENGTH["location"]),
        }
    )
    return None if reader.problems else event


def _location(raw: dict[str, Any]) -> object:
    if raw.get("location"):
        return raw["location"]
    parts = [raw.get(key) for key in ("city", "state", "country_name")]
    return ", ".join(p for p in parts if isinstance(p, str) and p.strip()) or None


def _cut(value: object, limit: int) -> object:
    return value.strip()[:limit] if isinstance(value, str) else value


def normal_tracking(number: str) -> str:
    """Tracking numbers compare without case and spaces ("1z 999" is "1Z999")."""
    return "".join(number.split()).upper()


class AfterShipService:
    def __init__(self, uow: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def receive(self, shop: HookShop, body: bytes) -> TrackingResult:
        parsed = parse_update(body)
        if isinstance(parsed, str):
            return TrackingResult("malformed", parsed)
        if parsed is None:
            return TrackingResult("ignored", "only tracking_update events are read")
        now = self._clock.now()
        async with self._uow() as uow:
            # Several orders may share a parcel: each of their shipments with this number.
            shipments = await uow.orders.shipments_tracked(
                shop.shop_id, normal_tracking(parsed.tracking_number)
            )
            if not shipments:
                log.warning(
                    "AfterShip update for an unknown tracking number",
                    extra={"shop": shop.code, "event_id": parsed.event_id},
                )
                return TrackingResult("unmatched", skipped=parsed.skipped)
            if not await uow.inbound_events.first_time(
                SOURCE, f"{shop.shop_id}:{parsed.event_id}", now
            ):
                return TrackingResult("replayed")
            result = TrackingResult("applied", skipped=parsed.skipped)
            for order in {s.order_id: s.order for s in shipments}.values():
                change = _apply(uow, order, parsed, now)
                if change is None:
                    continue
                result.orders.append(order.order_number)
                result.events_added += len(change.new_events)
                result.notified += await notify_order_change(uow, change, now)
            # The shop's tracking feed is alive, even when this update changed nothing.
            await uow.shops.mark_tracking_updated(shop.shop_id, now)
            await uow.commit()
        log.info(
            "AfterShip update applied",
            extra={
                "shop": shop.code,
                "event_id": parsed.event_id,
                "order_number": result.orders,  # a plain field: numbers stay readable
                "events": result.events_added,
                "skipped": result.skipped,
            },
        )
        return result


def _apply(
    uow: UnitOfWork, order: Order, update: TrackingUpdate, now: datetime
) -> OrderChange | None:
    """Add the update's new checkpoints to the order's matching parcels and move the
    order forward; the change, or None when nothing changed."""
    wanted = normal_tracking(update.tracking_number)
    added: list[TrackingEventRecord] = []
    for shipment in order.shipments:
        if normal_tracking(shipment.tracking_number) != wanted:
            continue
        known = {(e.at, e.tag, e.message) for e in shipment.events}
        for event in update.checkpoints:
            if (event.at, event.tag.value, event.message) in known:
                continue
            shipment.events.append(
                TrackingEvent(
                    at=event.at, tag=event.tag.value, message=event.message, location=event.location
                )
            )
            added.append(event)
    old = OrderStatus(order.status)
    new, delivered_at = _order_progress(order, wanted, update)
    if new == old and not added:
        return None
    if new != old:
        order.status = new.value
        if new is OrderStatus.DELIVERED and order.delivered_at is None:
            order.delivered_at = delivered_at or now
    order.updated_at = now
    uow.session.add(order)
    return OrderChange(
        order_id=order.id,
        order_number=order.order_number,
        created=False,
        old_status=old,
        new_status=new,
        new_events=sorted(((e.tag, e.at, e.message) for e in added), key=lambda e: e[1]),
    )


def _order_progress(
    order: Order, wanted: str, update: TrackingUpdate
) -> tuple[OrderStatus, datetime | None]:
    """The order's status after this update: in transit once every parcel left, and
    delivered once every parcel arrived (the time of the update's Delivered
    checkpoint, if it has one).  Never backwards, never out of a cancelled or
    completed order."""
    current = OrderStatus(order.status)
    tags = [_parcel_tag(update, wanted, s.tracking_number, s.events) for s in order.shipments]
    delivered = [e.at for e in update.checkpoints if e.tag is TrackingTag.DELIVERED]
    if tags and all(t is TrackingTag.DELIVERED for t in tags) and current in _BEFORE_DELIVERY:
        return OrderStatus.DELIVERED, max(delivered, default=None)
    if (
        tags
        and all(t in _LEFT or t is TrackingTag.DELIVERED for t in tags)
        and current in _BEFORE_TRANSIT
    ):
        return OrderStatus.IN_TRANSIT, None
    return current, None


def _parcel_tag(
    update: TrackingUpdate, wanted: str, number: str, events: Iterable[TrackingEvent]
) -> TrackingTag | None:
    """A parcel's current tag: AfterShip's word for the updated one, else its newest
    event's."""
    if normal_tracking(number) == wanted and update.tag is not None:
        return update.tag
    newest = max(events, key=lambda e: e.at, default=None)
    return TrackingTag(newest.tag) if newest is not None else None
