"""Composition root: settings → engine → unit of work → services → channel.

This is the only place that reads `Settings`; everything below gets plain values.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.clock import Clock, SystemClock
from bot.config import Settings
from storage.db import create_engine, session_factory
from storage.migrate import upgrade
from storage.uow import UnitOfWorkFactory, make_uow_factory


@dataclass
class App:
    settings: Settings
    engine: AsyncEngine
    uow: UnitOfWorkFactory
    clock: Clock = field(default_factory=SystemClock)

    @classmethod
    async def create(
        cls, settings: Settings, *, clock: Clock | None = None, migrate: bool = True
    ) -> App:
        engine = create_engine(settings.database_url)
        if migrate:
            # The bot upgrades its schema on start so a new version never runs on an
            # old database; Alembic's version table makes this a no-op when current.
            await upgrade(engine)
        return cls(
            settings=settings,
            engine=engine,
            uow=make_uow_factory(session_factory(engine)),
            clock=clock or SystemClock(),
        )

    async def close(self) -> None:
        await self.engine.dispose()
