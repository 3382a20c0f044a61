"""aiosqlite with one trip to its thread per statement, for SQLAlchemy's aiosqlite dialect.

aiosqlite runs every sqlite3 call on a thread of its own and hands each result back to
the event loop: a queue put, a thread switch, a wake-up of the loop.  SQLAlchemy's
adapter makes four such trips per statement (open a cursor, execute, fetch the rows,
close the cursor) and one more to end every transaction, even one that never began.
Profiling the status flow showed those trips as the largest cost per update on SQLite
after the statements themselves (about 25 trips for three statements).

This module gives the dialect a connection whose cursor does the four steps in one trip
(execute, read the description, row count and last row id, fetch every row, close) and
keeps the rows for SQLAlchemy to fetch without another trip; and whose ROLLBACK stays
on the loop when the connection holds no transaction (read-only units of work on SQLite
begin none: see `storage.uow`).  Rows are always fetched in full, which is what the
adapter did already for every statement but server-side cursors, which the bot does not
use on SQLite.  Everything else (commit, functions, closing) is aiosqlite's own.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from pathlib import Path
from types import ModuleType, TracebackType
from typing import Any

import aiosqlite
from sqlalchemy.dialects.sqlite.aiosqlite import AsyncAdapt_aiosqlite_dbapi

# aiosqlite's default number of rows a cursor iterates at a time (unused here, but the
# connection's constructor takes it).
_ITER_CHUNK_SIZE = 64

_Result = tuple[Any, int, int | None, list[Any]]


def _run(connection: sqlite3.Connection, sql: str, parameters: Any, many: bool) -> _Result:
    """On aiosqlite's thread: the whole statement, rows included."""
    cursor = connection.cursor()
    try:
        if many:
            cursor.executemany(sql, parameters)
        else:
            cursor.execute(sql, parameters)
        rows = cursor.fetchall() if cursor.description else []
        # Read after the rows: for a statement with RETURNING, sqlite3 counts the rows
        # as they are fetched.
        return cursor.description, cursor.rowcount, cursor.lastrowid, rows
    finally:
        cursor.close()


class OneTripCursor:
    """The cursor SQLAlchemy's adapter drives: `execute` is the only trip."""

    arraysize = 1

    def __init__(self, connection: OneTripConnection) -> None:
        self._connection = connection
        self.description: Any = None
        self.rowcount = -1
        self.lastrowid: int | None = None
        self._rows: list[Any] = []

    async def __aenter__(self) -> OneTripCursor:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._rows = []

    async def execute(self, sql: str, parameters: Any = ()) -> OneTripCursor:
        return await self._trip(sql, parameters, many=False)

    async def executemany(self, sql: str, parameters: Iterable[Any]) -> OneTripCursor:
        return await self._trip(sql, list(parameters), many=True)

    async def _trip(self, sql: str, parameters: Any, *, many: bool) -> OneTripCursor:
        result: _Result = await self._connection._execute(
            _run, self._connection._conn, sql, parameters, many
        )
        self.description, self.rowcount, self.lastrowid, self._rows = result
        return self

    async def fetchall(self) -> list[Any]:
        rows, self._rows = self._rows, []
        return rows

    async def fetchone(self) -> Any:
        return self._rows.pop(0) if self._rows else None

    async def fetchmany(self, size: int | None = None) -> Sequence[Any]:
        count = self.arraysize if size is None else size
        rows, self._rows = self._rows[:count], self._rows[count:]
        return rows

    async def nextset(self) -> None:
        return None

    async def close(self) -> None:
        self._rows = []


class OneTripConnection(aiosqlite.Connection):
    def cursor(self) -> OneTripCursor:  # type: ignore[override]
        """No trip: the sqlite3 cursor is opened on the thread, with the statement."""
        return OneTripCursor(self)

    async def rollback(self) -> None:
        # Nothing to roll back (a read without BEGIN, or a transaction already ended):
        # no trip.  Read on the loop's thread, as aiosqlite's own `in_transaction` is.
        if self._connection is not None and not self._connection.in_transaction:
            return
        await super().rollback()


def connect(database: str | Path, **kwargs: Any) -> OneTripConnection:
    """`aiosqlite.connect` with the connection above."""
    location = str(database)

    def connector() -> sqlite3.Connection:
        return sqlite3.connect(location, **kwargs)

    return OneTripConnection(connector, _ITER_CHUNK_SIZE)


def dbapi() -> AsyncAdapt_aiosqlite_dbapi:
    """The DBAPI module for `create_async_engine(..., module=dbapi())`: aiosqlite's
    names (errors, version) with the connection above."""
    module = ModuleType(__name__ + ".aiosqlite")
    module.__dict__.update(
        {name: getattr(aiosqlite, name) for name in dir(aiosqlite) if not name.startswith("__")}
    )
    module.Connection = OneTripConnection  # type: ignore[attr-defined]
    module.connect = connect  # type: ignore[attr-defined]
    return AsyncAdapt_aiosqlite_dbapi(module, sqlite3)
