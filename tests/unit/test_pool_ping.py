"""A pooled PostgreSQL connection that died while idle (the server restarted, a proxy
closed it) is noticed at checkout and replaced, so the next unit of work does not fail;
one given back a moment ago is used without the check's three round trips."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.dialects.postgresql.asyncpg import AsyncAdapt_asyncpg_connection
from sqlalchemy.ext.asyncio import AsyncEngine

from storage import db
from storage.uow import UnitOfWorkFactory


async def _backend_pid(engine: AsyncEngine) -> int:
    async with engine.connect() as connection:
        return int((await connection.execute(text("SELECT pg_backend_pid()"))).scalar_one())


async def test_a_connection_killed_while_idle_is_replaced_before_use(
    engine: AsyncEngine, uow_factory: UnitOfWorkFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite has no server to lose")
    before = await _backend_pid(engine)  # now idle in the pool
    killer = db.create_engine(str(engine.url.render_as_string(hide_password=False)))
    try:
        async with killer.connect() as other:
            await other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": before})
    finally:
        await killer.dispose()
    # Its next checkout would be the dead one; idle long enough, it is checked first.
    monkeypatch.setattr(db, "PING_WHEN_IDLE_FOR", 0.0)
    async with uow_factory(readonly=True) as uow:
        assert await uow.key_values.get("anything") is None  # no error: a live connection
    assert await _backend_pid(engine) != before


async def test_a_connection_given_back_a_moment_ago_is_not_checked(
    engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite has no server to lose")
    await _backend_pid(engine)
    pings: list[object] = []
    ping = AsyncAdapt_asyncpg_connection.ping

    def counting(self: AsyncAdapt_asyncpg_connection) -> None:
        pings.append(self)
        ping(self)

    monkeypatch.setattr(AsyncAdapt_asyncpg_connection, "ping", counting)
    monkeypatch.setattr(db, "PING_WHEN_IDLE_FOR", 60.0)
    await _backend_pid(engine)
    assert pings == []  # used a moment ago: no check
    monkeypatch.setattr(db, "PING_WHEN_IDLE_FOR", 0.0)
    await _backend_pid(engine)
    assert len(pings) == 1  # "idle too long": checked once
