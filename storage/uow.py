"""Unit of work: one transaction per use case, committed explicitly by the service.

    async with uow_factory() as uow:
        order = await uow.orders.get_by_number(shop_id, "1001")
        ...
        await uow.commit()

Leaving the block without `commit()` rolls everything back, so an exception half-way
through a use case can never leave a half-written record.
"""

from __future__ import annotations

from collections.abc import Callable
from types import TracebackType

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.db import SQLITE_BEGIN_OPTION
from storage.repositories import (
    AuditRepository,
    ChatUserRepository,
    ClaimRepository,
    ConversationRepository,
    KeyValueRepository,
    OrderRepository,
    OutboxRepository,
    RefundRepository,
    ShopRepository,
    TicketRepository,
    UpdateRepository,
)


class UnitOfWork:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], *, readonly: bool = False):
        self._sessions = sessions
        self._readonly = readonly
        self._session: AsyncSession | None = None

    @property
    def session(self) -> AsyncSession:
        if self._session is None:
            raise RuntimeError("UnitOfWork used outside `async with`")
        return self._session

    async def __aenter__(self) -> UnitOfWork:
        self._session = self._sessions()
        bind = self._session.get_bind()
        if self._readonly and bind.dialect.name == "sqlite":
            await self._session.connection(execution_options={SQLITE_BEGIN_OPTION: "DEFERRED"})
        s = self._session
        self.shops = ShopRepository(s)
        self.chat_users = ChatUserRepository(s)
        self.orders = OrderRepository(s)
        self.claims = ClaimRepository(s)
        self.refunds = RefundRepository(s)
        self.tickets = TicketRepository(s)
        self.conversations = ConversationRepository(s)
        self.outbox = OutboxRepository(s)
        self.updates = UpdateRepository(s)
        self.audit = AuditRepository(s)
        self.key_values = KeyValueRepository(s)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        assert self._session is not None
        # close() rolls back whatever was not committed and detaches loaded objects
        # without expiring them, so read results stay usable after the block.
        await self._session.close()
        self._session = None

    async def commit(self) -> None:
        if self._readonly:
            raise RuntimeError("read-only unit of work cannot commit")
        await self.session.commit()

    async def flush(self) -> None:
        await self.session.flush()


UnitOfWorkFactory = Callable[..., UnitOfWork]


def make_uow_factory(sessions: async_sessionmaker[AsyncSession]) -> UnitOfWorkFactory:
    def factory(*, readonly: bool = False) -> UnitOfWork:
        return UnitOfWork(sessions, readonly=readonly)

    return factory
