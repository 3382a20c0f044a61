"""Named locks inside a write transaction, for checks that have no row to lock.

A "count, then decide, then insert" use case (the proof throttle, a link bound to its
first opener) is only safe when two workers cannot count at the same time.  When there
is a row to lock, `SELECT ... FOR UPDATE` does it; an order number that may not exist,
or a link that has not been opened yet, has none.  So on PostgreSQL the transaction takes
an advisory lock named after the thing (released by its commit or rollback), and on
SQLite nothing is needed: write transactions begin IMMEDIATE and run one at a time.
"""

from __future__ import annotations

import hashlib

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession


def lock_id(*parts: str | int) -> int:
    """A signed 64-bit id for the name (PostgreSQL advisory locks take a bigint).  A
    collision only makes two unrelated names wait for each other, never skips a lock."""
    name = "\x1f".join(str(p) for p in parts).encode()
    return int.from_bytes(hashlib.sha256(name).digest()[:8], "big", signed=True)


async def lock_name(session: AsyncSession, *parts: str | int) -> None:
    """Hold the lock named `parts` until this transaction ends.

    Callers that take several locks take them in one fixed order (e.g. the account,
    then the order number), so two transactions never wait for each other in a circle.
    """
    if session.get_bind().dialect.name != "postgresql":
        return  # SQLite: the IMMEDIATE write transaction already serialises writers
    await session.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": lock_id(*parts)})


async def lock_conversation(
    session: AsyncSession, channel: str, chat_id: int, user_id: int, thread_id: int | None
) -> None:
    """Hold one conversation (a person in a chat, and the forum topic if any: the key
    of `ChatCore`'s in-process lock) until this transaction ends, across processes.

    `ChatCore` takes it as the first statement of the unit of work that reads the
    conversation's state and, after the handler, saves it: a second worker given
    another update of the same conversation (an album split across workers, two quick
    taps) waits here and then reads the state the first one saved, so no draft change
    is lost.  The transaction holds nothing else until that save (no row locks), so
    the handler's own use cases, on other connections, never wait for it.  PostgreSQL
    only: SQLite serves one process (see `lock_name`)."""
    await lock_name(session, "conversation", channel, chat_id, user_id, thread_id or 0)
