"""Benchmark: the staff relay, both ways, through the real bot stack (not collected by pytest).

    python tests/bench/relay.py                                # SQLite, 100 tickets, 1,000 messages
    python tests/bench/relay.py --messages 300 --tickets 30
    python tests/bench/relay.py --framework ptb                # python-telegram-bot instead
    python tests/bench/relay.py --database-url postgresql+asyncpg://postgres@127.0.0.1:5432/test
    python tests/bench/relay.py --profile                      # + where the time goes

What is measured
----------------
T buyers (--tickets) each have an open ticket whose topic is in the staff forum, and one
staff member works the forum.  Two runs, one after the other:

1. buyer → topic: N text messages (--messages) written by the buyers in their private
   chats with the bot, message i by buyer i mod T; every buyer writes at the same time
   as the others, and keeps at most K of its own messages (--in-flight, default 1) not
   yet relayed: it writes the next one as soon as the copy of an earlier one shows in
   its ticket's topic.  The bot copies each into the topic (copyMessage).
2. topic → buyer: N text messages written by the staff member in the T topics, message
   i in topic i mod T, with the same rule per topic.  The bot sends each to the buyer,
   introduced by the staff member's name ("Anna:\\n...").

The latency of a message is the time from the scripted user's send to the bot's message
carrying it being stored by the emulator; a single watcher wakes on every change of the
emulator's state (no sleeps) and stamps each copy as it appears.  Throughput is N divided
by the time from the first send to the last copy.

Everything goes over HTTP: the production `BotRunner` (aiogram polling, or with
--framework ptb python-telegram-bot, the chat core, the services, the database) long-polls
a local Bot API emulator (`bot.emulator`), exactly as it would api.telegram.org.  Bot,
emulator and scripted users share one process and one event loop, so the figures include
the emulator's own work.

Setup, not measured: a fresh temporary SQLite database (or, with --database-url, a scratch
PostgreSQL database created next to the one named, e.g. `relay_bench_<pid>_<hex>` beside
`test`, and dropped at the end; the named database itself is never touched), migrated;
one shop; per buyer one order, one chat user (`OrderService.identify`) and the link
between them, inserted directly.  Then the bot starts with STAFF_CHAT_ID set to an
emulated forum supergroup (the bot an admin with Manage topics, one staff member), and
every buyer sends /human, 20 at a time: the real flow opens the ticket, creates its topic
and posts the summary.  A warm-up relays one message each way for 10 tickets.  Logging
is at WARNING.

With every ticket writing at once the relay runs saturated, so the latency is mostly
queueing: about tickets x in-flight / throughput (Little's law).  For the latency of a
lightly loaded relay, run fewer tickets (e.g. --tickets 5).

Output: per direction messages, seconds, messages/s, p50/p95/max latency, CPU ms per
message and CPU % of one core (the whole process: a share well under 100 with a high
load average means other processes took the CPU), SQL statements per message (the bot's
engine; on SQLite including BEGINs) and Bot API calls per message (other than
getUpdates); the peak RSS of the process, the machine's CPU count and load average, and
a line for the README.  No figure is asserted; the exit status is 1 only if a message
was not relayed in time or out of order (each buyer's messages must show in the topic
in the order written, and each topic's in the buyer's chat; "out_of_order" counts the
copies that overtook an earlier one), a ticket did not open or the emulator saw a call
Telegram would have refused.  --profile runs cProfile over each measured run (slowing
it down) and prints where the time went.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import cProfile
import io
import logging
import math
import os
import pstats
import re
import resource
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import asyncpg
from pydantic import SecretStr
from sqlalchemy import event, select
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.app import App, BotRunner
from bot.channels.telegram import CHANNEL
from bot.clock import SystemClock
from bot.config import Settings
from bot.domain.enums import OrderStatus, TicketStatus
from bot.emulator import ScriptedUser, TelegramEmulator
from bot.emulator.groups import Supergroup
from bot.emulator.models import Chat
from bot.services.links import LinkSigner
from bot.services.orders import OrderService
from storage.db import create_engine, session_factory
from storage.migrate import upgrade
from storage.models import ChatUser, Order, OrderItem, OrderLink, Payment, Shop, Ticket
from storage.uow import make_uow_factory

TOKEN = "4545454545:relay-bench-token"
BOT_USERNAME = "shop_support_bench_bot"
STAFF_CHAT = -1001000000777
AGENT_ID = 900_001
AGENT_NAME = "Anna"
FIRST_USER_ID = 910_000
WAIT_SECONDS = 120.0  # a message not relayed within this is a failure, not a slow figure
OPEN_AT_ONCE = 20  # buyers sending /human at the same time during the setup
WARMUP_TICKETS = 10
MARKER = re.compile(r"\[m(-?\d+)\]")


@dataclass
class Buyer:
    user_id: int
    first_name: str
    order_number: str
    thread_id: int = 0  # the ticket's topic, once opened


@dataclass
class Run:
    """Latencies and counters of one measured direction."""

    name: str
    latencies: list[float] = field(default_factory=list)  # seconds per relayed message
    seconds: float = 0.0
    cpu_seconds: float = 0.0  # the whole process: bot, emulator, users, driver threads
    statements: int = 0
    calls: Counter[str] = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)
    out_of_order: int = 0  # copies that showed before an earlier message of their lane
    profile: str | None = None

    @property
    def messages(self) -> int:
        return len(self.latencies)

    @property
    def throughput(self) -> float:
        return self.messages / self.seconds if self.seconds else 0.0

    @property
    def cpu_share(self) -> float:
        """The process's CPU time over the wall time, in percent of one core."""
        return 100 * self.cpu_seconds / self.seconds if self.seconds else 0.0

    def per_message(self, total: float) -> float:
        return total / self.messages if self.messages else float("nan")

    def p(self, q: float) -> float:
        """The q-th percentile (nearest rank) in milliseconds."""
        values = sorted(self.latencies)
        if not values:
            return float("nan")
        rank = max(1, min(len(values), math.ceil(q / 100 * len(values))))
        return values[rank - 1] * 1000


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
    name = f"relay_bench_{os.getpid()}_{uuid.uuid4().hex[:8]}"
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


async def prepare_database(url: str, count: int) -> list[Buyer]:
    """Migrate; one shop, and per buyer a chat user, an order and the link between them."""
    engine = create_engine(url)
    try:
        await upgrade(engine)
        uow = make_uow_factory(session_factory(engine))
        clock = SystemClock()
        now = clock.now()
        service = OrderService(uow, clock, LinkSigner(b"relay-bench-link-key"))
        identities = []
        for n in range(count):
            # The same profile the emulator sends (language "en", no username), so
            # identify() finds nothing to refresh during the run.
            identity = await service.identify(CHANNEL, FIRST_USER_ID + n, f"Buyer{n}", None, "en")
            identities.append(identity.id)
        async with uow() as write:
            shop = Shop(code="bench", name="Bench Store", currency="USD", created_at=now)
            write.session.add(shop)
            await write.flush()
            orders = [shipped_order(shop.id, n, now) for n in range(count)]
            write.session.add_all(orders)
            await write.flush()
            for chat_user_id, order in zip(identities, orders, strict=True):
                write.session.add(
                    OrderLink(
                        chat_user_id=chat_user_id, order_id=order.id, method="email", created_at=now
                    )
                )
            buyers = [
                Buyer(FIRST_USER_ID + n, f"Buyer{n}", order.order_number)
                for n, order in enumerate(orders)
            ]
            await write.commit()
        return buyers
    finally:
        await engine.dispose()


def shipped_order(shop_id: int, n: int, now: datetime) -> Order:
    placed = now - timedelta(days=3)
    order = Order(
        shop_id=shop_id,
        order_number=f"578{n:015d}",
        status=OrderStatus.IN_TRANSIT.value,
        buyer_name=f"Bench Buyer {n}",
        buyer_email=f"bench{n}@example.com",
        buyer_phone=f"1555{n:07d}",
        shipping_address=f"{n % 999 + 1} Main St, Springfield, IL 62701, US",
        placed_at=placed,
        paid_at=placed + timedelta(minutes=2),
        updated_at=now,
    )
    order.items.append(
        OrderItem(
            line_no=1, sku="SKU-1", product_name="Ceramic mug", quantity=2, unit_price=Decimal("9")
        )
    )
    order.payment = Payment(
        currency="USD",
        subtotal=Decimal(18),
        shipping_fee=Decimal("4.99"),
        discount=Decimal(0),
        tax=Decimal(0),
        total_paid=Decimal("22.99"),
    )
    return order


async def topics_by_user(engine: AsyncEngine) -> dict[int, int]:
    """Telegram user id → the topic of their open ticket."""
    async with engine.connect() as conn:
        rows = await conn.execute(
            select(ChatUser.external_id, Ticket.topic_id)
            .join(Ticket, Ticket.buyer_id == ChatUser.id)
            .where(Ticket.status == TicketStatus.OPEN, Ticket.topic_id.is_not(None))
        )
        return {int(user): int(topic) for user, topic in rows if topic is not None}


def count_statements(engine: AsyncEngine) -> list[int]:
    """A one-item list that counts every statement the engine sends to the database."""
    counter = [0]

    def count(*_: Any) -> None:
        counter[0] += 1

    event.listen(engine.sync_engine, "before_cursor_execute", count)
    return counter


# ------------------------------------------------------------------------ the watcher


class Arrivals:
    """Stamps each bot message carrying a marker "[mN]" as it appears in the watched
    chats, and resolves the future the sender of message N waits on.

    One task re-scans only the messages added since its last look, whenever the
    emulator's state changes (`wait_until` wakes on every change): cheaper and more
    exact than one waiter per message."""

    def __init__(self, emu: TelegramEmulator) -> None:
        self._emu = emu
        self._chats: dict[int, Chat] = {}
        self._next: dict[int, int] = {}  # chat id → first message id not yet looked at
        self._waiting: dict[int, asyncio.Future[float]] = {}
        self.seen: list[int] = []  # markers awaited, in the order their copies appeared
        self._closed = False

    def watch(self, chat: Chat) -> None:
        self._chats[chat.id] = chat
        self._next.setdefault(chat.id, chat.next_message_id)

    def expect(self, marker: int) -> asyncio.Future[float]:
        future: asyncio.Future[float] = asyncio.get_running_loop().create_future()
        self._waiting[marker] = future
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
                found = MARKER.search(message.data.get("text") or message.data.get("caption", ""))
                if found is None:
                    continue
                future = self._waiting.pop(int(found.group(1)), None)
                if future is not None and not future.done():
                    future.set_result(now)
                    self.seen.append(int(found.group(1)))
            self._next[chat_id] = chat.next_message_id
        return self._closed

    async def run(self) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                await self._emu.wait_until(self._scan, timeout=3600)
                return


# ------------------------------------------------------------------------ the load


Send = Callable[[int, str], Awaitable[None]]  # (lane, text) → the message is sent


async def drive(
    emu: TelegramEmulator,
    arrivals: Arrivals,
    run: Run,
    *,
    lanes: int,
    messages: range,
    in_flight: int,
    send: Send,
) -> None:
    """Messages `messages` (markers), message i on lane i mod `lanes`, all lanes at once,
    at most `in_flight` unrelayed messages per lane; fills `run`."""
    first_call, first_seen = len(emu.bot_calls), len(arrivals.seen)

    async def one(marker: int, lane: int) -> None:
        arrived = arrivals.expect(marker)
        began = time.perf_counter()
        await send(lane, f"Where is my parcel, please? [m{marker}]")
        try:
            run.latencies.append(await asyncio.wait_for(arrived, WAIT_SECONDS) - began)
        except TimeoutError:
            run.errors.append(f"message {marker} on lane {lane}: not relayed")

    async def lane_of(lane: int) -> None:
        gate = asyncio.Semaphore(in_flight)
        pending = []
        for marker in messages[lane::lanes]:
            await gate.acquire()
            task = asyncio.create_task(one(marker, lane))
            task.add_done_callback(lambda _t: gate.release())
            pending.append(task)
        await asyncio.gather(*pending)

    began, cpu = time.perf_counter(), time.process_time()
    await asyncio.gather(*(lane_of(lane) for lane in range(lanes)))
    run.seconds = time.perf_counter() - began
    run.cpu_seconds = time.process_time() - cpu
    run.calls.update(call.method for call in emu.bot_calls[first_call:])
    # Each lane is one conversation: its copies must show in the order they were written.
    latest: dict[int, int] = {}
    for marker in arrivals.seen[first_seen:]:
        lane = (marker - messages.start) % lanes
        if marker < latest.get(lane, marker):
            run.out_of_order += 1
        latest[lane] = max(marker, latest.get(lane, marker))


async def open_tickets(buyers: list[Buyer], users: dict[int, ScriptedUser]) -> list[str]:
    """Every buyer sends /human and waits for the bot's answer; returns the failures."""
    gate = asyncio.Semaphore(OPEN_AT_ONCE)
    failures: list[str] = []

    async def one(buyer: Buyer) -> None:
        async with gate:
            user = users[buyer.user_id]
            await user.send("/human")
            try:
                told = await user.wait_message(WAIT_SECONDS)
            except TimeoutError as exc:
                failures.append(f"{buyer.first_name}: /human unanswered: {exc}")
                return
            if "passed our conversation to a person" not in told.get("text", ""):
                failures.append(f"{buyer.first_name}: /human answered {told.get('text')!r:.80}")

    await asyncio.gather(*(one(b) for b in buyers))
    return failures


async def measure(
    emu: TelegramEmulator,
    arrivals: Arrivals,
    run: Run,
    statements: list[int],
    profile: bool,
    **load: Any,
) -> None:
    profiler = cProfile.Profile() if profile else None
    statements[0] = 0
    if profiler is not None:
        profiler.enable()
    await drive(emu, arrivals, run, **load)
    if profiler is not None:
        profiler.disable()
        run.profile = format_profile(profiler)
    run.statements = statements[0]


async def run_bot(
    url: str, buyers: list[Buyer], args: argparse.Namespace, media: Path
) -> tuple[Run, Run, list[str], int]:
    """Open the tickets, warm up, then measure both directions.  Returns the two runs,
    the setup failures and the emulator's rejections."""
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        database_url=url,
        media_dir=media,
        bot_username=BOT_USERNAME,
        link_secret=SecretStr("relay-bench-link-secret"),
        bot_framework=args.framework,
        staff_chat_id=STAFF_CHAT,
    )
    app = await App.create(settings, migrate=False)
    statements = count_statements(app.engine)
    inbound, outbound = Run("buyer→topic"), Run("topic→buyer")
    failures: list[str] = []
    try:
        async with TelegramEmulator(token=TOKEN, bot_username=BOT_USERNAME) as emu:
            desk: Supergroup = emu.supergroup(
                STAFF_CHAT,
                "Support",
                forum=True,
                members={AGENT_ID: "administrator"},
                bot_can_manage_topics=True,
            )
            agent = emu.user(AGENT_ID, AGENT_NAME)
            users = {b.user_id: emu.user(b.user_id, b.first_name) for b in buyers}
            runner = await BotRunner.create(
                app, token=TOKEN, api_url=emu.base_url, framework=args.framework
            )
            await runner.start()
            arrivals = Arrivals(emu)
            watcher: asyncio.Task[None] | None = None
            try:
                began = time.perf_counter()
                failures += await open_tickets(buyers, users)
                topics = await topics_by_user(app.engine)
                for buyer in buyers:
                    thread = topics.get(buyer.user_id)
                    if thread is None or thread not in desk.topics:
                        failures.append(f"{buyer.first_name}: no ticket topic")
                    else:
                        buyer.thread_id = thread
                print(
                    f"tickets: {len(topics)} opened with /human, each with its topic,"
                    f" {time.perf_counter() - began:.1f} s",
                    flush=True,
                )
                if failures:
                    return inbound, outbound, failures, len(emu.rejections)

                arrivals.watch(desk.chat)
                for user in users.values():
                    chat = user.private_chat
                    assert chat is not None  # they wrote /human
                    arrivals.watch(chat)
                watcher = asyncio.create_task(arrivals.run())

                async def from_buyer(lane: int, text: str) -> None:
                    await users[buyers[lane].user_id].send(text)

                async def from_staff(lane: int, text: str) -> None:
                    await agent.send(text, chat=desk, thread_id=buyers[lane].thread_id)

                warm = min(WARMUP_TICKETS, len(buyers))
                for name, send, markers in (
                    ("warm-up in", from_buyer, range(-2 * warm, -warm)),
                    ("warm-up out", from_staff, range(-warm, 0)),
                ):
                    warm_run = Run(name)
                    await drive(
                        emu,
                        arrivals,
                        warm_run,
                        lanes=warm,
                        messages=markers,
                        in_flight=1,
                        send=send,
                    )
                    failures += [f"{name}: {e}" for e in warm_run.errors]
                    if warm_run.out_of_order:
                        failures.append(f"{name}: {warm_run.out_of_order} copies out of order")

                load = {"lanes": len(buyers), "in_flight": args.in_flight}
                await measure(
                    emu,
                    arrivals,
                    inbound,
                    statements,
                    args.profile,
                    messages=range(1, args.messages + 1),
                    send=from_buyer,
                    **load,
                )
                print(f"{inbound.name}: {inbound.messages} in {inbound.seconds:.1f} s", flush=True)
                await measure(
                    emu,
                    arrivals,
                    outbound,
                    statements,
                    args.profile,
                    messages=range(args.messages + 1, 2 * args.messages + 1),
                    send=from_staff,
                    **load,
                )
                print(
                    f"{outbound.name}: {outbound.messages} in {outbound.seconds:.1f} s", flush=True
                )
            finally:
                if watcher is not None:
                    arrivals.close()
                    await watcher
                await runner.stop()
            return inbound, outbound, failures, len(emu.rejections)
    finally:
        await app.close()


def format_profile(profiler: cProfile.Profile) -> str:
    """Own (exclusive) time by package, then the top functions.  Cumulative times are
    left out: cProfile attributes a coroutine's suspended time to its callers."""
    stats = pstats.Stats(profiler)
    by_package: Counter[str] = Counter()
    raw: dict[tuple[str, int, str], tuple[Any, ...]] = stats.stats  # type: ignore[attr-defined]
    root = str(Path(__file__).resolve().parents[2]) + "/"
    for (filename, _line, _name), (_cc, _nc, own, *_rest) in raw.items():
        if "site-packages/" in filename:
            package = filename.split("site-packages/", 1)[1].split("/", 1)[0]
        elif filename.startswith(root):
            parts = filename[len(root) :].split("/")
            package = "/".join(parts[:2]) if parts[0] == "bot" else parts[0]
        elif filename == "~":
            package = "(C functions)"
        else:
            package = "stdlib " + Path(filename).name
        by_package[package] += own
    total = sum(by_package.values()) or 1.0
    lines = [f"own time by package (of {total:.1f} s profiled):"]
    lines += [
        f"  {seconds:7.2f} s {100 * seconds / total:5.1f}%  {package}"
        for package, seconds in by_package.most_common(15)
    ]
    out = io.StringIO()
    stats.stream = out  # type: ignore[attr-defined]
    stats.sort_stats("tottime").print_stats(20)
    return "\n".join(lines) + "\n" + out.getvalue()


# -------------------------------------------------------------------------- report


def peak_rss_mib() -> float:
    # ru_maxrss is in KiB on Linux (bytes on macOS).
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def report(runs: tuple[Run, Run], args: argparse.Namespace, backend: str, tickets: int) -> None:
    print()
    print(
        f"{'direction':12} {'messages':>8} {'seconds':>7} {'msgs/s':>7} {'p50 ms':>7}"
        f" {'p95 ms':>7} {'max ms':>7} {'CPU ms/msg':>10} {'CPU %':>5} {'SQL/msg':>7}"
        f" {'API/msg':>7}"
    )
    for run in runs:
        calls = sum(n for m, n in run.calls.items() if m != "getUpdates")
        print(
            f"{run.name:12} {run.messages:>8} {run.seconds:>7.2f} {run.throughput:>7.1f}"
            f" {run.p(50):>7.1f} {run.p(95):>7.1f} {run.p(100):>7.1f}"
            f" {run.per_message(run.cpu_seconds) * 1000:>10.2f} {run.cpu_share:>5.0f}"
            f" {run.per_message(run.statements):>7.1f} {run.per_message(calls):>7.2f}"
        )
    print()
    print(f"database = {backend}")
    print(f"framework = {args.framework}")
    print(f"tickets = {tickets}")
    print(f"messages_per_direction = {args.messages}")
    print(f"in_flight_per_ticket = {args.in_flight}")
    for run, key in zip(runs, ("to_topic", "to_buyer"), strict=True):
        print(f"{key}.messages = {run.messages}")
        print(f"{key}.seconds = {run.seconds:.2f}")
        print(f"{key}.msgs_per_s = {run.throughput:.1f}")
        print(f"{key}.p50_ms = {run.p(50):.1f}")
        print(f"{key}.p95_ms = {run.p(95):.1f}")
        print(f"{key}.max_ms = {run.p(100):.1f}")
        print(f"{key}.cpu_ms_per_msg = {run.per_message(run.cpu_seconds) * 1000:.2f}")
        print(f"{key}.cpu_percent = {run.cpu_share:.0f}")
        print(f"{key}.sql_per_msg = {run.per_message(run.statements):.1f}")
        print(f"{key}.api_calls = {dict(sorted(run.calls.items()))}")
        print(f"{key}.out_of_order = {run.out_of_order}")
        print(f"{key}.errors = {len(run.errors)}")
    print(f"peak_rss_mib = {peak_rss_mib():.0f}")
    print(f"cpus = {os.cpu_count()}")
    print(f"load_average = {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    into, back = runs
    print()
    print(
        f"README: staff relay on {backend}, {args.framework} ({tickets} open tickets in forum"
        f" topics, one staff member, {args.messages} text messages each way, every ticket at"
        f" once with {args.in_flight} message(s) in flight each, real bot over HTTP to the"
        f" local emulator in the same process, {os.cpu_count()} CPUs): buyer → topic"
        f" {into.throughput:.0f} msgs/s, p50 {into.p(50):.0f} ms, p95 {into.p(95):.0f} ms;"
        f" topic → buyer {back.throughput:.0f} msgs/s, p50 {back.p(50):.0f} ms, p95"
        f" {back.p(95):.0f} ms; peak RSS {peak_rss_mib():.0f} MiB."
    )


# ---------------------------------------------------------------------------- main


async def bench(args: argparse.Namespace) -> int:
    with tempfile.TemporaryDirectory(prefix="relay-bench-") as tmp:
        folder = Path(tmp)
        backend = "PostgreSQL" if args.database_url else "SQLite"
        async with scratch_database(args.database_url, folder) as url:
            began = time.perf_counter()
            buyers = await prepare_database(url, args.tickets)
            print(
                f"setup: {backend}, {args.framework}, {len(buyers)} buyers with a linked order"
                f" each, {time.perf_counter() - began:.1f} s ({datetime.now(UTC):%Y-%m-%d %H:%M}"
                f" UTC, Python {sys.version.split()[0]}, load average {os.getloadavg()[0]:.1f}"
                f" on {os.cpu_count()} CPUs)",
                flush=True,
            )
            inbound, outbound, failures, rejections = await run_bot(
                url, buyers, args, folder / "media"
            )
    runs = (inbound, outbound)
    if not failures:
        report(runs, args, backend, len(buyers))
    print(f"rejections = {rejections}")
    for failure in failures[:10]:
        print(f"setup failure: {failure}")
    for run in runs:
        for error in run.errors[:5]:
            print(f"{run.name} error: {error}")
    for run in runs:
        if run.profile:
            print(f"\ncProfile of {run.name} (whole event loop):")
            print(run.profile)
    broken = any(run.errors or run.out_of_order for run in runs)
    return 1 if failures or rejections or broken else 0


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--tickets", type=int, default=100, help="buyers with a ticket (100)")
    parser.add_argument(
        "--messages", type=int, default=1000, help="messages in each direction (1000)"
    )
    parser.add_argument(
        "--in-flight", type=int, default=1, help="unrelayed messages per ticket at a time (1)"
    )
    parser.add_argument("--framework", choices=("aiogram", "ptb"), default="aiogram")
    parser.add_argument(
        "--database-url",
        help="a PostgreSQL URL (postgresql+asyncpg://...): a scratch database is created"
        " next to it and dropped after; default: a temporary SQLite file",
    )
    parser.add_argument(
        "--profile", action="store_true", help="cProfile each measured run and print it"
    )
    args = parser.parse_args()
    if min(args.tickets, args.messages, args.in_flight) < 1:
        parser.error("--tickets, --messages and --in-flight must be at least 1")
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    return asyncio.run(bench(args))


if __name__ == "__main__":
    raise SystemExit(main())
