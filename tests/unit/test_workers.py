"""Running as several processes: what is refused (polling, SQLite) and how it says so,
the SQLite process lock, workers sharing one port, Telegram's max_connections, the
outbox passing over rows another worker holds, and the bookkeeping that is pruned.

The three real workers on PostgreSQL are in tests/e2e/test_workers.py."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import aiohttp
import pytest
from sqlalchemy import func, select

from bot.cli import main
from bot.clock import FakeClock
from bot.config import Settings
from bot.domain.enums import OutboxStatus
from bot.services.inbox import UpdateInbox
from bot.services.notices import SellerRemoved
from bot.services.outbox import Notification, OutboxWorker, Parts, enqueue
from bot.web.server import HttpServer
from bot.workers import max_connections
from storage.models import ChatUser, InboundEvent, OutboxMessage, ProofAttempt
from storage.process_lock import AlreadyRunning, ProcessLock
from storage.uow import UnitOfWorkFactory
from tests.conftest import _is_pg

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def bot_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """`run` as an operator starts it, on a SQLite file of its own."""
    monkeypatch.chdir(tmp_path)  # no .env of the developer's
    database = tmp_path / "bot.db"
    monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{database}")
    monkeypatch.setenv("BOT_TOKEN", "4242:unit-test-token")
    for name in ("WEBHOOK_URL", "HTTP_WORKERS", "LOG_LEVEL"):
        monkeypatch.delenv(name, raising=False)
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield database
    root.handlers[:], root.level = handlers, level  # main() set up its own logging


def test_several_workers_while_polling_are_refused_and_told_why(
    bot_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["run", "--workers", "3"]) == 2
    err = capsys.readouterr().err
    assert "3 workers need webhook mode (set WEBHOOK_URL)" in err
    assert "409 Conflict" in err and "Traceback" not in err


def test_several_workers_on_sqlite_are_refused_and_told_why(
    bot_env: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WEBHOOK_URL", "https://bot.shop.example/hook")
    monkeypatch.setenv("HTTP_WORKERS", "2")  # the setting, as well as --workers
    assert main(["run"]) == 2
    err = capsys.readouterr().err
    assert "2 workers need PostgreSQL" in err and "SQLite takes one bot process" in err


def test_a_second_bot_on_one_sqlite_database_is_refused_without_a_traceback(
    bot_env: Path,
) -> None:
    held = ProcessLock.acquire(bot_env)  # the first bot, as far as the file knows
    assert held is not None
    try:
        done = subprocess.run(
            [sys.executable, str(ROOT / "run_bot.py"), "run"],
            cwd=bot_env.parent,
            env={**os.environ, "TELEGRAM_API_URL": "http://127.0.0.1:9"},
            capture_output=True,
            text=True,
            timeout=60,
        )
    finally:
        held.release()
    assert done.returncode == 1, done.stderr
    assert f"another bot process (pid {os.getpid()}) is running on the SQLite database" in (
        done.stderr
    )
    assert "use PostgreSQL" in done.stderr and "Traceback" not in done.stderr
    assert ProcessLock.acquire(bot_env) is not None  # released: the next start may run


def test_the_lock_goes_with_its_process_even_after_kill_9(tmp_path: Path) -> None:
    database = tmp_path / "bot.db"
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time; from pathlib import Path;"
            "from storage.process_lock import ProcessLock;"
            f"ProcessLock.acquire(Path({str(database)!r})); print('held', flush=True);"
            "time.sleep(600)",
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        with pytest.raises(AlreadyRunning) as refused:
            ProcessLock.acquire(database)
        assert refused.value.pid == holder.pid
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait()
    lock = ProcessLock.acquire(database)  # nothing stale left behind
    assert lock is not None
    lock.release()


async def _up() -> bool:
    return True


async def test_workers_share_one_port_only_with_reuse_port() -> None:
    first = HttpServer("127.0.0.1", 0, health=_up, reuse_port=True)
    await first.start()
    second = HttpServer("127.0.0.1", first.port, health=_up, reuse_port=True)
    alone = HttpServer("127.0.0.1", first.port, health=_up)
    try:
        await second.start()
        with pytest.raises(OSError):
            await alone.start()
        url = f"http://127.0.0.1:{first.port}/health"
        async with aiohttp.ClientSession() as http, http.get(url) as answer:
            assert answer.status == 200
    finally:
        await alone.stop()
        await second.stop()
        await first.stop()


def test_max_connections_grow_with_the_workers_up_to_telegrams_limit() -> None:
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert [max_connections(settings, n) for n in (1, 2, 3, 8)] == [40, 80, 100, 100]
    chosen = Settings(_env_file=None, webhook_max_connections=12)  # type: ignore[call-arg]
    assert max_connections(chosen, 4) == 12


@pytest.mark.skipif(not _is_pg(), reason="row locks: PostgreSQL (SQLite has one writer)")
async def test_the_outbox_passes_over_a_row_another_worker_is_claiming(
    uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    async with uow_factory() as uow:
        for text in ("first", "second"):
            await enqueue(uow, Notification(7, SellerRemoved(shop=text)), now=clock.now())
        await uow.commit()
    sent: list[str] = []

    async def deliver(notification: Notification, parts: Parts) -> None:
        assert isinstance(notification.notice, SellerRemoved)
        sent.append(notification.notice.shop)

    async with uow_factory() as other:  # another worker, mid-claim on the first row
        first = await other.session.scalar(
            select(OutboxMessage).order_by(OutboxMessage.id).limit(1).with_for_update()
        )
        assert first is not None
        # Without SKIP LOCKED this pass would wait for the other worker's transaction,
        # which only ends after it: the guard below would expire.
        worker = OutboxWorker(uow_factory, clock, deliver)
        assert await asyncio.wait_for(worker.run_once(), timeout=30) == 1
        assert sent == ["second"]
    assert await OutboxWorker(uow_factory, clock, deliver).run_once() == 1
    assert sent == ["second", "first"]  # once each


async def test_bookkeeping_is_pruned_once_past_its_use(
    uow_factory: UnitOfWorkFactory, clock: FakeClock
) -> None:
    async def counts() -> tuple[int, int, int]:
        async with uow_factory(readonly=True) as uow:
            events = await uow.session.scalar(select(func.count()).select_from(InboundEvent))
            proofs = await uow.session.scalar(select(func.count()).select_from(ProofAttempt))
            outbox = await uow.session.scalar(select(func.count()).select_from(OutboxMessage))
        return events or 0, proofs or 0, outbox or 0

    async with uow_factory() as uow:
        user = ChatUser(channel="telegram", external_id=5, first_name="Pat", created_at=clock.now())
        uow.session.add(user)
        await uow.session.flush()
        assert await uow.inbound_events.first_time("aftership", "evt-1", clock.now())
        uow.session.add(ProofAttempt(chat_user_id=user.id, succeeded=False, at=clock.now()))
        for key in ("sent", "pending"):
            await enqueue(
                uow, Notification(5, SellerRemoved(shop="")), now=clock.now(), dedupe_key=key
            )
        await uow.commit()
        await uow.session.execute(
            OutboxMessage.__table__.update()  # type: ignore[attr-defined]
            .where(OutboxMessage.dedupe_key == "sent")
            .values(status=OutboxStatus.SENT)
        )
        await uow.commit()
    inbox = UpdateInbox(uow_factory, clock, "telegram")
    clock.advance(timedelta(hours=23))
    await inbox.prune()
    assert await counts() == (1, 1, 2)  # a failed proof still counts within the day
    clock.advance(timedelta(hours=2))
    await inbox.prune()
    assert await counts() == (1, 0, 2)
    clock.advance(timedelta(days=29))
    await inbox.prune()
    assert await counts() == (0, 0, 2)  # a hook's retries are long over
    clock.advance(timedelta(days=61))
    await inbox.prune()
    assert await counts() == (0, 0, 1)  # the sent notice goes; the one still due stays
