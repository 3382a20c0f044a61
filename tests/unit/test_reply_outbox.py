"""Replies stored with the state are sent at once; a reply that keeps failing is left to
the worker, and the person's later replies wait behind it instead of overtaking it."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.clock import FakeClock
from bot.domain.enums import OutboxStatus
from bot.services.notices import StoredReply
from bot.services.outbox import (
    LEASE,
    REPLY_KIND,
    Notification,
    OutboxWorker,
    Parts,
    TransientSendError,
)
from storage.models import ReplyOutbox
from storage.uow import UnitOfWorkFactory

CHAT = 7


async def store(uow_factory: UnitOfWorkFactory, clock: FakeClock, update_id: int) -> None:
    """What the chat core writes with the conversation state."""
    async with uow_factory() as uow:
        uow.session.add(
            ReplyOutbox(
                channel="telegram",
                update_id=update_id,
                chat_id=CHAT,
                payload={
                    "actions": [{"type": "SendText", "chat_id": CHAT, "text": f"r{update_id}"}]
                },
                status=OutboxStatus.PENDING,
                attempts=0,
                parts_done=0,
                next_attempt_at=clock.now() + LEASE,
                created_at=clock.now(),
            )
        )
        await uow.commit()


async def rows(uow_factory: UnitOfWorkFactory) -> list[ReplyOutbox]:
    async with uow_factory(readonly=True) as uow:
        return list(await uow.session.scalars(select(ReplyOutbox).order_by(ReplyOutbox.id)))


class Telegram:
    def __init__(self) -> None:
        self.down = False
        self.got: list[str] = []

    async def deliver(self, notification: Notification, parts: Parts) -> None:
        assert notification.kind == REPLY_KIND
        assert isinstance(notification.notice, StoredReply)
        if self.down:
            raise TransientSendError("Too Many Requests: retry after 60", retry_after=60)
        self.got.extend(a["text"] for a in notification.notice.actions[parts.done :])

    def sender(self, text: str):  # type: ignore[no-untyped-def]
        async def send(parts: Parts) -> None:
            if self.down:
                raise TransientSendError("Too Many Requests: retry after 60", retry_after=60)
            self.got.append(text)
            await parts.accepted(0, 1)

        return send


async def test_a_sent_reply_leaves_no_row(uow_factory: UnitOfWorkFactory, clock: FakeClock) -> None:
    telegram = Telegram()
    worker = OutboxWorker(uow_factory, clock, telegram.deliver)
    await store(uow_factory, clock, 1)
    assert await worker.send_reply_now("telegram", 1, CHAT, telegram.sender("r1"))
    await worker.drain()
    assert telegram.got == ["r1"] and await rows(uow_factory) == []
    clock.advance(LEASE * 2)
    assert await worker.run_once() == 0  # nothing left to send again


async def test_a_long_outage_hands_over_to_the_worker_in_order(
    uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    telegram = Telegram()
    worker = OutboxWorker(uow_factory, clock, telegram.deliver)
    await store(uow_factory, clock, 1)
    await store(uow_factory, clock, 2)
    telegram.down = True  # retry_after 60 s: longer than a reply waits in the handler
    assert not await worker.send_reply_now("telegram", 1, CHAT, telegram.sender("r1"))
    telegram.down = False
    # Telegram is back, but the second reply must not overtake the first.
    assert not await worker.send_reply_now("telegram", 2, CHAT, telegram.sender("r2"))
    assert telegram.got == []
    first, second = await rows(uow_factory)
    assert first.next_attempt_at == second.next_attempt_at == clock.now() + timedelta(seconds=60)
    assert first.last_error is not None and "retry after 60" in first.last_error

    telegram.down = True  # the worker's first try fails too: the second still waits
    clock.advance(timedelta(seconds=60))
    assert await worker.run_once() == 0
    first, second = await rows(uow_factory)
    assert second.next_attempt_at == first.next_attempt_at > clock.now()

    telegram.down = False
    clock.advance(first.next_attempt_at - clock.now())
    assert await worker.run_once() == 2
    assert telegram.got == ["r1", "r2"] and await rows(uow_factory) == []
    assert await worker.send_reply_now("telegram", 3, CHAT, telegram.sender("r3")) is True
    assert telegram.got == ["r1", "r2", "r3"]  # and later replies go at once again
