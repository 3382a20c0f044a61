"""More people writing at the same moment than the store has connections: every update
holds a connection of its own while its handler's use cases take others, so the chat
core lets only some updates hold one at a time (`handlers.core.OPEN_UPDATES`).  Without
that limit, as many updates as connections each held one and waited for a second one
until the pool's timeout (it happened on SQLite, 20 staff topics at once)."""

from __future__ import annotations

import asyncio

from storage.db import POOL_OVERFLOW, POOL_SIZE
from tests.harness import Harness

GUARD = 25.0  # under the pool's 30 s checkout timeout: a deadlock fails here, not there


async def test_more_new_buyers_at_once_than_connections_all_get_their_answer(
    harness: Harness,
) -> None:
    people = [harness.buyer(5000 + n, f"Buyer {n}") for n in range(POOL_SIZE + POOL_OVERFLOW + 5)]
    # First contact: each update reads (holding its connection) and then writes the new
    # person's profile, which needs a second connection.
    async with asyncio.timeout(GUARD):
        await asyncio.gather(*(person.say("/start") for person in people))
    for person in people:
        assert person.name in person.last_text  # the greeting names them
