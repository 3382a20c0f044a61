"""Shared fixtures.

The suite runs on SQLite by default.  With TEST_DATABASE_URL set (e.g.
postgresql+asyncpg://postgres@127.0.0.1:5432/test) the very same tests run on
PostgreSQL: the schema is migrated once per session and tables are emptied per test.
"""

from __future__ import annotations

import asyncio
import os
import shutil
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.clock import FakeClock
from storage.db import create_engine, session_factory
from storage.migrate import upgrade
from storage.models import Base
from storage.uow import UnitOfWorkFactory, make_uow_factory

PG_URL = os.environ.get("TEST_DATABASE_URL")


def _is_pg() -> bool:
    return bool(PG_URL) and PG_URL.startswith("postgresql")


async def _prepare_pg(url: str) -> None:
    engine = create_engine(url)
    async with engine.begin() as conn:
        await conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        await conn.execute(text("CREATE SCHEMA public"))
    await upgrade(engine)
    await engine.dispose()


async def _migrate_sqlite(path: Path) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{path}")
    await upgrade(engine)
    await engine.dispose()


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path | None]:
    """Run the migrations once: into a template SQLite file, or into the PostgreSQL test
    database.  Every test then starts from that migrated schema."""
    if _is_pg():
        assert PG_URL is not None
        asyncio.run(_prepare_pg(PG_URL))
        yield None
        return
    path = tmp_path_factory.mktemp("template") / "template.db"
    asyncio.run(_migrate_sqlite(path))
    yield path


@pytest.fixture
def database_url(migrated_template: Path | None, tmp_path: Path) -> str:
    if migrated_template is None:
        assert PG_URL is not None
        return PG_URL
    target = tmp_path / "test.db"
    shutil.copyfile(migrated_template, target)
    return f"sqlite+aiosqlite:///{target}"


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(database_url)
    if _is_pg():
        tables = ", ".join(t.name for t in Base.metadata.sorted_tables)
        async with engine.begin() as conn:
            await conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    yield engine
    await engine.dispose()


@pytest.fixture
def uow_factory(engine: AsyncEngine) -> UnitOfWorkFactory:
    return make_uow_factory(session_factory(engine))


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()
