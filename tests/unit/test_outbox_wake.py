"""The outbox worker is woken by the commit that queued a notice (and only by a
commit), and a notice queued while it is in the middle of a pass is sent at once, not
at the worker's next idle look."""

from __future__ import annotations

import asyncio
import contextlib

from bot.clock import FakeClock
from bot.services.notices import SellerRemoved
from bot.services.outbox import QUEUE, Notification, OutboxWorker, Parts, enqueue
from storage.uow import UnitOfWorkFactory

CHAT = 8


async def test_a_wake_during_a_pass_is_not_lost(
    uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    got: list[str] = []
    sent = asyncio.Event()

    async def deliver(notification: Notification, parts: Parts) -> None:
        assert isinstance(notification.notice, SellerRemoved)
        got.append(notification.notice.shop)
        sent.set()

    worker = OutboxWorker(uow_factory, clock, deliver)
    passes = 0
    one_pass = worker.run_once

    async def pass_while_news_arrives() -> int:
        # The first pass finds nothing; as it ends, a webhook queues a notice and wakes
        # the worker (the notice committed after the pass had looked).
        nonlocal passes
        sent = await one_pass()
        passes += 1
        if passes == 1:
            async with uow_factory() as uow:
                await enqueue(
                    uow, Notification(CHAT, SellerRemoved(shop="shipped")), now=clock.now()
                )
                await uow.commit()
            worker.wake()
        return sent

    worker.run_once = pass_while_news_arrives  # type: ignore[method-assign]
    loop = asyncio.create_task(worker.run_forever(idle_seconds=3600))
    try:
        await asyncio.wait_for(sent.wait(), timeout=10)
    finally:
        loop.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await loop
    assert got == ["shipped"]


async def test_the_commit_that_queued_a_notice_wakes_the_worker_and_a_rollback_does_not(
    uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    woken: list[int] = []
    uow_factory.after_commit.subscribe(QUEUE, lambda: woken.append(1))
    async with uow_factory() as uow:
        await enqueue(uow, Notification(CHAT, SellerRemoved(shop="shipped")), now=clock.now())
        assert woken == []  # not before the commit: the worker would not see the row yet
        # left without a commit: rolled back, nothing to send
    assert woken == []
    async with uow_factory() as uow:
        await enqueue(uow, Notification(CHAT, SellerRemoved(shop="shipped")), now=clock.now())
        await uow.commit()
    assert woken == [1]
    async with uow_factory() as uow:  # a transaction that queued nothing wakes nobody
        uow.key_values.set("k", "v")
        await uow.commit()
    assert woken == [1]
