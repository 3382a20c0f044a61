"""Engine and session factory for SQLite (aiosqlite) and PostgreSQL (asyncpg)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from storage import sqlite_driver

SQLITE_BUSY_TIMEOUT_MS = 10_000
# Connections per process: kept open, and allowed beyond that at a peak.
POOL_SIZE = 16
POOL_OVERFLOW = 4
# Execution option that chooses how a SQLite unit of work begins: IMMEDIATE (the
# default, takes the write lock), DEFERRED, or no BEGIN at all (read-only units of
# work: see `storage.uow`).
SQLITE_BEGIN_OPTION = "sqlite_begin_mode"
SQLITE_NO_BEGIN = "NONE"


def create_engine(url: str, *, echo: bool = False) -> AsyncEngine:
    """Build the async engine.  SQLite gets WAL, foreign keys and a busy timeout on every
    connection, so several readers and one writer (bot + deadline job + CLI) coexist."""
    parsed = make_url(url)
    # hide_parameters: SQLAlchemy puts a failed statement's parameters (a buyer's email,
    # phone, message text) into the exception's text, which ends up in logs.
    kwargs: dict[str, Any] = {"echo": echo, "hide_parameters": True}
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database
        if database and database != ":memory:" and not database.startswith("file:"):
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        kwargs["connect_args"] = {"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000}
        # aiosqlite, one trip to its thread per statement (see `storage.sqlite_driver`).
        kwargs["module"] = sqlite_driver.dbapi()
    # Connections kept open: the chat core holds one per update in flight (up to
    # `handlers.core.OPEN_UPDATES`) while its handler uses another, and the outbox,
    # inbox and deadline workers use theirs.  A pool smaller than that opens and closes
    # overflow connections all the time: on PostgreSQL each is a login and type set-up,
    # on SQLite a new driver thread, the file opened and the pragmas run again.
    kwargs["pool_size"] = POOL_SIZE
    kwargs["max_overflow"] = POOL_OVERFLOW
    engine = create_async_engine(url, **kwargs)
    if parsed.get_backend_name() != "sqlite":
        event.listen(engine.sync_engine, "connect", _idle_from_now)  # just opened: alive
        event.listen(engine.sync_engine, "checkin", _idle_from_now)
        event.listen(engine.sync_engine, "checkout", _ping_if_idle)
    if parsed.get_backend_name() == "sqlite":
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        # pysqlite's own transaction handling defers BEGIN until the first write, which
        # lets two transactions read the same row and both write.  We emit BEGIN
        # ourselves: IMMEDIATE (the default) takes the write lock up front, so a unit of
        # work that writes is serialisable, as it is on PostgreSQL with row locks;
        # read-only units of work ask for no BEGIN and run side by side.
        event.listen(engine.sync_engine, "begin", _sqlite_begin)
    return engine


# A pooled PostgreSQL connection is checked before use only when it sat idle at least
# this long (seconds).  SQLAlchemy's `pool_pre_ping` checks every checkout, and with
# asyncpg a check is three round trips (BEGIN, an empty query, ROLLBACK): the largest
# cost per update after the update's own statements.  A connection given back less than
# a second ago was working then; one that sat idle (a database restart, a proxy's idle
# timeout) is checked and replaced if dead.  What slips through (the server going away
# within that second) fails one use, and SQLAlchemy drops every pooled connection of
# that server at once (a disconnect invalidates the pool).
PING_WHEN_IDLE_FOR = 1.0


def _idle_from_now(_dbapi_connection: Any, record: Any) -> None:
    record.info["idle_since"] = time.monotonic()


def _ping_if_idle(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
    since = record.info.get("idle_since")
    if since is not None and time.monotonic() - since < PING_WHEN_IDLE_FOR:
        return
    try:
        dbapi_connection.ping()
    except Exception as exc:
        # The pool throws this connection away and tries another (or a new one).
        raise DisconnectionError("pooled connection is dead") from exc


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy, not the driver, decide when transactions begin.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _sqlite_begin(conn: Any) -> None:
    mode = conn.get_execution_options().get(SQLITE_BEGIN_OPTION, "IMMEDIATE")
    if mode != SQLITE_NO_BEGIN:
        conn.exec_driver_sql(f"BEGIN {mode}")


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=True)


async def ping(engine: AsyncEngine) -> bool:
    """Whether the database answers `SELECT 1` (the health check; raises nothing)."""
    from sqlalchemy import text

    try:
        async with engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
    except Exception:
        return False
    return True
