"""The outbox: messages decided inside a business transaction, sent after it commits.

* `enqueue` adds a row in the caller's unit of work, so "order cancelled" and "tell
  the seller" commit together or not at all.  A `dedupe_key` makes the same
  notification impossible to store twice.
* `OutboxWorker` sends due rows through a channel's `deliver` function, retrying
  transient failures with backoff.  A row is claimed with a conditional UPDATE before
  sending, so two workers (or two processes) never send the same row.

Payloads are neutral: a notification kind and its parameters.  The handlers layer
renders them through the message catalog at send time.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import update

from bot.clock import Clock
from bot.domain.enums import OutboxStatus
from storage.models import ChatUser, OutboxMessage
from storage.uow import UnitOfWork, UnitOfWorkFactory

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
LEASE = timedelta(minutes=2)


class TransientSendError(Exception):
    """Worth retrying later (rate limit, server error, network)."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class PermanentSendError(Exception):
    """Will never succeed (chat gone, bot blocked): give up on this row.

    `unreachable` means the person blocked the bot or deleted the chat: they are
    marked so, and no further notifications are queued for them until they write."""

    def __init__(self, message: str, *, unreachable: bool = False) -> None:
        super().__init__(message)
        self.unreachable = unreachable


@dataclass(frozen=True, slots=True)
class Notification:
    chat_id: int
    kind: str
    params: dict[str, Any]


async def enqueue(
    uow: UnitOfWork,
    notification: Notification,
    *,
    now: datetime,
    dedupe_key: str | None = None,
) -> bool:
    """Store a notification in the caller's transaction.  Returns False if one with the
    same dedupe key already exists (it was decided before: do not send it twice)."""
    if dedupe_key is not None:
        existing = await uow.outbox.by_dedupe_key(dedupe_key)
        if existing is not None:
            return False
    uow.outbox.add(
        OutboxMessage(
            chat_id=notification.chat_id,
            payload={"kind": notification.kind, "params": notification.params},
            dedupe_key=dedupe_key,
            status=OutboxStatus.PENDING,
            attempts=0,
            next_attempt_at=now,
            created_at=now,
        )
    )
    return True


Deliver = Callable[[Notification], Awaitable[None]]


def backoff(attempt: int) -> timedelta:
    return timedelta(seconds=min(2**attempt, 300))


class OutboxWorker:
    def __init__(
        self, uow: UnitOfWorkFactory, clock: Clock, deliver: Deliver, batch: int = 50
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._deliver = deliver
        self._batch = batch
        self._wake = asyncio.Event()

    def wake(self) -> None:
        """Ask the loop to look now (after a use case enqueued something)."""
        self._wake.set()

    async def run_once(self) -> int:
        """Send what is due.  Returns how many rows were sent."""
        now = self._clock.now()
        async with self._uow() as uow:
            due = await uow.outbox.due(now, self._batch)
            claimed: list[tuple[int, Notification, int]] = []
            for row in due:
                # Claim: push next_attempt_at past the lease only if nobody else did.
                result = await uow.session.execute(
                    update(OutboxMessage)
                    .where(
                        OutboxMessage.id == row.id,
                        OutboxMessage.status == OutboxStatus.PENDING,
                        OutboxMessage.next_attempt_at == row.next_attempt_at,
                    )
                    .values(next_attempt_at=now + LEASE, attempts=row.attempts + 1)
                    .execution_options(synchronize_session=False)
                )
                if result.rowcount == 1:  # type: ignore[attr-defined]
                    payload = row.payload
                    claimed.append(
                        (
                            row.id,
                            Notification(row.chat_id, payload["kind"], payload.get("params", {})),
                            row.attempts + 1,
                        )
                    )
            await uow.commit()
        sent = 0
        for row_id, notification, attempts in claimed:
            sent += await self._send(row_id, notification, attempts)
        return sent

    async def _send(self, row_id: int, notification: Notification, attempts: int) -> int:
        status, error, next_at, unreachable = OutboxStatus.SENT, None, None, False
        try:
            await self._deliver(notification)
        except TransientSendError as exc:
            error = str(exc)
            if attempts >= MAX_ATTEMPTS:
                status = OutboxStatus.FAILED
            else:
                status = OutboxStatus.PENDING
                delay = backoff(attempts)
                if exc.retry_after:
                    delay = max(delay, timedelta(seconds=exc.retry_after))
                next_at = self._clock.now() + delay
        except PermanentSendError as exc:
            status, error, unreachable = OutboxStatus.FAILED, str(exc), exc.unreachable
        except Exception as exc:  # a rendering bug must not stop other messages
            log.exception("outbox delivery crashed", extra={"outbox_id": row_id})
            status, error = OutboxStatus.FAILED, f"{type(exc).__name__}: {exc}"
        now = self._clock.now()
        async with self._uow() as uow:
            values: dict[str, Any] = {"status": status, "last_error": error}
            if status == OutboxStatus.SENT:
                values["sent_at"] = now
            if next_at is not None:
                values["next_attempt_at"] = next_at
            await uow.session.execute(
                update(OutboxMessage).where(OutboxMessage.id == row_id).values(**values)
            )
            if unreachable:
                await uow.session.execute(
                    update(ChatUser)
                    .where(ChatUser.external_id == notification.chat_id)
                    .values(unreachable=True)
                )
            await uow.commit()
        if status != OutboxStatus.SENT:
            log.warning(
                "outbox delivery failed",
                extra={"outbox_id": row_id, "status": str(status), "attempts": attempts},
            )
        return 1 if status == OutboxStatus.SENT else 0

    async def run_forever(self, idle_seconds: float = 1.0) -> None:
        while True:
            try:
                sent = await self.run_once()
            except Exception:
                log.exception("outbox loop error")
                sent = 0
            if sent == 0:
                self._wake.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), timeout=idle_seconds)
