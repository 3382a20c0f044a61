"""The outbox: messages decided inside a business transaction, sent after it commits.

* `enqueue` adds a row in the caller's unit of work, so "order cancelled" and "tell
  the seller" commit together or not at all.  A `dedupe_key` makes the same
  notification impossible to store twice.  The commit wakes this process's worker
  (`QUEUE`, see `storage.uow`), so the notification goes out at once; its poll only
  catches what other processes queued and what is due for a retry.
* Replies to an update are stored by the chat core in `reply_outbox`, in the
  transaction that saves the conversation, and sent at once by the task that handled
  the update (`OutboxWorker.send_reply_now`): a Telegram fault is retried there for a
  bounded time, and what a crash or a long outage leaves behind the worker sends.
* `OutboxWorker` sends due rows through a channel's `deliver` function, retrying
  transient failures with backoff.  A row is claimed with a conditional UPDATE before
  sending, so two workers (or two processes) never send the same row; on PostgreSQL
  the due rows are read `FOR UPDATE SKIP LOCKED`, so N workers claiming at once take
  different rows instead of queueing behind each other's row locks.
* A row may take several Bot API calls ("parts": an album, then a summary).  Parts go
  out in order and the row records how many are finished after each accepted one, so a
  retry resumes at the first unsent part and never repeats one Telegram accepted.

Payloads are neutral: a typed notice (`bot.services.notices`, stored as its kind and
parameters) or, for replies, the serialised `Outbound` actions.  The handlers layer
renders a notice at send time, in the recipient's language: the worker reads the
recipients' languages for a whole batch in one query (`bot.services.recipients`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import weakref
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select, update

from bot.clock import Clock
from bot.domain.enums import OutboxStatus
from bot.services.notices import Notice, StoredReply, Unreadable, from_payload
from bot.services.recipients import DEFAULT_LANGUAGE, languages_of
from bot.services.woken_loop import run_woken
from storage.models import ChatUser, OutboxMessage, ReplyOutbox
from storage.uow import UnitOfWork, UnitOfWorkFactory

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
LEASE = timedelta(minutes=2)
# How long the task that handled an update keeps retrying its replies itself (rate
# limits, 5xx, network) before leaving them to the worker.  Well under LEASE, so the
# worker never picks up a reply that is still being sent.
REPLY_RETRY_SECONDS = 30.0
REPLY_BACKOFF = (0.5, 1.0, 2.0, 4.0, 8.0)
REAP_AFTER = 0.2  # seconds a sent reply's row waits to be deleted with others
# The after-commit topic of the outbox: `enqueue` marks it, the worker's loop listens.
QUEUE = "outbox"


class TransientSendError(Exception):
    """Worth retrying later (rate limit, server error, network).

    Telegram has no idempotency key.  An answer (429, 5xx) means the call was not
    carried out; `ambiguous` means no answer came (timeout, dropped connection after
    the request left), so the message may have arrived: such a part is retried once
    only (a rare duplicate is the lesser harm than a lost decision message)."""

    def __init__(
        self, message: str, retry_after: float | None = None, *, ambiguous: bool = False
    ) -> None:
        super().__init__(message)
        self.retry_after = retry_after
        self.ambiguous = ambiguous


class PermanentSendError(Exception):
    """Will never succeed (chat gone, bot blocked): give up on this row.

    `unreachable` means the person blocked the bot or deleted the chat: they are
    marked so, and no further notifications are queued for them until they write."""

    def __init__(self, message: str, *, unreachable: bool = False) -> None:
        super().__init__(message)
        self.unreachable = unreachable


@dataclass(frozen=True, slots=True)
class Notification:
    """A notice for one chat.  `language` is the recipient's, filled in by the worker
    when the row is sent (not when it is queued: a person may change it meanwhile)."""

    chat_id: int
    notice: Notice
    language: str = DEFAULT_LANGUAGE

    @property
    def kind(self) -> str:
        return self.notice.KIND

    @classmethod
    def load(cls, chat_id: int, kind: str, params: dict[str, Any]) -> Notification:
        """A notification as an outbox row stores it (raises `Unreadable`)."""
        return cls(chat_id, from_payload({"kind": kind, "params": params}))


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
            payload=notification.notice.to_payload(),
            dedupe_key=dedupe_key,
            status=OutboxStatus.PENDING,
            attempts=0,
            next_attempt_at=now,
            created_at=now,
        )
    )
    uow.queued(QUEUE)
    return True


SaveParts = Callable[[int, int | None], Awaitable[None]]


class Parts:
    """Progress through the parts (Bot API calls) of one row, in order.

    `done` parts are finished: accepted by Telegram, or refused for good (a photo
    Telegram cannot process must not hold back the summary after it).  Each accepted
    part is written to the row before the next is tried (`save`), except the last,
    whose completion the final status write records."""

    def __init__(self, done: int = 0, unsure: int | None = None, save: SaveParts | None = None):
        self.done = done
        self.unsure = unsure
        self.refused: list[str] = []
        self.total: int | None = None
        self._save = save

    async def accepted(self, index: int, total: int) -> None:
        self.done, self.unsure, self.total = index + 1, None, total
        if self._save is not None and self.done < total:
            await self._save(self.done, None)

    async def refused_for_good(self, index: int, total: int, error: str) -> None:
        self.refused.append(f"part {index + 1}/{total}: {error}")
        await self.accepted(index, total)

    async def unanswered(self, index: int, total: int) -> bool:
        """A call got no answer.  True: retry it (the first time); False: it already
        had its one retry, so count it as gone out rather than risk a third copy."""
        if self.unsure != index:
            self.unsure = index
            if self._save is not None:
                await self._save(self.done, index)
            return True
        await self.accepted(index, total)
        return False

    @property
    def all_refused(self) -> bool:
        return self.total is not None and len(self.refused) == self.total


Deliver = Callable[["Notification", Parts], Awaitable[None]]
SendParts = Callable[[Parts], Awaitable[None]]


def backoff(attempt: int) -> timedelta:
    return timedelta(seconds=min(2**attempt, 300))


def reply_delay(exc: TransientSendError, tries: int) -> float:
    """How long a reply waits before the next try: Telegram's retry_after on a 429,
    else a short growing backoff."""
    delay = REPLY_BACKOFF[min(tries, len(REPLY_BACKOFF) - 1)]
    if exc.retry_after:
        delay = max(delay, float(exc.retry_after))
    return delay


REPLY_KIND = StoredReply.KIND


Row = OutboxMessage | ReplyOutbox
RowKey = int | tuple[str, int]  # outbox id, or a reply's (channel, update_id)
ChatKey = tuple[int, int | None]  # (chat, forum topic)


def _where(model: type[Row], key: RowKey) -> Any:
    if model is ReplyOutbox:
        assert isinstance(key, tuple)
        return (ReplyOutbox.channel == key[0]) & (ReplyOutbox.update_id == key[1])
    return model.id == key


@dataclass(slots=True)
class _Claimed:
    key: RowKey
    notification: Notification
    attempts: int
    parts_done: int
    unsure_part: int | None


class OutboxWorker:
    def __init__(
        self, uow: UnitOfWorkFactory, clock: Clock, deliver: Deliver, batch: int = 50
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._deliver = deliver
        self._batch = batch
        self._wake = asyncio.Event()
        # One pass at a time in this process (the loop, a wake, a test's flush): a pass
        # that started while another was sending would see its leased rows as merely
        # pending.  Other processes are kept apart by the lease instead.
        self._pass = asyncio.Lock()
        # Replies this process is sending right now (the worker leaves them alone).
        self._in_flight: set[tuple[str, int]] = set()
        self._finished: list[tuple[str, int]] = []  # sent; their rows not yet deleted
        self._reaping: asyncio.Task[None] | None = None
        # One person's replies go out one at a time, in the order they were decided.
        # Keyed by (chat, topic): a staff member's replies in different topics of the
        # staff group do not wait for each other.
        self._chat_locks: weakref.WeakValueDictionary[ChatKey, asyncio.Lock] = (
            weakref.WeakValueDictionary()
        )
        # Chats whose earlier reply waits for the worker, and when it is due: a later
        # reply to them waits too, so it cannot overtake.
        self._behind: dict[ChatKey, datetime] = {}

    def wake(self) -> None:
        """Ask the loop to look now (after a use case enqueued something)."""
        self._wake.set()

    def _chat_lock(self, chat: ChatKey) -> asyncio.Lock:
        lock = self._chat_locks.get(chat)
        if lock is None:
            lock = self._chat_locks[chat] = asyncio.Lock()
        return lock

    # ------------------------------------------------------------- replies, at once

    async def send_reply_now(
        self,
        channel: str,
        update_id: int,
        chat_id: int,
        send: SendParts,
        *,
        thread_id: int | None = None,
    ) -> bool:
        """Send the replies to one update right after their row committed (`send` sends
        the parts from `parts.done` on).  Faults are retried here for
        REPLY_RETRY_SECONDS; then the row is left to the worker.  True when all went."""
        chat: ChatKey = (chat_id, thread_id)
        key = (channel, update_id)
        handed_over = False  # to the reaper, which keeps it in flight until it is deleted
        self._in_flight.add(key)
        try:
            async with self._chat_lock(chat):
                due = self._behind.get(chat)
                if due is not None:
                    await self._leave_reply(key, Parts(), due, "waits for an earlier reply", 0)
                    self.wake()
                    return False
                parts = Parts(save=self._saver(ReplyOutbox, key))
                deadline = time.monotonic() + REPLY_RETRY_SECONDS
                tries = 0
                while True:
                    try:
                        await send(parts)
                        break
                    except TransientSendError as exc:
                        delay = reply_delay(exc, tries)
                        tries += 1
                        if time.monotonic() + delay <= deadline:
                            log.info(
                                "reply retried",
                                extra={"update_id": update_id, "part": parts.done, "delay": delay},
                            )
                            await asyncio.sleep(delay)
                            continue
                        due = self._clock.now() + timedelta(seconds=delay)
                        self._behind[chat] = due
                        await self._leave_reply(key, parts, due, str(exc), tries)
                        log.warning(
                            "reply left to the outbox worker",
                            extra={"update_id": update_id, "part": parts.done, "error": str(exc)},
                        )
                        self.wake()
                        return False
                    except PermanentSendError as exc:
                        await self._finish(
                            ReplyOutbox, key, OutboxStatus.FAILED, parts, str(exc), None
                        )
                        if exc.unreachable:
                            await self._mark_unreachable(chat_id)
                        log.warning(
                            "reply not delivered", extra={"update_id": update_id, "error": str(exc)}
                        )
                        return False
                for error in parts.refused:
                    log.warning(
                        "reply part refused", extra={"update_id": update_id, "error": error}
                    )
                self._reap_later(key)
                handed_over = True
                return True
        finally:
            if not handed_over:
                self._in_flight.discard(key)

    def _reap_later(self, key: tuple[str, int]) -> None:
        """Delete a sent reply's row soon, together with the others sent meanwhile: one
        write for many replies (a write per reply halved the status-flow benchmark's
        throughput on SQLite, where writers queue)."""
        self._finished.append(key)
        if self._reaping is None or self._reaping.done():
            self._reaping = asyncio.create_task(self._reap(), name="reply-reaper")

    async def _reap(self) -> None:
        while self._finished:
            await asyncio.sleep(REAP_AFTER)  # let more finish: one write for all of them
            batch, self._finished = self._finished, []
            by_channel: dict[str, list[int]] = {}
            for channel, update_id in batch:
                by_channel.setdefault(channel, []).append(update_id)
            try:
                async with self._uow() as uow:
                    for channel, update_ids in by_channel.items():
                        await uow.session.execute(
                            delete(ReplyOutbox)
                            .where(
                                ReplyOutbox.channel == channel,
                                ReplyOutbox.update_id.in_(update_ids),
                            )
                            .execution_options(synchronize_session=False)
                        )
                    await uow.commit()
            except Exception:
                # Keep them in flight (so the worker does not send them again) and retry.
                log.exception("sent replies not cleared", extra={"count": len(batch)})
                self._finished.extend(batch)
                await asyncio.sleep(1.0)
                continue
            self._in_flight.difference_update(batch)

    async def drain(self) -> None:
        """Finish clearing sent replies (on shutdown: else a restart would send them
        again once their lease ran out)."""
        if self._reaping is not None:
            with contextlib.suppress(TimeoutError):  # the store is gone: nothing to do
                await asyncio.wait_for(asyncio.shield(self._reaping), timeout=5)

    async def _leave_reply(
        self, key: tuple[str, int], parts: Parts, due: datetime, error: str, attempts: int
    ) -> None:
        async with self._uow() as uow:
            await uow.session.execute(
                update(ReplyOutbox)
                .where(_where(ReplyOutbox, key))
                .values(
                    next_attempt_at=due,
                    attempts=attempts,
                    parts_done=parts.done,
                    unsure_part=parts.unsure,
                    last_error=error,
                )
                .execution_options(synchronize_session=False)
            )
            await uow.commit()

    # ---------------------------------------------------------------- the worker

    async def run_once(self) -> int:
        """Send what is due.  Returns how many rows were sent."""
        async with self._pass:
            return await self._run(OutboxMessage) + await self._run(ReplyOutbox)

    async def _run(self, model: type[Row]) -> int:
        now = self._clock.now()
        async with self._uow() as uow:
            due: Sequence[Row] = (
                await uow.session.scalars(  # type: ignore[assignment]
                    select(model)
                    .where(model.status == OutboxStatus.PENDING, model.next_attempt_at <= now)
                    .order_by(model.id)
                    .limit(self._batch)
                    # PostgreSQL: rows another worker is claiming right now are passed
                    # over instead of waited for (SQLite has one writer: no clause).
                    .with_for_update(skip_locked=True)
                )
            ).all()
            claimed: list[_Claimed] = []
            for row in due:
                key: RowKey = row.id
                if isinstance(row, ReplyOutbox):
                    key = (row.channel, row.update_id)
                    if key in self._in_flight:
                        continue
                try:
                    notification = _notification(row)
                except Unreadable as exc:
                    # Retrying would not make it readable: failed, once, with a line.
                    log.warning(
                        "outbox row unreadable", extra={"outbox_id": row.id, "error": str(exc)}
                    )
                    await uow.session.execute(
                        update(model)
                        .where(model.id == row.id, model.status == OutboxStatus.PENDING)
                        .values(status=OutboxStatus.FAILED, last_error=f"unreadable: {exc}")
                        .execution_options(synchronize_session=False)
                    )
                    continue
                # Claim: push next_attempt_at past the lease only if nobody else did.
                result = await uow.session.execute(
                    update(model)
                    .where(
                        model.id == row.id,
                        model.status == OutboxStatus.PENDING,
                        model.next_attempt_at == row.next_attempt_at,
                    )
                    .values(next_attempt_at=now + LEASE, attempts=row.attempts + 1)
                    .execution_options(synchronize_session=False)
                )
                if result.rowcount == 1:  # type: ignore[attr-defined]
                    claimed.append(
                        _Claimed(
                            key, notification, row.attempts + 1, row.parts_done, row.unsure_part
                        )
                    )
            if model is OutboxMessage and claimed:
                # Rendered in each recipient's language as it is now: one query a batch.
                recipients = [(c.notification.chat_id, c.notification.notice) for c in claimed]
                languages = await languages_of(uow, recipients)
                for item, language in zip(claimed, languages, strict=True):
                    item.notification = replace(item.notification, language=language)
            await uow.commit()
        sent = 0
        waiting: dict[int, datetime] = {}  # chats whose earlier reply failed in this run
        for item in claimed:
            chat_id = item.notification.chat_id
            if model is ReplyOutbox and chat_id in waiting:
                async with self._uow() as uow:  # keep order: after the earlier reply
                    await uow.session.execute(
                        update(model)
                        .where(_where(model, item.key))
                        .values(next_attempt_at=waiting[chat_id])
                    )
                    await uow.commit()
                continue
            async with self._chat_lock((chat_id, None)):
                ok, next_at = await self._send(model, item)
            sent += ok
            if model is ReplyOutbox and next_at is not None:
                waiting[chat_id] = next_at
        if model is ReplyOutbox:  # what later replies of these chats wait for now
            done = {item.notification.chat_id for item in claimed}
            for chat in list(self._behind):
                if chat[0] in waiting:
                    self._behind[chat] = waiting[chat[0]]
                elif chat[0] in done:
                    del self._behind[chat]
        return sent

    async def _send(self, model: type[Row], item: _Claimed) -> tuple[int, datetime | None]:
        """Deliver one claimed row; (1 if sent, when it is retried if it will be)."""
        parts = Parts(item.parts_done, item.unsure_part, save=self._saver(model, item.key))
        status, error, next_at, unreachable = OutboxStatus.SENT, None, None, False
        try:
            await self._deliver(item.notification, parts)
        except TransientSendError as exc:
            error = str(exc)
            if item.attempts >= MAX_ATTEMPTS:
                status = OutboxStatus.FAILED
            else:
                status = OutboxStatus.PENDING
                delay = backoff(item.attempts)
                if exc.retry_after:
                    delay = max(delay, timedelta(seconds=exc.retry_after))
                next_at = self._clock.now() + delay
        except PermanentSendError as exc:
            status, error, unreachable = OutboxStatus.FAILED, str(exc), exc.unreachable
        except Exception as exc:  # a rendering bug must not stop other messages
            log.exception("outbox delivery crashed", extra=_ids(item))
            status, error = OutboxStatus.FAILED, f"{type(exc).__name__}: {exc}"
        if status == OutboxStatus.SENT and parts.refused:
            error = "; ".join(parts.refused)
            if parts.all_refused:
                status = OutboxStatus.FAILED
        await self._finish(model, item.key, status, parts, error, next_at)
        if unreachable:
            await self._mark_unreachable(item.notification.chat_id)
        if status != OutboxStatus.SENT or parts.refused:
            log.warning(
                "outbox delivery failed" if status != OutboxStatus.SENT else "outbox part refused",
                extra={
                    **_ids(item),
                    "status": str(status),
                    "attempts": item.attempts,
                    "part": parts.done,
                    "error": error,
                },
            )
        return (1 if status == OutboxStatus.SENT else 0), next_at

    def _saver(self, model: type[Row], key: RowKey) -> SaveParts:
        async def save(done: int, unsure: int | None) -> None:
            async with self._uow() as uow:
                await uow.session.execute(
                    update(model)
                    .where(_where(model, key))
                    .values(parts_done=done, unsure_part=unsure)
                    .execution_options(synchronize_session=False)
                )
                await uow.commit()

        return save

    async def _finish(
        self,
        model: type[Row],
        key: RowKey,
        status: OutboxStatus,
        parts: Parts,
        error: str | None,
        next_at: datetime | None,
    ) -> None:
        async with self._uow() as uow:
            if model is ReplyOutbox and status == OutboxStatus.SENT:
                # Replies are many and done with once sent: nothing to keep.
                await uow.session.execute(
                    delete(ReplyOutbox)
                    .where(_where(ReplyOutbox, key))
                    .execution_options(synchronize_session=False)
                )
            else:
                values: dict[str, Any] = {
                    "status": status,
                    "last_error": error,
                    "parts_done": parts.done,
                    "unsure_part": parts.unsure,
                }
                if status == OutboxStatus.SENT:
                    values["sent_at"] = self._clock.now()
                if next_at is not None:
                    values["next_attempt_at"] = next_at
                await uow.session.execute(
                    update(model)
                    .where(_where(model, key))
                    .values(**values)
                    .execution_options(synchronize_session=False)
                )
            await uow.commit()

    async def _mark_unreachable(self, chat_id: int) -> None:
        async with self._uow() as uow:
            await uow.session.execute(
                update(ChatUser).where(ChatUser.external_id == chat_id).values(unreachable=True)
            )
            await uow.commit()

    async def run_forever(self, idle_seconds: float = 1.0) -> None:
        """Send until cancelled: at once when a unit of work of this process commits a
        notification (`enqueue`), else every `idle_seconds` (what other processes
        queued, retries that came due)."""
        await run_woken(
            self._uow,
            QUEUE,
            self._wake,
            self.wake,
            self.run_once,
            idle_seconds=idle_seconds,
            log=log,
            error="outbox loop error",
        )


def _notification(row: Row) -> Notification:
    """The row's notice (raises `Unreadable` for a stored payload that cannot be one)."""
    if isinstance(row, ReplyOutbox):
        actions = tuple(row.payload.get("actions", []))
        return Notification(row.chat_id, StoredReply(actions=actions, update_id=row.update_id))
    payload = row.payload
    return Notification.load(row.chat_id, payload.get("kind", ""), payload.get("params") or {})


def _ids(item: _Claimed) -> dict[str, Any]:
    if isinstance(item.key, tuple):
        return {"update_id": item.key[1]}
    return {"outbox_id": item.key}
