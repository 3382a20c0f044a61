"""Several worker processes for one bot: webhook mode on PostgreSQL.

One process handles a few hundred updates a second at best (Python runs one core);
`run --workers N` (or HTTP_WORKERS) starts N processes that receive Telegram's webhook
together, on one port (`SO_REUSEPORT`: the kernel spreads the connections) or, with
`--port-per-worker`, one port each for a reverse proxy that spreads the requests.

What keeps N processes correct lives elsewhere: an update is stored before it is
acknowledged and recorded as handled with the conversation state (`UpdateInbox`,
`ChatCore`), outbox rows, refunds and deadlines are claimed in the database (`FOR
UPDATE SKIP LOCKED` on PostgreSQL, conditional updates and version columns
everywhere).  This module only starts the processes and gives each its role: worker 0
alone handles what the last run left stored, and tells Telegram where to POST, once
every worker listens, with `max_connections` sized for N workers.

Two things stay one process, and are refused with a message:
* polling: Telegram answers a second `getUpdates` with 409 Conflict, so N pollers
  would only knock each other out;
* SQLite: one writer at a time, queued inside the process (`storage.uow`); a second
  process is also refused at start (`storage.process_lock`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import multiprocessing
import signal
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bot.config import Settings

log = logging.getLogger(__name__)

TELEGRAM_DEFAULT_CONNECTIONS = 40  # what Telegram opens for one server when not told
TELEGRAM_MAX_CONNECTIONS = 100
READY_TIMEOUT = 120.0  # seconds worker 0 waits for the others to listen
STOP_TIMEOUT = 15.0  # seconds the workers get to finish after SIGTERM


@dataclass(frozen=True)
class WorkerRole:
    """Which of the `count` processes this one is."""

    index: int = 0
    count: int = 1
    port_per_worker: bool = False
    # The group's start: worker 0 handles updates stored before it (left by the last
    # run); what came in after it is being handled by whoever received it.
    started_at: datetime | None = None
    ready: Any = None  # a multiprocessing Barrier of `count` parties, or None

    @property
    def leader(self) -> bool:
        return self.index == 0

    @property
    def reuse_port(self) -> bool:
        return self.count > 1 and not self.port_per_worker

    def port(self, base: int) -> int:
        return base + self.index if self.port_per_worker else base

    async def wait_for_all_listening(self) -> bool:
        """Every worker calls this once it listens; True when all did in time."""
        if self.ready is None:
            return True
        try:
            await asyncio.to_thread(self.ready.wait, READY_TIMEOUT)
        except Exception:  # threading.BrokenBarrierError: one did not come up in time
            return False
        return True


SINGLE = WorkerRole()


def max_connections(settings: Settings, workers: int) -> int:
    """Telegram's `max_connections`: WEBHOOK_MAX_CONNECTIONS, else Telegram's default
    for one server (40) for each worker, at most Telegram's 100."""
    if settings.webhook_max_connections is not None:
        return settings.webhook_max_connections
    return min(TELEGRAM_MAX_CONNECTIONS, TELEGRAM_DEFAULT_CONNECTIONS * workers)


def refusal(settings: Settings, workers: int) -> str | None:
    """Why `workers` processes cannot run with these settings, or None."""
    if workers <= 1:
        return None
    if not settings.webhook_url:
        return (
            f"{workers} workers need webhook mode (set WEBHOOK_URL). Long polling runs as "
            "one process: Telegram answers a second getUpdates with 409 Conflict."
        )
    if settings.is_sqlite:
        return (
            f"{workers} workers need PostgreSQL (DATABASE_URL=postgresql+asyncpg://...). "
            "SQLite takes one bot process."
        )
    return None


async def run_workers(settings: Settings, count: int, *, port_per_worker: bool) -> int:
    """Start `count` worker processes and wait.  SIGTERM or SIGINT stops them all; one
    that dies stops the others too (exit status 1), so a supervisor restarts the group
    and worker 0 handles what was left stored."""
    from datetime import UTC

    context = multiprocessing.get_context("spawn")  # a fresh interpreter, no forked loop
    ready = context.Barrier(count)
    started_at = datetime.now(UTC)
    processes = [
        context.Process(
            target=worker_main,
            args=(settings, WorkerRole(i, count, port_per_worker, started_at, ready)),
            name=f"bot-worker-{i}",
        )
        for i in range(count)
    ]
    for process in processes:
        process.start()
    log.info(
        "workers started",
        extra={
            "workers": count,
            "pids": [p.pid for p in processes],
            "port": settings.http_port,
            "port_per_worker": port_per_worker,
        },
    )
    loop = asyncio.get_running_loop()
    stopping = asyncio.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stopping.set)
    from multiprocessing.connection import wait

    sentinels = [p.sentinel for p in processes]
    first_exit: asyncio.Future[Any] = asyncio.ensure_future(asyncio.to_thread(wait, sentinels))
    stop_asked = asyncio.ensure_future(stopping.wait())
    await asyncio.wait({first_exit, stop_asked}, return_when=asyncio.FIRST_COMPLETED)
    failed = not stopping.is_set()
    if failed:
        for index, process in enumerate(processes):
            if process.exitcode is not None:
                log.error(
                    "a worker stopped; stopping the others",
                    extra={"worker": index, "exit_code": process.exitcode},
                )
    stop_asked.cancel()
    for process in processes:
        if process.is_alive():
            process.terminate()  # SIGTERM: the worker stops receiving and finishes
    for process in processes:
        await asyncio.to_thread(process.join, STOP_TIMEOUT)
        if process.is_alive():
            process.kill()
            await asyncio.to_thread(process.join)
    with contextlib.suppress(Exception):
        await first_exit
    return 1 if failed else 0


def worker_main(settings: Settings, role: WorkerRole) -> None:
    """The body of one worker process."""
    from bot.logging import setup_logging

    setup_logging(settings.log_level, settings.log_format)
    for handler in logging.getLogger().handlers:
        handler.addFilter(_TagWorker(role.index))  # every line says which worker wrote it
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve(settings, role))


async def _serve(settings: Settings, role: WorkerRole) -> None:
    from bot.app import App, run_bot

    main = asyncio.current_task()
    assert main is not None

    def stop() -> None:
        # SIGTERM (from the parent, or a supervisor) stops this worker the way Ctrl-C
        # does: receiving stops, updates being handled finish, sent replies are cleared.
        # Once only: Ctrl-C reaches every worker and the parent's SIGTERM follows, and a
        # second cancel would cut that clean stop short.
        if not main.cancelling():
            main.cancel()

    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop)
    app = await App.create(settings)  # the parent migrated: a one-query check here
    try:
        with contextlib.suppress(asyncio.CancelledError):
            await run_bot(app, role)
    finally:
        await app.close()


class _TagWorker(logging.Filter):
    def __init__(self, index: int) -> None:
        super().__init__()
        self.index = index

    def filter(self, record: logging.LogRecord) -> bool:
        record.worker = self.index
        return True
