"""A unit of work whose task is cancelled (the bot stopping, a timeout around a use
case) still ends its transaction and gives its connection back, so the next unit of
work neither meets a half-closed connection nor waits on a write lock nobody holds."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from storage.uow import ReadOnlyWriteError, UnitOfWorkFactory, lend_for_reads

GUARD = 30.0  # a failure guard only: a lock left held would make the next writer wait


async def test_a_unit_of_work_cancelled_while_closing_still_rolls_back_and_returns_its_connection(
    engine: AsyncEngine, uow_factory: UnitOfWorkFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    closing = asyncio.Event()
    close = AsyncSession.close

    async def close_with_a_pause(self: AsyncSession) -> None:
        closing.set()
        await asyncio.sleep(0)  # where the cancellation lands, before the ROLLBACK
        await close(self)

    monkeypatch.setattr(AsyncSession, "close", close_with_a_pause)

    async def half_done() -> None:
        async with uow_factory() as uow:
            uow.key_values.set("draft", "half")
            await uow.flush()  # written, holding the write lock; never committed

    task = asyncio.create_task(half_done())
    await closing.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    monkeypatch.setattr(AsyncSession, "close", close)

    assert engine.pool.checkedout() == 0  # type: ignore[attr-defined]
    async with asyncio.timeout(GUARD):
        async with uow_factory() as uow:  # the next writer gets in, and sees nothing
            assert await uow.key_values.get("draft") is None
            uow.key_values.set("draft", "whole")
            await uow.commit()
    async with uow_factory(readonly=True) as uow:
        assert await uow.key_values.get("draft") == "whole"


async def test_a_read_only_unit_of_work_that_tries_to_write_is_refused_and_writes_nothing(
    uow_factory: UnitOfWorkFactory,
) -> None:
    # On SQLite a read-only unit of work runs without BEGIN, so a write that got
    # through would be kept at once; the flush is refused before it reaches the store.
    with pytest.raises(ReadOnlyWriteError):
        async with uow_factory(readonly=True) as uow:
            uow.key_values.set("draft", "sneaked")
            await uow.flush()
    async with uow_factory(readonly=True) as uow:
        assert await uow.key_values.get("draft") is None


async def test_reads_on_a_lent_connection_see_what_was_committed_after_they_began(
    uow_factory: UnitOfWorkFactory,
) -> None:
    # An update's handler reads on the update's own connection (`lend_for_reads`); a
    # use case it ran in between committed on another one, and the next read sees it.
    async with uow_factory(readonly=True) as update:
        with lend_for_reads(await update.session.connection()):
            async with uow_factory(readonly=True) as uow:
                assert await uow.key_values.get("state") is None
            async with uow_factory() as uow:
                uow.key_values.set("state", "cancelled")
                await uow.commit()
            async with uow_factory(readonly=True) as uow:
                assert await uow.key_values.get("state") == "cancelled"
