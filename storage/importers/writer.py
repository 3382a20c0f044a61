"""Upsert validated order records, a batch at a time, inside the caller's transaction.

Why Core statements and not the ORM unit of work: an import of 100,000 orders writes
about 800,000 rows, and the ORM's per-object bookkeeping (identity map, change
tracking, relationship cascades) costs more per row than the whole budget of an import
that must run at 5,000 orders a second.  So each batch costs a fixed handful of
statements:

1. one SELECT finds which order numbers of the batch already exist (with their
   `import_run` stamp, which reveals an order written earlier in this same run);
2. new orders: one multi-row INSERT ... RETURNING per table (SQLAlchemy 2's
   "insertmanyvalues"), children keyed by the ids it returns;
3. existing orders: four SELECTs load their payments, items, shipments and events,
   then only what differs is written, with executemany UPDATEs / INSERTs.

Re-importing an order never duplicates anything: items are matched by position
(line_no), shipments by tracking number, tracking events by (time, tag, message), the
store's own unique keys.  Nothing is deleted except item lines that an order no longer
has; shipments and events missing from a later export are kept, because exports often
carry only the latest parcel and tracking history is never wrong after the fact.

The writer never commits; the service does, once, after the last batch.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Row, Table, bindparam, delete, insert, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.expression import BindParameter

from bot.clock import Clock
from bot.domain.enums import ActorKind, DeliveryOption, OrderStatus, TrackingTag
from storage.importers.records import (
    ItemRecord,
    OrderRecord,
    Problem,
    ShipmentRecord,
    TrackingEventRecord,
)
from storage.models import (
    AuditEntry,
    ClaimItem,
    Order,
    OrderItem,
    Payment,
    Shipment,
    TrackingEvent,
)
from storage.repositories import ORDER_CANCELLED

_orders = cast(Table, Order.__table__)
_items = cast(Table, OrderItem.__table__)
_payments = cast(Table, Payment.__table__)
_shipments = cast(Table, Shipment.__table__)
_events = cast(Table, TrackingEvent.__table__)

# Fields an import may change; compared to decide "updated" versus "unchanged".
ORDER_FIELDS = (
    "status",
    "buyer_name",
    "buyer_email",
    "buyer_phone",
    "shipping_address",
    "postal_code",
    "contact_masked",
    "marketplace",
    "placed_at",
    "paid_at",
    "delivered_at",
)
PAYMENT_FIELDS = ("currency", "subtotal", "shipping_fee", "discount", "tax", "total_paid")
ITEM_FIELDS = ("sku", "product_name", "quantity", "unit_price")
SHIPMENT_FIELDS = ("carrier", "delivery_option", "estimated_delivery", "shipped_at")

# Statements are built once, with expanding IN parameters: a statement built per batch
# around a Python list lives in reference cycles until the garbage collector's next
# full pass, keeping every batch's keys alive meanwhile (memory then grows with the
# file).
_IDS: BindParameter[int] = bindparam("ids", expanding=True)
_SELECT_EXISTING = select(
    _orders.c.id,
    _orders.c.order_number,
    _orders.c.import_run,
    *(_orders.c[name] for name in ORDER_FIELDS),
).where(
    _orders.c.shop_id == bindparam("shop_id"),
    _orders.c.order_number.in_(bindparam("numbers", expanding=True)),
)
_SELECT_PAYMENTS = select(_payments).where(_payments.c.order_id.in_(_IDS))
_SELECT_ITEMS = select(_items).where(_items.c.order_id.in_(_IDS))
_SELECT_SHIPMENTS = select(_shipments).where(_shipments.c.order_id.in_(_IDS))
_SELECT_EVENTS = (
    select(_events.c.shipment_id, _events.c.at, _events.c.tag, _events.c.message)
    .join(_shipments, _shipments.c.id == _events.c.shipment_id)
    .where(_shipments.c.order_id.in_(_IDS))
)
_STAMP_ORDERS = update(_orders).where(_orders.c.id.in_(_IDS)).values(import_run=bindparam("run"))
_DELETE_ITEMS = delete(_items).where(_items.c.id.in_(_IDS))
_INSERT_ORDERS = insert(_orders).returning(_orders.c.id, _orders.c.order_number)
_INSERT_PAYMENTS = insert(_payments)
_INSERT_ITEMS = insert(_items)
_INSERT_SHIPMENTS = insert(_shipments).returning(
    _shipments.c.id, _shipments.c.order_id, _shipments.c.tracking_number
)
_INSERT_EVENTS = insert(_events)
# Executemany UPDATEs by primary key: the SET clause comes from the parameter keys.
_UPDATE_ORDER = update(_orders).where(_orders.c.id == bindparam("_id"))
_UPDATE_PAYMENT = update(_payments).where(_payments.c.id == bindparam("_id"))
_UPDATE_ITEM = update(_items).where(_items.c.id == bindparam("_id"))
_UPDATE_SHIPMENT = update(_shipments).where(_shipments.c.id == bindparam("_id"))

EventKey = tuple[datetime, str, str]


@dataclass(frozen=True, slots=True)
class OrderChange:
    """What an import did to one order, for telling its buyer."""

    order_id: int
    order_number: str
    created: bool
    old_status: OrderStatus | None  # None for a created order
    new_status: OrderStatus
    # (tag, at, message) of tracking events this import added, oldest first.
    new_events: list[tuple[TrackingTag, datetime, str]] = field(default_factory=list)

    @property
    def status_changed(self) -> bool:
        return not self.created and self.old_status != self.new_status

    @property
    def worth_telling(self) -> bool:
        """An order the buyer already knew about moved on: new status or new tracking."""
        return not self.created and (self.status_changed or bool(self.new_events))


@dataclass
class WriteCounts:
    orders_created: int = 0
    orders_updated: int = 0
    orders_unchanged: int = 0
    items_written: int = 0  # inserted or changed
    items_removed: int = 0
    shipments_written: int = 0  # inserted or changed
    events_added: int = 0


@dataclass
class BatchOutcome:
    changes: list[OrderChange]  # created and updated orders; unchanged ones are left out
    problems: list[Problem]


@dataclass
class _Pending:
    """Statements collected for the existing orders of a batch, run together."""

    order_updates: list[dict[str, Any]] = field(default_factory=list)
    stamps: list[int] = field(default_factory=list)
    payment_updates: list[dict[str, Any]] = field(default_factory=list)
    payment_inserts: list[dict[str, Any]] = field(default_factory=list)
    item_updates: list[dict[str, Any]] = field(default_factory=list)
    item_inserts: list[dict[str, Any]] = field(default_factory=list)
    item_deletes: list[int] = field(default_factory=list)
    shipment_updates: list[dict[str, Any]] = field(default_factory=list)
    new_shipments: list[tuple[int, ShipmentRecord]] = field(default_factory=list)
    event_inserts: list[dict[str, Any]] = field(default_factory=list)


# Row builders: each returns the full column dict of one row, ready for executemany.
# Built as literals rather than merged from smaller dicts: they run 800,000 times in
# an import of 100,000 orders.


def _order_row(record: OrderRecord, **keys: Any) -> dict[str, Any]:
    return {
        **keys,
        "status": record.status.value,
        "buyer_name": record.buyer_name,
        "buyer_email": record.buyer_email,
        "buyer_phone": record.buyer_phone,
        "shipping_address": record.shipping_address,
        "postal_code": record.postal_code,
        "contact_masked": record.contact_masked,
        "marketplace": record.marketplace,
        "placed_at": record.placed_at,
        "paid_at": record.paid_at,
        "delivered_at": record.delivered_at,
    }


def _payment_row(record: OrderRecord, **keys: Any) -> dict[str, Any]:
    return {
        **keys,
        "currency": record.currency,
        "subtotal": record.subtotal,
        "shipping_fee": record.shipping_fee,
        "discount": record.discount,
        "tax": record.tax,
        "total_paid": record.total_paid,
    }


def _item_row(item: ItemRecord, **keys: Any) -> dict[str, Any]:
    return {
        **keys,
        "sku": item.sku,
        "product_name": item.product_name,
        "quantity": item.quantity,
        "unit_price": item.unit_price,
    }


def _shipment_row(shipment: ShipmentRecord, **keys: Any) -> dict[str, Any]:
    return {
        **keys,
        "carrier": shipment.carrier,
        "delivery_option": shipment.delivery_option.value,
        "estimated_delivery": shipment.estimated_delivery,
        "shipped_at": shipment.shipped_at,
    }


def _event_row(shipment_id: int, event: TrackingEventRecord) -> dict[str, Any]:
    return {
        "shipment_id": shipment_id,
        "at": event.at,
        "tag": event.tag.value,
        "message": event.message,
        "location": event.location,
    }


def _event_key(event: TrackingEventRecord) -> EventKey:
    return (event.at, event.tag.value, event.message)


def _differs(row: Row[Any], values: dict[str, Any], names: tuple[str, ...]) -> bool:
    """Whether a stored row differs from new values in any of the columns `names`."""
    current = row._mapping
    return any(current[name] != values[name] for name in names)


class OrderWriter:
    """Writes batches of records for one shop, stamping each order with `run_id`."""

    def __init__(self, session: AsyncSession, *, shop_id: int, run_id: str, clock: Clock) -> None:
        self._session = session
        self._shop_id = shop_id
        self._run_id = run_id
        self._clock = clock
        self._session_ready = False
        self.counts = WriteCounts()

    async def write(self, records: Sequence[OrderRecord]) -> BatchOutcome:
        """Upsert one batch.  Problems (duplicates) do not stop the batch: the caller
        rolls the whole transaction back, and the report lists every duplicate."""
        if not self._session_ready:
            await self._prepare_session()
        problems: list[Problem] = []
        batch: dict[str, OrderRecord] = {}
        for record in records:
            if record.order_number in batch:
                problems.append(_duplicate(record))
            else:
                batch[record.order_number] = record
        existing: list[tuple[Row[Any], OrderRecord]] = []
        for row in await self._existing(list(batch)):
            record = batch.pop(row.order_number)
            if row.import_run == self._run_id:
                # Written earlier in this run: the number came back later in the file.
                problems.append(_duplicate(record))
            else:
                existing.append((row, record))
        now = self._clock.now()
        changes = await self._insert_new(list(batch.values()), now)
        changes += await self._update_existing(existing, now)
        return BatchOutcome(changes, problems)

    async def _prepare_session(self) -> None:
        """PostgreSQL: plan every statement for the table as it is now.

        The batch statements are prepared once and run hundreds of times.  After five
        runs PostgreSQL may switch to a generic plan made from the statistics of when
        the import began; importing into an empty or small table, that plan scans the
        whole `orders` table for each batch, which grows with every batch (measured:
        the import slowed to a few hundred orders a second).  SET LOCAL ends with the
        transaction.
        """
        connection = await self._session.connection()
        if connection.dialect.name == "postgresql":
            await connection.execute(text("SET LOCAL plan_cache_mode = force_custom_plan"))
        self._session_ready = True

    async def _existing(self, numbers: list[str]) -> Sequence[Row[Any]]:
        if not numbers:
            return []
        result = await self._session.execute(
            _SELECT_EXISTING, {"shop_id": self._shop_id, "numbers": numbers}
        )
        return result.all()

    async def _run(self, statement: Any, rows: list[dict[str, Any]]) -> None:
        if rows:
            await self._session.execute(statement, rows)

    # ----------------------------------------------------------------- new orders

    async def _insert_new(self, records: list[OrderRecord], now: datetime) -> list[OrderChange]:
        if not records:
            return []
        result = await self._session.execute(
            _INSERT_ORDERS,
            [
                _order_row(
                    record,
                    shop_id=self._shop_id,
                    order_number=record.order_number,
                    updated_at=now,
                    import_run=self._run_id,
                )
                for record in records
            ],
        )
        # Keyed by number (unique in the batch) rather than relying on RETURNING order.
        ids = {number: order_id for order_id, number in result}
        payments: list[dict[str, Any]] = []
        items: list[dict[str, Any]] = []
        shipments: list[tuple[int, ShipmentRecord]] = []
        changes: list[OrderChange] = []
        for record in records:
            order_id = ids[record.order_number]
            payments.append(_payment_row(record, order_id=order_id))
            items += [
                _item_row(item, order_id=order_id, line_no=line_no)
                for line_no, item in enumerate(record.items, start=1)
            ]
            shipments += [(order_id, shipment) for shipment in record.shipments]
            changes.append(
                OrderChange(
                    order_id=order_id,
                    order_number=record.order_number,
                    created=True,
                    old_status=None,
                    new_status=record.status,
                    new_events=_event_list(e for s in record.shipments for e in s.events),
                )
            )
        await self._run(_INSERT_PAYMENTS, payments)
        await self._run(_INSERT_ITEMS, items)
        await self._insert_shipments(shipments)
        self.counts.orders_created += len(records)
        self.counts.items_written += len(items)
        return changes

    async def _insert_shipments(self, shipments: list[tuple[int, ShipmentRecord]]) -> None:
        if not shipments:
            return
        result = await self._session.execute(
            _INSERT_SHIPMENTS,
            [
                _shipment_row(s, order_id=order_id, tracking_number=s.tracking_number)
                for order_id, s in shipments
            ],
        )
        ids = {(order_id, number): shipment_id for shipment_id, order_id, number in result}
        events = [
            _event_row(ids[order_id, shipment.tracking_number], event)
            for order_id, shipment in shipments
            for event in shipment.events
        ]
        await self._run(_INSERT_EVENTS, events)
        self.counts.shipments_written += len(shipments)
        self.counts.events_added += len(events)

    # ------------------------------------------------------------ existing orders

    async def _update_existing(
        self, existing: list[tuple[Row[Any], OrderRecord]], now: datetime
    ) -> list[OrderChange]:
        if not existing:
            return []
        current = await _Current.load(self._session, [row.id for row, _ in existing])
        pending = _Pending()
        changes: list[OrderChange] = []
        for row, record in existing:
            values = _order_row(record, _id=row.id, updated_at=now, import_run=self._run_id)
            changed = _differs(row, values, ORDER_FIELDS)
            changed |= self._plan_payment(pending, current, row.id, record)
            changed |= self._plan_items(pending, current, row.id, record)
            shipments_changed, new_events = self._plan_shipments(pending, current, row.id, record)
            if changed or shipments_changed or new_events:
                pending.order_updates.append(values)
                self._note_cancelled_unpaid(row, record, now)
                changes.append(
                    OrderChange(
                        order_id=row.id,
                        order_number=record.order_number,
                        created=False,
                        old_status=OrderStatus(row.status),
                        new_status=record.status,
                        new_events=_event_list(new_events),
                    )
                )
            else:
                pending.stamps.append(row.id)
        self.counts.orders_updated += len(pending.order_updates)
        self.counts.orders_unchanged += len(pending.stamps)
        await self._apply(pending)
        return changes

    def _note_cancelled_unpaid(self, row: Row[Any], record: OrderRecord, now: datetime) -> None:
        """An order seen awaiting payment and now cancelled, with no paid time: it was
        cancelled before it was paid, which its status no longer says.  Recorded as
        the buyer's own cancel in the chat is, so nothing of it is ever refundable
        (`bot.services.refunds.never_paid`)."""
        if (
            row.status == OrderStatus.UNPAID
            and record.status is OrderStatus.CANCELLED
            and record.paid_at is None
        ):
            self._session.add(
                AuditEntry(
                    at=now,
                    actor_kind=ActorKind.SYSTEM,
                    actor_id=None,
                    action=ORDER_CANCELLED,
                    entity="order",
                    entity_id=str(row.id),
                    details={"from": OrderStatus.UNPAID.value, "source": "import"},
                )
            )

    def _plan_payment(
        self, pending: _Pending, current: _Current, order_id: int, record: OrderRecord
    ) -> bool:
        payment = current.payments.get(order_id)
        if payment is None:  # an order created by other means, without a payment yet
            pending.payment_inserts.append(_payment_row(record, order_id=order_id))
            return True
        values = _payment_row(record, _id=payment.id)
        if _differs(payment, values, PAYMENT_FIELDS):
            pending.payment_updates.append(values)
            return True
        return False

    def _plan_items(
        self, pending: _Pending, current: _Current, order_id: int, record: OrderRecord
    ) -> bool:
        """Items are matched by line number and rewritten in place, so the ids that
        claims point to survive a re-import of an unchanged or edited line."""
        old = current.items.get(order_id, {})
        changed = False
        for line_no, item in enumerate(record.items, start=1):
            row = old.get(line_no)
            if row is None:
                pending.item_inserts.append(_item_row(item, order_id=order_id, line_no=line_no))
                changed = True
            elif _differs(row, values := _item_row(item, _id=row.id), ITEM_FIELDS):
                pending.item_updates.append(values)
                changed = True
        for line_no, row in old.items():
            if line_no > len(record.items):
                pending.item_deletes.append(row.id)
                changed = True
        return changed

    def _plan_shipments(
        self, pending: _Pending, current: _Current, order_id: int, record: OrderRecord
    ) -> tuple[bool, list[TrackingEventRecord]]:
        """Plans shipment writes; returns whether a known shipment changed, and the
        tracking events that are new (those of new shipments included)."""
        old = current.shipments.get(order_id, {})
        changed = False
        new_events: list[TrackingEventRecord] = []
        for shipment in record.shipments:
            row = old.get(shipment.tracking_number)
            if row is None:
                pending.new_shipments.append((order_id, shipment))
                new_events += shipment.events
                continue
            values = _shipment_row(shipment, _id=row.id)
            if _differs(row, values, SHIPMENT_FIELDS):
                pending.shipment_updates.append(values)
                changed = True
            known = current.events.get(row.id, set())
            for event in shipment.events:
                if _event_key(event) not in known:
                    pending.event_inserts.append(_event_row(row.id, event))
                    new_events.append(event)
        return changed, new_events

    async def _apply(self, pending: _Pending) -> None:
        session = self._session
        if pending.stamps:
            await session.execute(_STAMP_ORDERS, {"ids": pending.stamps, "run": self._run_id})
        await self._run(_UPDATE_ORDER, pending.order_updates)
        await self._run(_UPDATE_PAYMENT, pending.payment_updates)
        await self._run(_INSERT_PAYMENTS, pending.payment_inserts)
        if pending.item_deletes:
            # A line a return claim points to is kept even when the export dropped it:
            # deleting it would cascade into the claim's items (the buyer's evidence).
            claimed = set(
                await session.scalars(
                    select(ClaimItem.order_item_id).where(
                        ClaimItem.order_item_id.in_(pending.item_deletes)
                    )
                )
            )
            pending.item_deletes = [i for i in pending.item_deletes if i not in claimed]
        if pending.item_deletes:
            await session.execute(_DELETE_ITEMS, {"ids": pending.item_deletes})
        await self._run(_UPDATE_ITEM, pending.item_updates)
        await self._run(_INSERT_ITEMS, pending.item_inserts)
        await self._run(_UPDATE_SHIPMENT, pending.shipment_updates)
        await self._run(_INSERT_EVENTS, pending.event_inserts)
        await self._insert_shipments(pending.new_shipments)
        self.counts.items_written += len(pending.item_updates) + len(pending.item_inserts)
        self.counts.items_removed += len(pending.item_deletes)
        self.counts.shipments_written += len(pending.shipment_updates)
        self.counts.events_added += len(pending.event_inserts)


@dataclass
class _Current:
    """What the store holds for the existing orders of one batch."""

    payments: dict[int, Row[Any]]  # by order id
    items: dict[int, dict[int, Row[Any]]]  # by order id, then line_no
    shipments: dict[int, dict[str, Row[Any]]]  # by order id, then tracking number
    events: dict[int, set[EventKey]]  # by shipment id

    @classmethod
    async def load(cls, session: AsyncSession, order_ids: list[int]) -> _Current:
        ids = {"ids": order_ids}
        payments = {row.order_id: row for row in await session.execute(_SELECT_PAYMENTS, ids)}
        items: dict[int, dict[int, Row[Any]]] = defaultdict(dict)
        for row in await session.execute(_SELECT_ITEMS, ids):
            items[row.order_id][row.line_no] = row
        shipments: dict[int, dict[str, Row[Any]]] = defaultdict(dict)
        for row in await session.execute(_SELECT_SHIPMENTS, ids):
            shipments[row.order_id][row.tracking_number] = row
        events: dict[int, set[EventKey]] = defaultdict(set)
        for shipment_id, at, tag, message in await session.execute(_SELECT_EVENTS, ids):
            events[shipment_id].add((at, tag, message))
        return cls(payments, items, shipments, events)


def _event_list(events: Iterable[TrackingEventRecord]) -> list[tuple[TrackingTag, datetime, str]]:
    listed = [(e.tag, e.at, e.message) for e in events]
    if len(listed) > 1:
        listed.sort(key=_at)
    return listed


def _at(event: tuple[TrackingTag, datetime, str]) -> datetime:
    return event[1]


def _duplicate(record: OrderRecord) -> Problem:
    return Problem(
        record.source,
        "order_number",
        f"order {record.order_number!r} appears more than once in the file; each order must"
        " appear once (in CSV, all its rows together)",
    )


# --------------------------------------------------------------------- reading back


def record_from_order(order: Order) -> OrderRecord:
    """The record an order in the store corresponds to (order loaded with its items,
    payment and shipments): the inverse of the writer, for tests and exports."""
    payment = order.payment
    if payment is None:
        raise ValueError(f"order {order.order_number} has no payment")
    return OrderRecord(
        order_number=order.order_number,
        status=OrderStatus(order.status),
        placed_at=order.placed_at,
        currency=payment.currency,
        subtotal=payment.subtotal,
        shipping_fee=payment.shipping_fee,
        discount=payment.discount,
        tax=payment.tax,
        total_paid=payment.total_paid,
        items=tuple(
            ItemRecord(i.sku, i.product_name, i.quantity, i.unit_price) for i in order.items
        ),
        buyer_name=order.buyer_name,
        buyer_email=order.buyer_email,
        buyer_phone=order.buyer_phone,
        shipping_address=order.shipping_address,
        postal_code=order.postal_code,
        contact_masked=order.contact_masked,
        marketplace=order.marketplace,
        paid_at=order.paid_at,
        delivered_at=order.delivered_at,
        shipments=tuple(
            ShipmentRecord(
                carrier=s.carrier,
                tracking_number=s.tracking_number,
                delivery_option=DeliveryOption(s.delivery_option),
                estimated_delivery=s.estimated_delivery,
                shipped_at=s.shipped_at,
                events=tuple(
                    TrackingEventRecord(e.at, TrackingTag(e.tag), e.message, e.location)
                    for e in s.events
                ),
            )
            for s in order.shipments
        ),
    )
