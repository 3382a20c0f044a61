"""Shared fixtures.

The suite runs on SQLite by default.  With TEST_DATABASE_URL set (e.g.
postgresql+asyncpg://postgres@127.0.0.1:5432/test) the very same tests run on
PostgreSQL: each test session (each pytest-xdist worker, `-n`) creates its own scratch
database next to the given one (so parallel workers and runs never see each other),
migrates it once, empties the tables per test and drops it at the end.

Everything a test writes goes under its own `tmp_path` (per worker under xdist), and
servers bind port 0, so the workers share nothing but the read-only repository and the
intent model's weights, trained once per run (`model_weights`).
"""

from __future__ import annotations

import asyncio
import fcntl
import os
import shutil
import tempfile
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import asyncpg
import hypothesis
import hypothesis.configuration
import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.app import App
from bot.clock import FakeClock
from bot.config import Settings
from bot.services.understanding import load_model
from storage.db import create_engine, session_factory
from storage.migrate import upgrade
from storage.models import Base
from storage.uow import UnitOfWorkFactory, make_uow_factory
from tests.harness import STAFF_CHAT, Harness

# Policy search by words alone in the suite (and in the bots it starts as subprocesses):
# encoding every test's policies with the sentence model would add minutes.  The
# embeddings have their own tests (tests/unit/test_semantic_search.py), which load the
# model explicitly, and the answers benchmark measures them.
os.environ.setdefault("POLICY_EMBEDDINGS", "off")

# No Hypothesis example database: it lives in the repository (.hypothesis/), which
# the tests must not write to, least of all from several xdist workers at once; a
# failing example is printed with the failure anyway.  Its other caches (constants
# read from the code at collection) go to the system's temp folder, set before any
# test module is imported; it writes them atomically, so workers and runs can share.
hypothesis.settings.register_profile("suite", database=None)
hypothesis.settings.load_profile("suite")
hypothesis.configuration.set_hypothesis_home_dir(
    Path(tempfile.gettempdir()) / f"hypothesis-{os.getuid()}"
)

PG_URL = os.environ.get("TEST_DATABASE_URL")
# pytest-xdist's worker name ("gw0", "gw1", ...); "master" in a plain run.
WORKER = os.environ.get("PYTEST_XDIST_WORKER", "master")
# The file name the app caches the intent model's weights under, next to its policy
# index (App.understanding_cache).
MODEL_FILE = "understanding-model.json"


def _is_pg() -> bool:
    return bool(PG_URL) and PG_URL.startswith("postgresql")


def _admin_dsn(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


async def _create_pg(url: str) -> str:
    """Create a scratch database for this session; return its URL."""
    name = f"test_run_{WORKER}_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(_admin_dsn(url))
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    scratch = make_url(url).set(database=name).render_as_string(hide_password=False)
    engine = create_engine(scratch)
    await upgrade(engine)
    await engine.dispose()
    return scratch


async def _drop_pg(url: str, scratch: str) -> None:
    admin = await asyncpg.connect(_admin_dsn(url))
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{make_url(scratch).database}" WITH (FORCE)')
    finally:
        await admin.close()


async def _migrate_sqlite(path: Path) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{path}")
    await upgrade(engine)
    await engine.dispose()


def _run_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The run's temp folder: shared by its xdist workers (each has its own below it)."""
    root = tmp_path_factory.getbasetemp()
    return root.parent if WORKER != "master" else root


@pytest.fixture(scope="session")
def model_weights(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The intent model's weights, trained from the corpus once per run.

    Training costs seconds of CPU; every `run_bot.py run`/`ask` process a test starts
    would train again in its own temp folder, and so would every xdist worker.  The
    first worker to get here trains and writes the weights in the run's shared temp
    root (under a file lock); the others read them.  This process then keeps the model
    in memory (`load_model`), and `seed_model` puts the file where a started process
    looks for it."""
    root = _run_root(tmp_path_factory)
    path = root / MODEL_FILE
    with (root / f"{MODEL_FILE}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        load_model(path)
    return path


def seed_model(weights: Path, folder: Path) -> None:
    """Give a process started with its policy index in `folder` the trained weights (a
    hard link, or a copy across file systems), so it loads rather than trains them."""
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / MODEL_FILE
    if target.exists():
        return
    try:
        os.link(weights, target)
    except OSError:
        shutil.copyfile(weights, target)


@pytest.fixture
def model_in_tmp_path(model_weights: Path, tmp_path: Path) -> Path:
    """`tmp_path` with the trained weights in it, for a test that starts `run_bot.py`
    with its policy index there (the model is loaded, not trained again)."""
    seed_model(model_weights, tmp_path)
    return tmp_path


@pytest.fixture(scope="session")
def pg_scratch_url() -> Iterator[str | None]:
    if not _is_pg():
        yield None
        return
    assert PG_URL is not None
    scratch = asyncio.run(_create_pg(PG_URL))
    yield scratch
    asyncio.run(_drop_pg(PG_URL, scratch))


@pytest.fixture(scope="session")
def migrated_template(
    tmp_path_factory: pytest.TempPathFactory, pg_scratch_url: str | None
) -> Iterator[Path | None]:
    """Run the migrations once: into a template SQLite file, or into this session's
    PostgreSQL scratch database.  Every test then starts from that migrated schema."""
    if pg_scratch_url is not None:
        yield None
        return
    path = tmp_path_factory.mktemp("template") / "template.db"
    asyncio.run(_migrate_sqlite(path))
    yield path


@pytest.fixture
def database_url(migrated_template: Path | None, pg_scratch_url: str | None, tmp_path: Path) -> str:
    if pg_scratch_url is not None:
        return pg_scratch_url
    target = tmp_path / "test.db"
    shutil.copyfile(migrated_template, target)
    return f"sqlite+aiosqlite:///{target}"


async def empty_tables(engine: AsyncEngine) -> None:
    """PostgreSQL's scratch database is shared by the session's tests: each starts empty."""
    if _is_pg():
        tables = ", ".join(t.name for t in Base.metadata.sorted_tables)
        async with engine.begin() as conn:
            await conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(database_url)
    await empty_tables(engine)
    yield engine
    await engine.dispose()


@pytest.fixture
def uow_factory(engine: AsyncEngine) -> UnitOfWorkFactory:
    return make_uow_factory(session_factory(engine))


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
async def harness(
    database_url: str,
    engine: AsyncEngine,
    uow_factory: UnitOfWorkFactory,
    clock: FakeClock,
    tmp_path: Path,
    model_weights: Path,
) -> AsyncIterator[Harness]:
    """The chat core in process (see tests/harness.py), with a staff chat configured."""
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        database_url=database_url,
        media_dir=tmp_path / "media",
        knowledge_index=tmp_path / "knowledge-index.json",
        link_secret="harness-link-secret-0123456789abcdef",
        staff_chat_id=STAFF_CHAT,
    )
    app = App(settings=settings, engine=engine, uow=uow_factory, clock=clock)
    yield await Harness.create(app)
