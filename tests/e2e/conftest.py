"""End-to-end fixtures: the real aiogram polling loop against the local Bot API emulator,
over HTTP, on the test database.  Any call the emulator rejects (as Telegram would)
fails the test."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.app import App, BotRunner
from bot.clock import FakeClock
from bot.config import Settings
from bot.emulator import TelegramEmulator
from storage.uow import UnitOfWorkFactory

TOKEN = "4242424242:e2e-test-token-for-the-local-emulator"
BOT_USERNAME = "shop_support_test_bot"


@pytest.fixture
async def emulator() -> AsyncIterator[TelegramEmulator]:
    async with TelegramEmulator(token=TOKEN, bot_username=BOT_USERNAME) as emu:
        yield emu
        emu.assert_no_rejections()


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        database_url=database_url,
        media_dir=tmp_path / "media",
        knowledge_index=tmp_path / "knowledge-index.json",
        link_secret="e2e-link-secret-0123456789abcdef",
    )


@pytest.fixture
def app(
    settings: Settings,
    engine: AsyncEngine,
    uow_factory: UnitOfWorkFactory,
    clock: FakeClock,
    model_weights: Path,  # the run's trained intent model, loaded once in this process
) -> App:
    return App(settings=settings, engine=engine, uow=uow_factory, clock=clock)


class BotProcess:
    """Start/stop the bot like a process: a restart builds everything anew from the
    database, as a deploy or crash would."""

    def __init__(self, app: App, emulator: TelegramEmulator, framework: str = "aiogram") -> None:
        self.app = app
        self.emulator = emulator
        self.framework = framework
        self.runner: BotRunner | None = None

    async def start(self) -> BotRunner:
        self.runner = await BotRunner.create(
            self.app, token=TOKEN, api_url=self.emulator.base_url, framework=self.framework
        )
        await self.runner.start()
        return self.runner

    async def stop(self) -> None:
        if self.runner is not None:
            await self.runner.stop()
            self.runner = None

    async def restart(self) -> None:
        await self.stop()
        await self.start()

    async def flush_outbox(self) -> int:
        assert self.runner is not None
        return await self.runner.worker.run_once()


@pytest.fixture
async def bot(app: App, emulator: TelegramEmulator) -> AsyncIterator[BotProcess]:
    process = BotProcess(app, emulator)
    await process.start()
    yield process
    await process.stop()


@pytest.fixture(params=["aiogram", "ptb"])
async def any_bot(
    request: pytest.FixtureRequest, app: App, emulator: TelegramEmulator
) -> AsyncIterator[BotProcess]:
    """The bot on each framework in turn: for what each stack must translate itself
    (updates into `Inbound`, actions into Bot API calls).  Flow logic is tested once, in
    process (tests/flows)."""
    process = BotProcess(app, emulator, framework=request.param)
    await process.start()
    yield process
    await process.stop()
