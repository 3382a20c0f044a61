"""Orders pushed by a shop's own system (`POST /hooks/orders/SHOP`), one or a list.

The body is the import's JSON format: one order object, a list of them, or
``{"orders": [...]}``.  Each order is checked exactly as the import checks it
(`order_from_json`, then the same writer); unlike a file import, a bad order does not
hold back the good ones: those are written, together, in ONE transaction with the
buyers' notifications (the outbox, as an import's changes), and the answer lists what
was refused and why.  The caller authenticated the body first (`hook_auth`).
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections import Counter
from dataclasses import dataclass, field
from typing import Literal

from sqlalchemy.exc import IntegrityError

from bot.clock import Clock
from bot.services.hook_auth import HookShop
from bot.services.notifications import notify_order_change
from bot.services.order_import import BATCH_SIZE, carries_tracking
from storage.importers.json_orders import decode_document, order_from_json
from storage.importers.records import OrderRecord, Problem
from storage.importers.writer import OrderWriter
from storage.uow import UnitOfWorkFactory

log = logging.getLogger(__name__)

MAX_ORDERS = 1000  # per request: a bigger feed sends several requests
PushKind = Literal["done", "malformed", "too_many", "conflict"]


@dataclass(frozen=True, slots=True)
class Refused:
    order: str | int  # the order number when it could be read, else its 0-based index
    problems: tuple[str, ...]


@dataclass
class PushResult:
    kind: PushKind
    reason: str = ""
    accepted: list[str] = field(default_factory=list)
    refused: list[Refused] = field(default_factory=list)
    notified: int = 0


class OrderPushService:
    def __init__(self, uow: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def push(self, shop: HookShop, body: bytes) -> PushResult:
        """Validate every order of `body`, then write the valid ones in one transaction.
        Nothing is written for a body that is not a list of orders, nor when the
        database refuses the transaction (a concurrent write of the same orders)."""
        checked = await asyncio.to_thread(_check, body)
        if isinstance(checked, PushResult):
            return checked
        records, refused = checked
        result = PushResult("done", accepted=[r.order_number for r in records], refused=refused)
        if records:
            try:
                result.notified = await self._write(shop, records)
            except IntegrityError:
                log.warning(
                    "pushed orders conflicted with a concurrent write", extra={"shop": shop.code}
                )
                return PushResult(
                    "conflict", "another write changed these orders meanwhile; send again"
                )
        log.info(
            "orders pushed",
            extra={"shop": shop.code, "accepted": len(records), "refused": len(refused)},
        )
        return result

    async def _write(self, shop: HookShop, records: list[OrderRecord]) -> int:
        now = self._clock.now()
        notified = 0
        async with self._uow() as uow:
            writer = OrderWriter(
                uow.session, shop_id=shop.shop_id, run_id=str(uuid.uuid4()), clock=self._clock
            )
            for start in range(0, len(records), BATCH_SIZE):
                outcome = await writer.write(records[start : start + BATCH_SIZE])
                if outcome.problems:  # repeated numbers were refused before: a bug
                    raise RuntimeError("the writer refused orders the checks accepted")
                for change in outcome.changes:
                    notified += await notify_order_change(uow, change, now)
            if carries_tracking(records):
                await uow.shops.mark_tracking_updated(shop.shop_id, now)
            await uow.commit()
        return notified


def _check(body: bytes) -> tuple[list[OrderRecord], list[Refused]] | PushResult:
    """Decode and validate (CPU only: run in a thread)."""
    try:
        document = decode_document(body)
    except ValueError as exc:
        return PushResult("malformed", str(exc))
    if isinstance(document, dict) and "orders" in document and "order_number" not in document:
        document = document["orders"]
        if not isinstance(document, list):
            return PushResult("malformed", '"orders" must be a list of order objects')
    objects = document if isinstance(document, list) else [document]
    if not objects:
        return PushResult("malformed", "no orders in the body")
    if not all(isinstance(obj, dict) for obj in objects):
        return PushResult("malformed", "expected an order object or a list of order objects")
    if len(objects) > MAX_ORDERS:
        return PushResult("too_many", f"at most {MAX_ORDERS} orders per request")
    checked: list[tuple[int, OrderRecord | None, list[Problem]]] = []
    for index, obj in enumerate(objects):
        record, problems = order_from_json(obj, f"record {index + 1}")
        checked.append((index, record, problems))
    # A number given twice in one request: which one is meant is a guess, so neither.
    numbers = Counter(record.order_number for _, record, _ in checked if record is not None)
    records: list[OrderRecord] = []
    refused: list[Refused] = []
    for index, record, problems in checked:
        if record is not None and numbers[record.order_number] == 1:
            records.append(record)
            continue
        if record is not None:
            problems = [
                Problem(record.source, "order_number", "appears more than once in this request")
            ]
        refused.append(Refused(_name(objects[index], index), tuple(_text(p) for p in problems)))
    return records, refused


def _name(obj: dict[str, object], index: int) -> str | int:
    number = obj.get("order_number")
    if isinstance(number, str) and 0 < len(number.strip()) <= 64 and number.isprintable():
        return number.strip()
    return index


def _text(problem: Problem) -> str:
    return f"{problem.field}: {problem.message}"
