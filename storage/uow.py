"""Unit of work: one transaction per use case, committed explicitly by the service.

    async with uow_factory() as uow:
        order = await uow.orders.get_by_number(shop_id, "1001")
        ...
        await uow.commit()

Leaving the block without `commit()` rolls everything back, so an exception half-way
through a use case can never leave a half-written record.

Work queued for a background worker (a notification in the outbox, a refund for the
gateway) is marked with `uow.queued(topic)`; once the transaction commits, the workers
listening on that topic (`UnitOfWorkFactory.after_commit`) are woken, so the message
goes out at once instead of at the worker's next poll.  A rollback wakes nobody.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Iterable, Iterator
from contextvars import ContextVar
from types import TracebackType

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession, async_sessionmaker
from sqlalchemy.orm import Session

from storage.db import SQLITE_BEGIN_OPTION, SQLITE_NO_BEGIN
from storage.insight_queries import InsightRepository
from storage.repositories import (
    AuditRepository,
    CancelRequestRepository,
    ChatUserRepository,
    ClaimRepository,
    ConversationRepository,
    InboundEventRepository,
    KeyValueRepository,
    OrderRepository,
    OutboxRepository,
    RefundRepository,
    ShopRepository,
    TicketRepository,
    UpdateRepository,
)
from storage.stats_queries import StatsRepository

log = logging.getLogger(__name__)


class AfterCommit:
    """Callbacks per topic, called after a transaction that queued work on that topic
    committed.  In-process only: another process's worker still finds the row at its
    next poll, which stays as the safety net."""

    def __init__(self) -> None:
        self._listeners: dict[str, list[Callable[[], None]]] = {}

    def subscribe(self, topic: str, callback: Callable[[], None]) -> Callable[[], None]:
        """Call `callback` after each commit that queued on `topic`; returns the
        function that stops it (a worker listens only while its loop runs)."""
        self._listeners.setdefault(topic, []).append(callback)

        def unsubscribe() -> None:
            listeners = self._listeners.get(topic, [])
            if callback in listeners:
                listeners.remove(callback)

        return unsubscribe

    def notify(self, topics: Iterable[str]) -> None:
        for topic in topics:
            for callback in list(self._listeners.get(topic, ())):
                try:
                    callback()
                except Exception:  # the commit stands; the poll will find the work
                    log.exception("after-commit callback failed", extra={"topic": topic})


class UnitOfWork:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        *,
        readonly: bool = False,
        write_lock: WriteLock | None = None,
        after_commit: AfterCommit | None = None,
    ):
        self._sessions = sessions
        self._readonly = readonly
        self._after_commit = after_commit
        self._queued: set[str] = set()
        self._session: AsyncSession | None = None
        self._write_lock = None if readonly else write_lock
        self._holding = False
        self._lent: LentConnection | None = None

    @property
    def dialect(self) -> str:
        """The database's dialect name ("sqlite", "postgresql"), known without
        opening a connection."""
        bind = self._sessions.kw.get("bind")
        return str(bind.dialect.name) if bind is not None else ""

    @property
    def session(self) -> AsyncSession:
        if self._session is None:
            raise RuntimeError("UnitOfWork used outside `async with`")
        return self._session

    async def __aenter__(self) -> UnitOfWork:
        if self._write_lock is not None:
            await self._write_lock.acquire_for(asyncio.current_task())
            self._holding = True
        lent = _lent.get() if self._readonly else None
        if lent is not None and lent.take():
            # Reads on the connection of the update being handled (see `lend_for_reads`):
            # a session of its own (a fresh identity map), the transaction the update's.
            self._lent = lent
            self._session = self._sessions(bind=lent.connection)
        else:
            self._session = self._sessions()
        if self._readonly:
            # A read-only unit of work never writes: a flush of pending changes fails
            # (on SQLite they would otherwise be written outside any transaction).
            self._session.sync_session.info[_READONLY] = True
            if self._lent is None and self._session.get_bind().dialect.name == "sqlite":
                # No BEGIN: each statement is its own read, seeing every commit made
                # before it, as under PostgreSQL's READ COMMITTED; and a BEGIN is one
                # more round trip to the driver's thread per unit of work.
                await self._session.connection(
                    execution_options={SQLITE_BEGIN_OPTION: SQLITE_NO_BEGIN}
                )
        s = self._session
        self.shops = ShopRepository(s)
        self.chat_users = ChatUserRepository(s)
        self.orders = OrderRepository(s)
        self.claims = ClaimRepository(s)
        self.refunds = RefundRepository(s)
        self.cancel_requests = CancelRequestRepository(s)
        self.tickets = TicketRepository(s)
        self.conversations = ConversationRepository(s)
        self.outbox = OutboxRepository(s)
        self.updates = UpdateRepository(s)
        self.audit = AuditRepository(s)
        self.key_values = KeyValueRepository(s)
        self.inbound_events = InboundEventRepository(s)
        self.insights = InsightRepository(s)
        self.stats = StatsRepository(s)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        assert self._session is not None
        session, self._session = self._session, None
        # close() rolls back whatever was not committed and detaches loaded objects
        # without expiring them, so read results stay usable after the block.
        try:
            await _close_even_if_cancelled(session)
        finally:
            if self._lent is not None:
                self._lent.give_back()
                self._lent = None
            if self._holding and self._write_lock is not None:
                self._holding = False
                self._write_lock.release_from(asyncio.current_task())

    def queued(self, topic: str) -> None:
        """This transaction queued work for the worker listening on `topic`: wake it
        once the work is committed (and so visible to it)."""
        self._queued.add(topic)

    async def commit(self) -> None:
        if self._readonly:
            raise RuntimeError("read-only unit of work cannot commit")
        await self.session.commit()
        topics, self._queued = self._queued, set()
        if topics and self._after_commit is not None:
            self._after_commit.notify(topics)

    async def flush(self) -> None:
        await self.session.flush()


async def _close_even_if_cancelled(session: AsyncSession) -> None:
    """End the transaction and give the connection back, whatever happens to the task.

    A unit of work left because its task was cancelled (the bot stopping, a timeout
    around a use case) still has its ROLLBACK to send and its connection to return.  A
    cancellation that cut that short left SQLAlchemy with a connection invalidated in
    the middle of its transaction (the pool's "Exception during reset"), and on SQLite
    an orphaned connection still holding the database's write lock while the next
    unit of work, let in by `WriteLock`, waited on it into "database is locked".  So the
    close runs in a task of its own that a cancellation does not interrupt; the
    cancellation is passed on once the connection is back."""
    closing = asyncio.ensure_future(session.close())
    cancelled = False
    while True:
        try:
            await asyncio.shield(closing)
            break
        except asyncio.CancelledError:
            if closing.done():  # the close itself was cancelled: nothing left to wait for
                raise
            cancelled = True  # ours: wait for the close, then pass it on
    if cancelled:
        raise asyncio.CancelledError


_READONLY = "readonly"


@event.listens_for(Session, "before_flush")
def _refuse_readonly_flush(session: Session, _context: object, _instances: object) -> None:
    if session.info.get(_READONLY):
        raise ReadOnlyWriteError("a read-only unit of work tried to write")


class ReadOnlyWriteError(RuntimeError):
    """Changes flushed in a read-only unit of work: a bug in the use case, refused
    before anything is written."""


class LentConnection:
    """The connection of an update's own unit of work, lent to the read-only units of
    work its handler opens (one at a time; a second one at the same moment, or one
    after the update is saved, takes a pooled connection as usual)."""

    def __init__(self, connection: AsyncConnection) -> None:
        self.connection = connection
        self._busy = False
        self._open = True

    def take(self) -> bool:
        if self._busy or not self._open:
            return False
        self._busy = True
        return True

    def give_back(self) -> None:
        self._busy = False

    def close(self) -> None:
        self._open = False


_lent: ContextVar[LentConnection | None] = ContextVar("lent_connection", default=None)


@contextlib.contextmanager
def lend_for_reads(connection: AsyncConnection) -> Iterator[None]:
    """Inside the block, read-only units of work of this task run their statements on
    `connection` (PostgreSQL: the update's own transaction, which already holds the
    conversation's lock and nothing else; SQLite: the update's read, which holds no
    transaction) instead of checking out another pooled connection: no second
    checkout, liveness ping, BEGIN and ROLLBACK per read.  Under PostgreSQL's READ
    COMMITTED, and SQLite's statements without BEGIN, each statement still sees every
    commit made before it, including the handler's own use cases' writes on their own
    connections."""
    lent = LentConnection(connection)
    token = _lent.set(lent)
    try:
        yield
    finally:
        lent.close()
        _lent.reset(token)


class NestedWriteError(RuntimeError):
    """A write unit of work opened inside another one in the same task: on SQLite the
    inner one could never get the write lock the outer one holds."""


class WriteLock:
    """An asyncio lock that knows its holder, so a nested write unit of work fails at
    once with a clear error instead of waiting for itself forever."""

    def __init__(self) -> None:
        self._lock = asyncio.Lock()
        self._owner: asyncio.Task[object] | None = None

    async def acquire_for(self, task: asyncio.Task[object] | None) -> None:
        if task is not None and self._owner is task:
            raise NestedWriteError("write unit of work opened inside another one")
        await self._lock.acquire()
        self._owner = task

    def release_from(self, task: asyncio.Task[object] | None) -> None:
        self._owner = None
        self._lock.release()


class UnitOfWorkFactory:
    """Units of work on one engine, sharing its write lock (SQLite) and the
    after-commit listeners (`after_commit`) of everything that uses it."""

    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], write_lock: WriteLock | None
    ) -> None:
        self._sessions = sessions
        self._write_lock = write_lock
        self.after_commit = AfterCommit()

    def __call__(self, *, readonly: bool = False) -> UnitOfWork:
        return UnitOfWork(
            self._sessions,
            readonly=readonly,
            write_lock=self._write_lock,
            after_commit=self.after_commit,
        )


def make_uow_factory(sessions: async_sessionmaker[AsyncSession]) -> UnitOfWorkFactory:
    """Units of work on one engine.

    SQLite allows one writer at a time.  Left to SQLite, waiting writers sleep and
    retry (busy_timeout), and under load some starve past the timeout ("database is
    locked").  So within this process, write units of work queue on an asyncio lock
    first (fair, no polling) and reach SQLite one at a time; readers (WAL) never wait.
    Other processes (a CLI import next to the bot) still meet SQLite's busy timeout.
    """
    bind = sessions.kw.get("bind")
    sqlite = bind is not None and bind.dialect.name == "sqlite"
    return UnitOfWorkFactory(sessions, WriteLock() if sqlite else None)
