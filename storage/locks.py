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
