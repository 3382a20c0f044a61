"""The update inbox: what makes receiving at-least-once.

Telegram forgets an update once the bot acknowledges it (the next getUpdates offset, or
the webhook's HTTP 200).  A library that acknowledges before the update is handled
loses it when the process dies in between (a buyer's photo sent just before a kill -9).
So every update is stored here first, in one short transaction per batch, and only
then acknowledged.  It is done when `ChatCore` records it in `processed_updates`, in
the same transaction as the conversation state; a stored update without that record
was received but not handled, and the next start handles it.  A redelivered update is
a no-op here (the key), and the processed record keeps it from being acted on twice.

An update is stored as Telegram sent it but for one thing: a payment card number a
person typed (in a message, a caption, a message they replied to) is masked before the
write, as a receipt prints it ("•••• •••• •••• 1111"), by the rule the chat's screen
refuses it with (`handlers/cards.py`), so no card number sits in the table for its
three days.  Handled again after a crash, the masked update is refused the same way.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
from collections.abc import Iterator, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, exists, select
from sqlalchemy.dialects import postgresql, sqlite

from bot.clock import Clock
from bot.domain.cards import mask_spans
from bot.domain.enums import OutboxStatus
from bot.understanding.slots import card_numbers
from storage.models import (
    InboundEvent,
    InboxUpdate,
    OutboxMessage,
    ProcessedUpdate,
    ProofAttempt,
    ReplyOutbox,
)
from storage.uow import UnitOfWork, UnitOfWorkFactory

log = logging.getLogger(__name__)

# Telegram keeps an unacknowledged update for 24 hours, so a redelivery can only come
# within a day; three days of records leave room for a long outage.
KEEP = timedelta(days=3)
# Other bookkeeping, pruned by the same hourly pass (in every worker: deleting what
# another worker already deleted deletes nothing).  Hook senders retry for days
# (AfterShip, TikTok: up to 3), so applied events are remembered for a month.
INBOUND_EVENTS_KEEP = timedelta(days=30)
# Failed proofs count for an hour (bot.services.orders.PROOF_WINDOW); a day is plenty.
PROOF_ATTEMPTS_KEEP = timedelta(days=1)
# Notifications sent or given up: their dedupe keys stop the same notice twice, and
# nothing decides one again months later, so a quarter of a year is kept.
OUTBOX_KEEP = timedelta(days=90)
PRUNE_EVERY = 3600.0  # seconds


class UpdateInbox:
    def __init__(self, uow: UnitOfWorkFactory, clock: Clock, channel: str) -> None:
        self._uow = uow
        self._clock = clock
        self.channel = channel

    async def record(self, updates: Sequence[tuple[int, dict[str, Any]]]) -> None:
        """Store (update_id, update) pairs in one transaction: one INSERT whatever the
        batch size; ids already stored are left alone."""
        if not updates:
            return
        now = self._clock.now()
        async with self._uow() as uow:
            rows = [
                {
                    "channel": self.channel,
                    "update_id": update_id,
                    # ASCII: no raw NUL
                    "payload": json.dumps(await without_cards(uow, update), separators=(",", ":")),
                    "received_at": now,
                }
                for update_id, update in updates
            ]
            dialect = uow.session.get_bind().dialect.name
            insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
            statement = insert(InboxUpdate).on_conflict_do_nothing(
                index_elements=["channel", "update_id"]
            )
            await uow.session.execute(statement, rows)
            await uow.commit()

    async def pending(self, received_before: datetime | None = None) -> list[dict[str, Any]]:
        """Stored updates never handled (oldest first): what a crash left behind; only
        those stored before `received_before` when given (several workers: the ones
        stored since are being handled by the worker that received them)."""
        handled = exists().where(
            ProcessedUpdate.channel == InboxUpdate.channel,
            ProcessedUpdate.update_id == InboxUpdate.update_id,
        )
        query = select(InboxUpdate.payload).where(InboxUpdate.channel == self.channel, ~handled)
        if received_before is not None:
            query = query.where(InboxUpdate.received_at < received_before)
        async with self._uow(readonly=True) as uow:
            payloads = await uow.session.scalars(query.order_by(InboxUpdate.update_id))
            return [json.loads(payload) for payload in payloads]

    async def prune(self) -> int:
        """Forget updates (and their processed records) older than KEEP; returns how
        many inbox rows went.  An update still unhandled by then is given up, loudly.
        Replies Telegram refused for good are dropped then too: nobody will send them,
        and their rows only grow the table (sent ones are deleted as they go).  So are
        the other bookkeeping rows past their use: applied hook events, proof attempts,
        notifications sent or given up (the chat log is pruned by the SLA watch)."""
        cutoff = self._clock.now() - KEEP
        handled = exists().where(
            ProcessedUpdate.channel == InboxUpdate.channel,
            ProcessedUpdate.update_id == InboxUpdate.update_id,
        )
        async with self._uow() as uow:
            stale = await uow.session.scalar(
                select(InboxUpdate.update_id)
                .where(InboxUpdate.received_at < cutoff, ~handled)
                .limit(1)
            )
            if stale is not None:
                log.warning("unhandled update given up after days", extra={"update_id": stale})
            gone = await uow.session.execute(
                delete(InboxUpdate).where(InboxUpdate.received_at < cutoff)
            )
            await uow.session.execute(
                delete(ProcessedUpdate).where(ProcessedUpdate.processed_at < cutoff)
            )
            await uow.session.execute(
                delete(ReplyOutbox).where(
                    ReplyOutbox.status == OutboxStatus.FAILED, ReplyOutbox.created_at < cutoff
                )
            )
            now = self._clock.now()
            await uow.session.execute(
                delete(InboundEvent).where(InboundEvent.received_at < now - INBOUND_EVENTS_KEEP)
            )
            await uow.session.execute(
                delete(ProofAttempt).where(ProofAttempt.at < now - PROOF_ATTEMPTS_KEEP)
            )
            await uow.session.execute(
                delete(OutboxMessage).where(
                    OutboxMessage.status != OutboxStatus.PENDING,
                    OutboxMessage.created_at < now - OUTBOX_KEEP,
                )
            )
            await uow.commit()
        return int(getattr(gone, "rowcount", 0) or 0)

    async def run_forever(self, every: float = PRUNE_EVERY) -> None:
        while True:
            try:
                pruned = await self.prune()
                if pruned:
                    log.info("inbox pruned", extra={"rows": pruned})
            except Exception:
                log.exception("inbox pruning failed; trying again later")
            await asyncio.sleep(every)


# Fewer digits than the shortest card number cannot hold one: most strings of an
# update (names, ids, file ids) are passed over on this alone.
_ENOUGH_DIGITS = re.compile(r"(?:\d[ -]?){13}")


async def without_cards(uow: UnitOfWork, update: dict[str, Any]) -> dict[str, Any]:
    """The update with every card number in its strings masked (the update itself when
    it has none).  A number of that shape that is one of the shops' orders is the
    order, as in the chat (`handlers/cards.py`): it stays, so a replayed update still
    links it."""
    found: dict[str, list[tuple[int, int, str]]] = {}
    for text in _strings(update):
        if text not in found and _ENOUGH_DIGITS.search(text):
            cards = card_numbers(text)
            if cards:
                found[text] = cards
    if not found:
        return update
    numbers = {digits for cards in found.values() for _, _, digits in cards}
    orders = {n for n in numbers if await uow.orders.find_by_number(n)}
    masked = {
        text: mask_spans(text, [(s, e) for s, e, digits in cards if digits not in orders])
        for text, cards in found.items()
    }
    return _replaced(update, masked)


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def _replaced(value: Any, masked: dict[str, str]) -> Any:
    if isinstance(value, str):
        return masked.get(value, value)
    if isinstance(value, dict):
        return {key: _replaced(item, masked) for key, item in value.items()}
    if isinstance(value, list):
        return [_replaced(item, masked) for item in value]
    return value
