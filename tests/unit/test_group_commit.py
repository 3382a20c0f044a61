"""Saves that go to the database together still succeed or fail one by one.

On SQLite the chat core hands the saves of updates finished at the same moment to the
database in one transaction (`GroupCommit`).  An update that another worker already
recorded must be refused without taking the other saves of its batch down with it.
"""

from __future__ import annotations

import asyncio

from sqlalchemy import select

from bot.clock import FakeClock
from handlers.core import GroupCommit
from storage.models import ChatLogEntry, ProcessedUpdate
from storage.repositories import UpdateRecord
from storage.uow import UnitOfWorkFactory


def record(update_id: int, chat_id: int, clock: FakeClock) -> UpdateRecord:
    return UpdateRecord(
        channel="telegram",
        update_id=update_id,
        chat_id=chat_id,
        user_id=chat_id,
        at=clock.now(),
        log=[("in", f"message {update_id}")],
        replies=None,
        state=("ret.photos", {"photos": [f"photo-{update_id}"]}),
    )


async def test_a_batch_with_an_update_recorded_elsewhere_saves_the_others(
    uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    async with uow_factory() as uow:  # another worker handled update 1 already
        uow.session.add(ProcessedUpdate(channel="telegram", update_id=1, processed_at=clock.now()))
        await uow.commit()
    saves = GroupCommit(uow_factory)

    outcomes = await asyncio.gather(
        saves.save(record(1, 10, clock)), saves.save(record(2, 20, clock))
    )

    assert outcomes == [False, True]
    async with uow_factory(readonly=True) as uow:
        assert await uow.conversations.get("telegram", 10, 10) is None
        kept = await uow.conversations.get("telegram", 20, 20)
        assert kept is not None and kept.data == {"photos": ["photo-2"]}
        logged = await uow.session.scalars(select(ChatLogEntry.text))
        assert list(logged) == ["message 2"]


async def test_a_changed_state_is_stored_over_the_old_one(
    uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    saves = GroupCommit(uow_factory)
    assert await saves.save(record(1, 10, clock))
    later = UpdateRecord(
        "telegram", 2, 10, 10, clock.now(), [], None, ("ret.note", {"photos": ["a", "b"]})
    )
    assert await saves.save(later)
    async with uow_factory(readonly=True) as uow:
        state = await uow.conversations.get("telegram", 10, 10)
    assert state is not None and (state.step, state.data) == ("ret.note", {"photos": ["a", "b"]})
