"""Benchmark: TikTok Shop webhooks, buyer notices and the sync, over real HTTP (not
collected by pytest).

    python tests/bench/marketplace_sync.py          # SQLite: 5,000 orders, 2,000 webhooks...
    python tests/bench/marketplace_sync.py --orders 20000 --webhooks 5000 --concurrency 20
    python tests/bench/marketplace_sync.py --buyers 100 --rounds 4 --in-flight 20
    python tests/bench/marketplace_sync.py --database-url postgresql+asyncpg://postgres@127.0.0.1:5432/test

What is measured
----------------
The production `BotRunner` (aiogram polling, the outbox worker, the shared HTTP server
with TikTok's `POST /hooks/tiktok`, the TikTok connector and its periodic sync) runs
against two local emulators on 127.0.0.1: the Telegram Bot API emulator (`bot.emulator`)
and the TikTok Shop emulator (`bot.emulator.tiktok`), which checks every signature,
token and cipher as TikTok does.  Everything shares one process and one event loop, so
the figures include both emulators' own work.  Three runs, one after the other:

1. sync (`tiktok sync`): M orders (--orders) seeded into the TikTok emulator, then the
   connector's `sync` on the shop, exactly what `python run_bot.py tiktok sync SHOP`
   runs: paged search (50 a page), each page validated and written in one
   transaction.  Timed twice: the first sync (every order new) and a second one (every
   order unchanged, what each periodic pass re-reads within its overlap).  Before the
   bot starts, so nothing else runs meanwhile.
2. webhooks: N signed ORDER_STATUS_CHANGE webhooks (--webhooks) posted to the bot's
   real `/hooks/tiktok`, at most C at a time (--concurrency): half for orders the
   store has (their status moved on in the emulator first), half for new orders (put
   into the emulator first); none of these orders has a linked buyer.  For each, the
   bot checks the signature, fetches the order from the emulator (signed call) and
   writes it.  Figures: webhooks/s (N over the wall time of the run) and the p50/p99
   time to the HTTP answer; every answer must be 200 and every order written.
3. webhook → buyer: B buyers (--buyers), each linked to one synced order and with a
   private chat with the bot, get R status changes each (--rounds: AWAITING_COLLECTION,
   IN_TRANSIT, DELIVERED, ...): the order moves on in the emulator, its webhook is
   posted, and the latency is the time from the POST to the Telegram emulator storing
   the bot's message in that buyer's chat (the connector queues the notice in the
   order's transaction; the outbox worker sends it).  Twice, each time with B other
   buyers: one buyer at a time (the latency of a quiet bot), then at most K buyers
   (--in-flight) waiting for their message at a time.  One watcher, woken by every
   change of the Telegram emulator's state, stamps the messages as they appear.

Setup, not measured: a fresh temporary SQLite database (or, with --database-url, a
scratch PostgreSQL database created next to the one named, e.g.
`marketplace_bench_<pid>_<hex>` beside `test`, and dropped at the end; the named
database itself is never touched), migrated; one shop connected to an emulated TikTok
shop through the real authorisation code exchange; per buyer a chat user and the link
to their order, inserted directly.  After the bot starts, its periodic sync makes its
first pass at once (a re-read like the second sync above); the webhook runs start
after it finished.  Logging is at WARNING.

Output: per run the counts, seconds, rate, latencies and CPU ms per item (the whole
process: bot, both emulators, the load; a CPU share well under 100% of one core with a
high load average means other processes had the CPU), TikTok API calls per item, the
machine's CPU count and load average, and a line for the README.  No figure is
asserted; the exit status is 1 only if something broke (a non-200 answer, an order not
written, a buyer's message not sent within 60 s, a call either emulator refused).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import math
import os
import socket
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import aiohttp
import asyncpg
from pydantic import SecretStr
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from bot.app import App, BotRunner
from bot.channels.telegram import CHANNEL
from bot.clock import SystemClock
from bot.config import Settings
from bot.emulator import TelegramEmulator
from bot.emulator.models import Chat
from bot.emulator.tiktok import TikTokEmulator, tiktok_order
from bot.emulator.tiktok.state import EmShop
from bot.services.links import LinkSigner
from bot.services.orders import OrderService
from storage.db import create_engine, session_factory
from storage.migrate import upgrade
from storage.models import MarketplaceConnection, Order, OrderLink, Shop
from storage.uow import UnitOfWorkFactory, make_uow_factory

TOKEN = "4646464646:marketplace-bench-token"
BOT_USERNAME = "shop_support_bench_bot"
APP_KEY = "6benchkey"
APP_SECRET = "marketplace-bench-app-secret-0123456789"
SHOP_CODE = "bench"
FIRST_USER_ID = 930_000
FIRST_ORDER = 577_000_000_000_000_000
WAIT_SECONDS = 60.0  # a message or a pass later than this is a failure, not a slow figure
ROUND_STATUSES = ("AWAITING_COLLECTION", "IN_TRANSIT", "DELIVERED", "COMPLETED")
CANCELS_SEARCH = "/return_refund/202309/cancellations/search"


@dataclass
class Run:
    """One measured run."""

    name: str
    unit: str
    latencies: list[float] = field(default_factory=list)  # seconds, when per item
    count: int = 0
    seconds: float = 0.0
    cpu_seconds: float = 0.0  # the whole process
    api_calls: int = 0  # TikTok Open API calls during the run
    errors: list[str] = field(default_factory=list)

    @property
    def rate(self) -> float:
        return self.count / self.seconds if self.seconds else 0.0

    @property
    def cpu_share(self) -> float:
        return 100 * self.cpu_seconds / self.seconds if self.seconds else 0.0

    def per_item(self, total: float) -> float:
        return total / self.count if self.count else float("nan")

    def p(self, q: float) -> float:
        """The q-th percentile (nearest rank) in milliseconds."""
        values = sorted(self.latencies)
        if not values:
            return float("nan")
        rank = max(1, min(len(values), math.ceil(q / 100 * len(values))))
        return values[rank - 1] * 1000


@contextlib.contextmanager
def measured(run: Run, tiktok: TikTokEmulator) -> Iterator[None]:
    calls = len(tiktok.state.calls)
    began, cpu = time.perf_counter(), time.process_time()
    try:
        yield
    finally:
        run.seconds = time.perf_counter() - began
        run.cpu_seconds = time.process_time() - cpu
        run.api_calls = len(tiktok.state.calls) - calls


# --------------------------------------------------------------------------- database


@contextlib.asynccontextmanager
async def scratch_database(url: str | None, folder: Path) -> AsyncIterator[str]:
    """A fresh, empty database URL: a SQLite file in `folder`, or a new PostgreSQL
    database next to the one `url` names (as tests/conftest.py does), dropped after."""
    if url is None:
        yield f"sqlite+aiosqlite:///{folder / 'bench.db'}"
        return
    parsed = make_url(url)
    if not parsed.get_backend_name().startswith("postgresql"):
        raise SystemExit(f"--database-url must be a postgresql+asyncpg URL, not {url!r}")
    admin_dsn = parsed.set(drivername="postgresql").render_as_string(hide_password=False)
    name = f"marketplace_bench_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(admin_dsn)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    try:
        yield parsed.set(database=name).render_as_string(hide_password=False)
    finally:
        admin = await asyncpg.connect(admin_dsn)
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await admin.close()


async def prepare_database(url: str) -> int:
    """Migrate; one shop.  Returns its id."""
    engine = create_engine(url)
    try:
        await upgrade(engine)
        uow = make_uow_factory(session_factory(engine))
        async with uow() as write:
            shop = Shop(
                code=SHOP_CODE, name="Bench Store", currency="USD", created_at=SystemClock().now()
            )
            write.session.add(shop)
            await write.flush()
            shop_id = shop.id
            await write.commit()
        return shop_id
    finally:
        await engine.dispose()


async def link_buyers(uow: UnitOfWorkFactory, numbers: list[str]) -> list[int]:
    """A chat user per order (Telegram ids from FIRST_USER_ID), linked to it."""
    clock = SystemClock()
    service = OrderService(uow, clock, LinkSigner(b"marketplace-bench-link-key"))
    identities = [
        await service.identify(CHANNEL, FIRST_USER_ID + n, f"Buyer{n}", None, "en")
        for n in range(len(numbers))
    ]
    async with uow() as write:
        ids = dict(
            (
                await write.session.execute(
                    select(Order.order_number, Order.id).where(Order.order_number.in_(numbers))
                )
            ).all()
        )
        for identity, number in zip(identities, numbers, strict=True):
            write.session.add(
                OrderLink(
                    chat_user_id=identity.id,
                    order_id=ids[number],
                    method="email",
                    created_at=clock.now(),
                )
            )
        await write.commit()
    return [FIRST_USER_ID + n for n in range(len(numbers))]


async def count_orders(uow: UnitOfWorkFactory, numbers: list[str]) -> int:
    found = 0
    async with uow(readonly=True) as read:
        for start in range(0, len(numbers), 500):
            found += (
                await read.session.scalar(
                    select(func.count())
                    .select_from(Order)
                    .where(Order.order_number.in_(numbers[start : start + 500]))
                )
                or 0
            )
    return found


async def synced_until(uow: UnitOfWorkFactory) -> datetime | None:
    async with uow(readonly=True) as read:
        return await read.session.scalar(select(MarketplaceConnection.synced_until))


# ------------------------------------------------------------------------ the load


def number(n: int) -> str:
    return str(FIRST_ORDER + n)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Poster:
    """Signed webhooks to the bot, as TikTok sends them (one keep-alive session)."""

    def __init__(self, tiktok: TikTokEmulator, em_shop: EmShop, url: str) -> None:
        self._tiktok = tiktok
        self._shop = em_shop
        self._url = url
        self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=WAIT_SECONDS))

    async def close(self) -> None:
        await self._session.close()

    async def serving(self) -> bool:
        """Whether the bot's HTTP server answers `GET /health`."""
        try:
            async with self._session.get(self._url.replace("/hooks/tiktok", "/health")) as r:
                return r.status == 200
        except aiohttp.ClientError:
            return False

    async def order_changed(self, order_id: str) -> int:
        body = self._tiktok.webhook_body(
            "ORDER_STATUS_CHANGE", self._shop.id, {"order_id": order_id}
        )
        headers = {"Content-Type": "application/json"}
        headers["Authorization"] = self._tiktok.signature(body)
        async with self._session.post(self._url, data=body, headers=headers) as response:
            await response.read()
            return response.status


async def run_sync(app: App, tiktok: TikTokEmulator, shop_id: int, name: str) -> Run:
    service = app.tiktok()
    assert service is not None
    run = Run(name, "orders")
    with measured(run, tiktok):
        report = await service.connector.sync(shop_id)
    o = report.orders
    run.count = o.created + o.updated + o.unchanged
    print(f"{name}: {report}", flush=True)
    if o.refused:
        run.errors.append(f"{o.refused} orders refused")
    return run


async def run_webhooks(
    poster: Poster,
    tiktok: TikTokEmulator,
    em_shop: EmShop,
    uow: UnitOfWorkFactory,
    args: argparse.Namespace,
) -> Run:
    """N webhooks, half for stored orders (moved on), half for new ones."""
    run = Run("webhooks", "webhooks")
    existing = args.webhooks // 2
    targets: list[str] = []
    for n in range(args.webhooks):
        if n < existing:  # stored by the sync, not linked to a buyer
            order_id = number(2 * args.buyers + n % (args.orders - 2 * args.buyers))
            tiktok.state.put_order(em_shop.id, tiktok_order(order_id, status="AWAITING_COLLECTION"))
        else:
            order_id = number(args.orders + n)
            tiktok.state.put_order(em_shop.id, tiktok_order(order_id))
        targets.append(order_id)
    gate = asyncio.Semaphore(args.concurrency)
    statuses: Counter[int] = Counter()

    async def one(order_id: str) -> None:
        async with gate:
            began = time.perf_counter()
            try:
                status = await poster.order_changed(order_id)
            except (TimeoutError, aiohttp.ClientError) as exc:
                run.errors.append(f"{order_id}: {type(exc).__name__}")
                return
            run.latencies.append(time.perf_counter() - began)
            statuses[status] += 1

    with measured(run, tiktok):
        await asyncio.gather(*(one(order_id) for order_id in targets))
    run.count = len(run.latencies)
    if set(statuses) - {200}:
        run.errors.append(f"answers {dict(statuses)}")
    numbers = sorted(set(targets))
    written = await count_orders(uow, numbers)
    if written != len(numbers):
        run.errors.append(f"{len(numbers) - written} of {len(numbers)} orders not in the store")
    return run


class Arrivals:
    """Stamps the bot's messages as they appear in the watched private chats and wakes
    whoever waits for the next one in that chat (one task, woken by every change of the
    emulator's state: no sleeps, no per-waiter scans)."""

    def __init__(self, emu: TelegramEmulator) -> None:
        self._emu = emu
        self._chats: dict[int, Chat] = {}
        self._next: dict[int, int] = {}
        self._waiting: dict[int, asyncio.Future[float]] = {}
        self._closed = False

    def watch(self, chat: Chat) -> None:
        self._chats[chat.id] = chat
        self._next[chat.id] = chat.next_message_id

    def expect(self, chat_id: int) -> asyncio.Future[float]:
        future: asyncio.Future[float] = asyncio.get_running_loop().create_future()
        self._waiting[chat_id] = future
        return future

    def close(self) -> None:
        self._closed = True
        self._emu.state.notifier.notify()

    def _scan(self) -> bool:
        now = time.perf_counter()
        for chat_id, chat in self._chats.items():
            first = self._next[chat_id]
            if first == chat.next_message_id:
                continue
            for message_id in range(first, chat.next_message_id):
                message = chat.messages.get(message_id)
                if message is None or not message.from_bot:
                    continue
                future = self._waiting.pop(chat_id, None)
                if future is not None and not future.done():
                    future.set_result(now)
            self._next[chat_id] = chat.next_message_id
        return self._closed

    async def run(self) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                await self._emu.wait_until(self._scan, timeout=3600)
                return


async def run_notices(
    poster: Poster,
    tiktok: TikTokEmulator,
    em_shop: EmShop,
    arrivals: Arrivals,
    users: dict[int, int],
    rounds: int,
    in_flight: int,
) -> Run:
    """Each buyer's order (`users`: order index → Telegram id) moves on `rounds` times;
    from each webhook's POST to the buyer's message.  `in_flight` buyers at a time."""
    run = Run(f"to buyer, {in_flight} at once", "messages")
    gate = asyncio.Semaphore(in_flight)

    async def buyer(n: int, user_id: int) -> None:
        order_id = number(n)
        for status in ROUND_STATUSES[:rounds]:
            async with gate:
                tiktok.state.put_order(
                    em_shop.id, tiktok_order(order_id, status=status, tracking_number=f"1Z{n:08d}")
                )
                arrived = arrivals.expect(user_id)
                began = time.perf_counter()
                answer = await poster.order_changed(order_id)
                if answer != 200:
                    run.errors.append(f"buyer {n}: webhook answered {answer}")
                    return
                try:
                    run.latencies.append(await asyncio.wait_for(arrived, WAIT_SECONDS) - began)
                except TimeoutError:
                    run.errors.append(f"buyer {n}: no message for {status}")
                    return

    with measured(run, tiktok):
        await asyncio.gather(*(buyer(n, user_id) for n, user_id in users.items()))
    run.count = len(run.latencies)
    return run


async def wait_for(condition: Callable[[], Awaitable[bool]], what: str) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while not await condition():
        if time.monotonic() > deadline:
            raise SystemExit(f"setup: {what} within {WAIT_SECONDS:.0f} s")
        await asyncio.sleep(0.05)


async def run_all(url: str, shop_id: int, args: argparse.Namespace, media: Path) -> list[Run]:
    clock = SystemClock()
    tiktok = await TikTokEmulator(app_key=APP_KEY, app_secret=APP_SECRET, now=clock.now).start()
    port = free_port()
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        database_url=url,
        media_dir=media,
        bot_username=BOT_USERNAME,
        link_secret=SecretStr("marketplace-bench-link-secret"),
        bot_framework="aiogram",
        http_host="127.0.0.1",
        http_port=port,
        tiktok_app_key=APP_KEY,
        tiktok_app_secret=SecretStr(APP_SECRET),
        tiktok_api_url=tiktok.url,
        tiktok_auth_url=tiktok.url,
        tiktok_authorize_url=tiktok.url + "/open/authorize",
    )
    app = await App.create(settings, migrate=False)
    runs: list[Run] = []
    try:
        em_shop = tiktok.state.add_shop("Bench on TikTok")
        service = app.tiktok()
        assert service is not None
        await service.connector.auth.connect(
            tiktok.state.authorize(em_shop.id), shop_code=SHOP_CODE
        )
        for n in range(args.orders):
            tiktok.state.put_order(em_shop.id, tiktok_order(number(n)))

        runs.append(await run_sync(app, tiktok, shop_id, "sync, all new"))
        print(f"{runs[-1].name}: {runs[-1].count} orders in {runs[-1].seconds:.1f} s", flush=True)
        runs.append(await run_sync(app, tiktok, shop_id, "sync, unchanged"))
        print(f"{runs[-1].name}: {runs[-1].count} orders in {runs[-1].seconds:.1f} s", flush=True)

        # Two groups of buyers: one for each latency run (a status told once is not
        # told again, so each order has its own changes).
        ids = await link_buyers(app.uow, [number(n) for n in range(2 * args.buyers)])
        users = dict(enumerate(ids))
        async with TelegramEmulator(token=TOKEN, bot_username=BOT_USERNAME) as emu:
            arrivals = Arrivals(emu)
            for user_id in ids:
                # As if each buyer had written to the bot before (Telegram refuses a
                # bot's first message otherwise).
                arrivals.watch(emu.state.private_chat(emu.user(user_id, "Buyer").account))
            passes = sum(1 for path, _ in tiktok.state.calls if path == CANCELS_SEARCH)
            before = await synced_until(app.uow)
            runner = await BotRunner.create(app, token=TOKEN, api_url=emu.base_url)
            await runner.start()
            watcher = asyncio.create_task(arrivals.run())
            poster = Poster(tiktok, em_shop, f"http://127.0.0.1:{port}/hooks/tiktok")
            try:
                began = time.perf_counter()

                async def pass_done() -> bool:
                    searched = sum(1 for path, _ in tiktok.state.calls if path == CANCELS_SEARCH)
                    return searched > passes and await synced_until(app.uow) != before

                await wait_for(pass_done, "the bot's first sync pass did not end")

                await wait_for(poster.serving, "the bot's HTTP server did not answer")
                print(
                    f"bot started, first sync pass done: {time.perf_counter() - began:.1f} s",
                    flush=True,
                )
                runs.append(await run_webhooks(poster, tiktok, em_shop, app.uow, args))
                run = runs[-1]
                print(f"{run.name}: {run.count} in {run.seconds:.1f} s", flush=True)
                for group, in_flight in enumerate((1, args.in_flight)):
                    first = group * args.buyers
                    some = {n: users[n] for n in range(first, first + args.buyers)}
                    runs.append(
                        await run_notices(
                            poster, tiktok, em_shop, arrivals, some, args.rounds, in_flight
                        )
                    )
                    run = runs[-1]
                    print(f"{run.name}: {run.count} in {run.seconds:.1f} s", flush=True)
            finally:
                await poster.close()
                arrivals.close()
                await watcher
                await runner.stop()
            if emu.rejections:
                runs[-1].errors.append(f"{len(emu.rejections)} Bot API calls refused")
    finally:
        await app.close()
        await tiktok.stop()
    refused = [code for _, code in tiktok.state.calls if code != 0]
    if refused and runs:
        runs[-1].errors.append(f"TikTok emulator refused {len(refused)} calls: {set(refused)}")
    return runs


# -------------------------------------------------------------------------- report


def report(runs: list[Run], args: argparse.Namespace, backend: str) -> None:
    print()
    print(
        f"{'run':22} {'items':>6} {'seconds':>7} {'per s':>7} {'p50 ms':>7} {'p99 ms':>7}"
        f" {'max ms':>7} {'CPU ms/item':>11} {'CPU %':>5} {'API/item':>8}"
    )
    for run in runs:
        print(
            f"{run.name:22} {run.count:>6} {run.seconds:>7.2f} {run.rate:>7.1f}"
            f" {run.p(50):>7.1f} {run.p(99):>7.1f} {run.p(100):>7.1f}"
            f" {run.per_item(run.cpu_seconds) * 1000:>11.2f} {run.cpu_share:>5.0f}"
            f" {run.per_item(run.api_calls):>8.2f}"
        )
    print()
    print(f"database = {backend}")
    for run in runs:
        key = run.name.replace(", ", "_").replace(" ", "_")
        print(f"{key}.{run.unit} = {run.count}")
        print(f"{key}.per_s = {run.rate:.1f}")
        if run.latencies:
            print(f"{key}.p50_ms = {run.p(50):.1f}")
            print(f"{key}.p99_ms = {run.p(99):.1f}")
        print(f"{key}.cpu_ms_per_item = {run.per_item(run.cpu_seconds) * 1000:.2f}")
        print(f"{key}.errors = {len(run.errors)}")
    print(f"cpus = {os.cpu_count()}")
    print(f"load_average = {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    if len(runs) == 5:
        new, same, hooks, alone, busy = runs
        print()
        print(
            f"README: TikTok Shop on {backend} (real bot, TikTok and Telegram emulators over"
            f" HTTP in one process, {os.cpu_count()} CPUs, load average"
            f" {os.getloadavg()[0]:.1f}): sync of {new.count} orders {new.rate:.0f} orders/s"
            f" new, {same.rate:.0f} orders/s unchanged; {hooks.count} order webhooks,"
            f" {args.concurrency} at a time, {hooks.rate:.0f}/s (answer p50 {hooks.p(50):.0f}"
            f" ms, p99 {hooks.p(99):.0f} ms); webhook → buyer's Telegram message, one at a"
            f" time: p50 {alone.p(50):.0f} ms, p99 {alone.p(99):.0f} ms; {args.in_flight} at a"
            f" time: p50 {busy.p(50):.0f} ms, p99 {busy.p(99):.0f} ms ({busy.count} messages"
            f" each)."
        )


# ---------------------------------------------------------------------------- main


async def bench(args: argparse.Namespace) -> int:
    with tempfile.TemporaryDirectory(prefix="marketplace-bench-") as tmp:
        folder = Path(tmp)
        backend = "PostgreSQL" if args.database_url else "SQLite"
        async with scratch_database(args.database_url, folder) as url:
            shop_id = await prepare_database(url)
            print(
                f"setup: {backend} ({datetime.now(UTC):%Y-%m-%d %H:%M} UTC, Python"
                f" {sys.version.split()[0]}, load average {os.getloadavg()[0]:.1f} on"
                f" {os.cpu_count()} CPUs)",
                flush=True,
            )
            runs = await run_all(url, shop_id, args, folder / "media")
    report(runs, args, backend)
    for run in runs:
        for error in run.errors[:5]:
            print(f"{run.name} error: {error}")
    return 1 if any(run.errors for run in runs) else 0


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--orders", type=int, default=5000, help="orders synced (5000)")
    parser.add_argument("--webhooks", type=int, default=2000, help="order webhooks (2000)")
    parser.add_argument(
        "--concurrency", type=int, default=10, help="webhooks in flight at a time (10)"
    )
    parser.add_argument("--buyers", type=int, default=50, help="buyers linked to orders (50)")
    parser.add_argument(
        "--rounds", type=int, default=3, help=f"status changes per buyer, 1-{len(ROUND_STATUSES)}"
    )
    parser.add_argument(
        "--in-flight", type=int, default=10, help="buyers awaiting their message at a time (10)"
    )
    parser.add_argument(
        "--database-url",
        help="a PostgreSQL URL (postgresql+asyncpg://...): a scratch database is created"
        " next to it and dropped after; default: a temporary SQLite file",
    )
    args = parser.parse_args()
    if min(args.orders, args.webhooks, args.concurrency, args.buyers, args.in_flight) < 1:
        parser.error("counts must be at least 1")
    if not 1 <= args.rounds <= len(ROUND_STATUSES):
        parser.error(f"--rounds must be 1 to {len(ROUND_STATUSES)}")
    if 2 * args.buyers >= args.orders:
        parser.error("--orders must be more than twice --buyers (each buyer has a synced order)")
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    return asyncio.run(bench(args))


if __name__ == "__main__":
    raise SystemExit(main())
