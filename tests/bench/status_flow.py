"""Benchmark: the buyer status flow through the real aiogram stack (not collected by pytest).

    python tests/bench/status_flow.py                          # SQLite, 200 buyers x 5 rounds
    python tests/bench/status_flow.py --buyers 50 --rounds 2 --concurrency 10
    python tests/bench/status_flow.py --pg postgresql+asyncpg://postgres@127.0.0.1:5432/bench
    python tests/bench/status_flow.py --profile                # + where our bot's time goes

What is measured
----------------
N buyers (--buyers), each linked to one demo order beforehand, ask for their order card
R times (--rounds), at most C buyers at a time (--concurrency).  One round is two
updates: "/orders" (the bot answers with the orders list) and a press on the order's
button (the bot answers with the order card, then answers the callback query).  The
latency of an update is the time from the scripted user's send/press to the bot's reply
message being stored by the emulator (`wait_message`); throughput is all updates of the
run divided by its wall time.

Everything goes over HTTP: the production `BotRunner` (aiogram polling, the chat core,
the services, the database) long-polls a local Bot API emulator (`bot.emulator`), exactly
as it would api.telegram.org.  Bot, emulator and scripted users share one process and one
event loop, so the figures include the emulator's own work; compare them with the
baseline, not with Telegram's limits.

Baseline, in the same run and with the same load: a minimal aiogram bot (a Dispatcher
with one message handler and one callback handler) against a second emulator, answering
each update with ONE query on the same database (the order by number, or by id for the
button) through a plain SQLAlchemy engine, and one sendMessage (plus answerCallbackQuery
for a press, which any bot must send).  The ratio shows what our layers (idempotency
record, conversation state, user refresh, ownership check, full order load, rendering,
"typing..." timer) cost over the bare minimum.

Setup, not measured: a fresh temporary SQLite database (or, with --pg, the PostgreSQL
database whose schema `public` is DROPPED and recreated: point it at a scratch
database), migrated, demo data loaded, one chat user per buyer (`OrderService.identify`)
and one order link each (inserted directly), and a short warm-up round for each bot.
Logging is at WARNING (as the bot's per-update INFO lines would otherwise be part of
the measurement).

Output: a table and one `name = value` line per figure for each bot, the ratios, and a
line for the README.  "CPU ms/upd" is the process's CPU time (bot, emulator, users and
database threads alike) per update, "SQL/upd" the statements the bot's engine executed
(transaction control left out: BEGIN, COMMIT, ROLLBACK, SAVEPOINT, RELEASE, PRAGMA;
each kind is listed per update), "API/upd" the Bot API calls other than getUpdates.
No figure is asserted; the exit status is 1 only if a flow broke (no reply in time, a
wrong card) or the emulator saw a call Telegram would have refused.  --profile runs
cProfile over our bot's measured run (slowing it down) and prints where the time went.
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
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from aiogram import Bot, Dispatcher, F, Router
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.filters import Command
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from pydantic import SecretStr
from sqlalchemy import event, select, text
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine

from bot.app import App, BotRunner
from bot.channels.telegram import CHANNEL
from bot.clock import SystemClock
from bot.config import Settings
from bot.emulator import ScriptedUser, TelegramEmulator
from bot.services.demo import load_demo_data
from bot.services.links import LinkSigner
from bot.services.orders import OrderService
from storage.db import create_engine, session_factory
from storage.migrate import upgrade
from storage.models import Order, OrderLink
from storage.uow import make_uow_factory

TOKEN = "4242424242:status-flow-bench-token"
BASELINE_TOKEN = "4343434343:status-flow-baseline-token"
BOT_USERNAME = "shop_support_bench_bot"
FIRST_USER_ID = 700_000
WAIT_SECONDS = 120.0  # a reply later than this is a failure, not a slow figure
WARMUP_BUYERS = 10


@dataclass(frozen=True, slots=True)
class Buyer:
    user_id: int
    first_name: str
    order_id: int
    order_number: str


@dataclass
class Run:
    """Latencies and counters of one measured run."""

    name: str
    latencies: dict[str, list[float]] = field(default_factory=lambda: {"list": [], "card": []})
    seconds: float = 0.0
    cpu_seconds: float = 0.0  # the whole process: bot, emulator, users, driver threads
    errors: list[str] = field(default_factory=list)
    calls: Counter[str] = field(default_factory=Counter)
    statements: int = 0  # SQL statements the bot's engine executed (see `CONTROL`)
    kinds: Counter[str] = field(default_factory=Counter)  # the same, by kind
    rejections: int = 0

    @property
    def all_latencies(self) -> list[float]:
        return self.latencies["list"] + self.latencies["card"]

    @property
    def updates(self) -> int:
        return len(self.all_latencies)

    @property
    def throughput(self) -> float:
        return self.updates / self.seconds if self.seconds else 0.0

    def per_update(self, total: float) -> float:
        return total / self.updates if self.updates else float("nan")

    def p(self, q: float, kind: str | None = None) -> float:
        """The q-th percentile (nearest rank) in milliseconds."""
        values = sorted(self.all_latencies if kind is None else self.latencies[kind])
        if not values:
            return float("nan")
        rank = max(1, min(len(values), math.ceil(q / 100 * len(values))))
        return values[rank - 1] * 1000


# --------------------------------------------------------------------------- setup


async def prepare_database(url: str, buyers: int) -> list[Buyer]:
    """Migrate a fresh database, load the demo data, register and link the buyers."""
    engine = create_engine(url)
    try:
        if not url.startswith("sqlite"):
            async with engine.begin() as conn:
                await conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
                await conn.execute(text("CREATE SCHEMA public"))
        await upgrade(engine)
        uow = make_uow_factory(session_factory(engine))
        clock = SystemClock()
        await load_demo_data(uow, clock, count=max(240, buyers))
        async with uow(readonly=True) as read:
            rows = (
                await read.session.execute(
                    select(Order.id, Order.order_number).order_by(Order.id).limit(buyers)
                )
            ).all()
        if len(rows) < buyers:
            raise SystemExit(f"only {len(rows)} demo orders for {buyers} buyers")
        service = OrderService(uow, clock, LinkSigner(b"status-flow-bench"))
        result: list[Buyer] = []
        now = clock.now()
        identities = []
        for n, (order_id, number) in enumerate(rows):
            user_id, name = FIRST_USER_ID + n, f"Buyer{n}"
            # The same profile the emulator sends (language "en", no username), so
            # identify() finds nothing to refresh during the run.
            identities.append(await service.identify(CHANNEL, user_id, name, None, "en"))
            result.append(Buyer(user_id, name, order_id, number))
        async with uow() as write:  # one transaction for the links (identify commits its own)
            for identity, (order_id, _number) in zip(identities, rows, strict=True):
                write.session.add(
                    OrderLink(
                        chat_user_id=identity.id, order_id=order_id, method="email", created_at=now
                    )
                )
            await write.commit()
        return result
    finally:
        await engine.dispose()


# ------------------------------------------------------------------------ the load


def first_button(message: dict[str, Any]) -> str:
    rows = (message.get("reply_markup") or {}).get("inline_keyboard") or [[]]
    if not rows or not rows[0] or "callback_data" not in rows[0][0]:
        raise RuntimeError(f"no order button in {message.get('text', '')[:80]!r}")
    return str(rows[0][0]["callback_data"])


async def status_flow(user: ScriptedUser, buyer: Buyer, run: Run, rounds: int) -> None:
    """R rounds of "/orders" → press the order → the card."""
    for _ in range(rounds):
        began = time.perf_counter()
        await user.send("/orders")
        listing = await user.wait_message(WAIT_SECONDS)
        run.latencies["list"].append(time.perf_counter() - began)
        data = first_button(listing)

        began = time.perf_counter()
        await user.press(callback_data=data)
        card = await user.wait_message(WAIT_SECONDS)
        run.latencies["card"].append(time.perf_counter() - began)
        await user.wait_callback_answer(WAIT_SECONDS)  # the update is fully handled
        if f"Order {buyer.order_number}" not in card.get("text", ""):
            run.errors.append(f"{buyer.first_name}: unexpected card {card.get('text', '')[:60]!r}")


async def drive(
    emu: TelegramEmulator, buyers: list[Buyer], run: Run, rounds: int, concurrency: int
) -> None:
    """All buyers, at most `concurrency` at a time; fills `run`."""
    gate = asyncio.Semaphore(concurrency)
    users = [emu.user(b.user_id, b.first_name) for b in buyers]
    first_call = len(emu.bot_calls)

    async def one(user: ScriptedUser, buyer: Buyer) -> None:
        async with gate:
            try:
                await status_flow(user, buyer, run, rounds)
            except Exception as exc:  # a broken flow is reported, not a crash of the run
                run.errors.append(f"{buyer.first_name}: {type(exc).__name__}: {exc}"[:200])

    began, cpu = time.perf_counter(), time.process_time()
    await asyncio.gather(*(one(u, b) for u, b in zip(users, buyers, strict=True)))
    run.seconds = time.perf_counter() - began
    run.cpu_seconds = time.process_time() - cpu
    run.calls.update(call.method for call in emu.bot_calls[first_call:])


# Transaction control is not work the bot asked for: SQLite's driver sends BEGIN as a
# statement while asyncpg's does not, so counting it would make the backends incomparable.
CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE", "PRAGMA")


@dataclass
class Statements:
    """Statements the engine sent, transaction control left out, by kind (the first
    words of the SQL and its table) so the profile says which ones an update costs."""

    count: int = 0
    kinds: Counter[str] = field(default_factory=Counter)

    def reset(self) -> None:
        self.count = 0
        self.kinds.clear()


def statement_kind(sql: str) -> str:
    words = sql.split()
    verb = words[0].upper() if words else ""
    upper = [w.upper() for w in words]
    for keyword in ("FROM", "INTO", "UPDATE"):
        if keyword in upper[:-1] and (keyword != "UPDATE" or verb == "UPDATE"):
            table = words[upper.index(keyword) + 1].strip('"(')
            return f"{verb} {table}"
    return verb if verb != "SELECT" else " ".join(words[:3])


def count_statements(engine: AsyncEngine) -> Statements:
    """Counts the statements the engine sends to the database (see `CONTROL`)."""
    seen = Statements()

    def count(_conn: Any, _cursor: Any, sql: str, *_: Any) -> None:
        if sql.lstrip().upper().startswith(CONTROL):
            return
        seen.count += 1
        seen.kinds[statement_kind(sql)] += 1

    event.listen(engine.sync_engine, "before_cursor_execute", count)
    return seen


# ------------------------------------------------------------------------- our bot


async def run_ours(
    url: str, buyers: list[Buyer], args: argparse.Namespace, media: Path
) -> tuple[Run, str | None]:
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        database_url=url,
        media_dir=media,
        bot_username=BOT_USERNAME,
        link_secret=SecretStr("status-flow-bench-link-secret"),
        bot_framework="aiogram",
    )
    app = await App.create(settings, migrate=False)
    statements = count_statements(app.engine)
    run = Run("ours")
    profile_text: str | None = None
    try:
        async with TelegramEmulator(token=TOKEN, bot_username=BOT_USERNAME) as emu:
            runner = await BotRunner.create(app, token=TOKEN, api_url=emu.base_url)
            await runner.start()
            try:
                await drive(emu, buyers[:WARMUP_BUYERS], Run("warm-up"), 1, args.concurrency)
                profiler = cProfile.Profile() if args.profile else None
                if profiler is not None:
                    profiler.enable()
                statements.reset()
                await drive(emu, buyers, run, args.rounds, args.concurrency)
                run.statements, run.kinds = statements.count, Counter(statements.kinds)
                if profiler is not None:
                    profiler.disable()
                    profile_text = format_profile(profiler)
                    if args.profile_out:
                        profiler.dump_stats(args.profile_out)
            finally:
                await runner.stop()
            run.rejections = len(emu.rejections)
    finally:
        await app.close()
    return run, profile_text


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
            if "/pydantic/_internal/" in filename and "_validators" not in filename:
                package = "pydantic (building models)"
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


# ------------------------------------------------------------------------ baseline


def baseline_router(engine: AsyncEngine, numbers: dict[int, str]) -> Router:
    """One query and one sendMessage per update (plus the callback answer)."""
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    router = Router(name="baseline")

    @router.message(Command("orders"))
    async def orders(message: Message) -> None:
        assert message.from_user is not None
        number = numbers[message.from_user.id]
        async with sessions() as session:
            order = await session.scalar(select(Order).where(Order.order_number == number).limit(1))
        if order is None:
            await message.answer("No orders.")
            return
        button = InlineKeyboardButton(
            text=f"{order.order_number} · {order.status}", callback_data=f"o:{order.id}"
        )
        await message.answer(
            "Your orders:", reply_markup=InlineKeyboardMarkup(inline_keyboard=[[button]])
        )

    @router.callback_query(F.data.startswith("o:"))
    async def card(query: CallbackQuery) -> None:
        async with sessions() as session:
            order = await session.get(Order, int((query.data or "o:0")[2:]))
        if order is not None and isinstance(query.message, Message):
            await query.message.answer(
                f"Order {order.order_number}\nStatus: {order.status}\n"
                f"Placed: {order.placed_at:%b %d, %H:%M}"
            )
        await query.answer()

    return router


async def run_baseline(url: str, buyers: list[Buyer], args: argparse.Namespace) -> Run:
    engine = create_async_engine(url)  # plain SQLAlchemy: no pragmas, no pre-ping
    statements = count_statements(engine)
    run = Run("baseline")
    try:
        async with TelegramEmulator(token=BASELINE_TOKEN, bot_username=BOT_USERNAME) as emu:
            bot = Bot(
                BASELINE_TOKEN,
                session=AiohttpSession(api=TelegramAPIServer.from_base(emu.base_url)),
            )
            dispatcher = Dispatcher()
            dispatcher.include_router(
                baseline_router(engine, {b.user_id: b.order_number for b in buyers})
            )
            polling = asyncio.create_task(
                dispatcher.start_polling(
                    bot,
                    handle_signals=False,
                    close_bot_session=False,
                    allowed_updates=["message", "callback_query"],
                    polling_timeout=10,
                )
            )
            try:
                await drive(emu, buyers[:WARMUP_BUYERS], Run("warm-up"), 1, args.concurrency)
                statements.reset()
                await drive(emu, buyers, run, args.rounds, args.concurrency)
                run.statements, run.kinds = statements.count, Counter(statements.kinds)
            finally:
                with contextlib.suppress(RuntimeError):  # polling never started
                    await dispatcher.stop_polling()
                polling.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await polling
                await bot.session.close()
            run.rejections = len(emu.rejections)
    finally:
        await engine.dispose()
    return run


# -------------------------------------------------------------------------- report


def report(ours: Run, base: Run, args: argparse.Namespace, backend: str) -> None:
    print()
    print(
        f"{'bot':9} {'updates':>7} {'seconds':>7} {'updates/s':>9} {'p50 ms':>7} {'p99 ms':>7}"
        f" {'max ms':>7} {'list p50':>8} {'card p50':>8} {'CPU ms/upd':>10} {'SQL/upd':>7}"
        f" {'API/upd':>7}"
    )
    for run in (ours, base):
        calls = sum(n for m, n in run.calls.items() if m != "getUpdates")
        print(
            f"{run.name:9} {run.updates:>7} {run.seconds:>7.2f} {run.throughput:>9.1f}"
            f" {run.p(50):>7.1f} {run.p(99):>7.1f} {run.p(100):>7.1f}"
            f" {run.p(50, 'list'):>8.1f} {run.p(50, 'card'):>8.1f}"
            f" {run.per_update(run.cpu_seconds) * 1000:>10.2f}"
            f" {run.per_update(run.statements):>7.1f} {run.per_update(calls):>7.2f}"
        )
    print()
    for run in (ours, base):
        print(f"{run.name}.updates = {run.updates}")
        print(f"{run.name}.seconds = {run.seconds:.2f}")
        print(f"{run.name}.updates_per_s = {run.throughput:.1f}")
        print(f"{run.name}.p50_ms = {run.p(50):.1f}")
        print(f"{run.name}.p99_ms = {run.p(99):.1f}")
        print(f"{run.name}.max_ms = {run.p(100):.1f}")
        print(f"{run.name}.list_p50_ms = {run.p(50, 'list'):.1f}")
        print(f"{run.name}.card_p50_ms = {run.p(50, 'card'):.1f}")
        print(f"{run.name}.cpu_ms_per_update = {run.per_update(run.cpu_seconds) * 1000:.2f}")
        print(f"{run.name}.sql_per_update = {run.per_update(run.statements):.1f}")
        for kind, n in run.kinds.most_common():
            print(f"{run.name}.sql[{kind}] = {run.per_update(n):.2f} per update")
        print(f"{run.name}.api_calls = {dict(sorted(run.calls.items()))}")
        print(f"{run.name}.rejections = {run.rejections}")
        print(f"{run.name}.errors = {len(run.errors)}")
    throughput_ratio = ours.throughput / base.throughput if base.throughput else float("nan")
    p50_ratio = ours.p(50) / base.p(50)
    p99_ratio = ours.p(99) / base.p(99)
    print(f"ratio.throughput (ours/baseline) = {throughput_ratio:.2f}")
    sql_ratio = ours.per_update(ours.statements) / base.per_update(base.statements)
    print(f"ratio.sql_per_update (ours/baseline) = {sql_ratio:.1f}")
    print(f"ratio.p50_latency (ours/baseline) = {p50_ratio:.2f}")
    print(f"ratio.p99_latency (ours/baseline) = {p99_ratio:.2f}")
    print()
    print(
        f"README: buyer status flow on {backend} ({args.buyers} buyers x {args.rounds} rounds"
        f" of /orders + open card, {args.concurrency} at a time, real aiogram over HTTP to the"
        f" local emulator in the same process, {os.cpu_count()} CPUs): {ours.throughput:.0f}"
        f" updates/s, p50 {ours.p(50):.0f} ms, p99 {ours.p(99):.0f} ms,"
        f" {ours.per_update(ours.cpu_seconds) * 1000:.0f} ms CPU and"
        f" {ours.per_update(ours.statements):.1f} SQL statements per update; a minimal aiogram"
        f" bot doing one query per update under the same load: {base.throughput:.0f} updates/s,"
        f" p50 {base.p(50):.0f} ms, p99 {base.p(99):.0f} ms,"
        f" {base.per_update(base.cpu_seconds) * 1000:.1f} ms CPU per update (ours:"
        f" {throughput_ratio:.2f}x its throughput, {p50_ratio:.1f}x its p50 latency)."
    )


# ---------------------------------------------------------------------------- main


async def bench(args: argparse.Namespace) -> int:
    with tempfile.TemporaryDirectory(prefix="status-flow-bench-") as tmp:
        folder = Path(tmp)
        url = args.pg or f"sqlite+aiosqlite:///{folder / 'bench.db'}"
        backend = "PostgreSQL" if args.pg else "SQLite"
        began = time.perf_counter()
        buyers = await prepare_database(url, args.buyers)
        print(
            f"setup: {backend}, {len(buyers)} buyers linked, {time.perf_counter() - began:.1f} s"
            f" ({datetime.now(UTC):%Y-%m-%d %H:%M} UTC, Python {sys.version.split()[0]},"
            f" load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs)",
            flush=True,
        )
        ours, profile_text = await run_ours(url, buyers, args, folder / "media")
        print(f"ours: {ours.updates} updates in {ours.seconds:.1f} s", flush=True)
        base = await run_baseline(url, buyers, args)
        print(f"baseline: {base.updates} updates in {base.seconds:.1f} s", flush=True)
    report(ours, base, args, backend)
    for run in (ours, base):
        for error in run.errors[:5]:
            print(f"{run.name} error: {error}")
    if profile_text:
        print("\ncProfile of the measured run of our bot (whole event loop):")
        print(profile_text)
    failed = ours.errors or base.errors or ours.rejections or base.rejections
    return 1 if failed else 0


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--buyers", type=int, default=200, help="simulated buyers (200)")
    parser.add_argument("--rounds", type=int, default=5, help="order cards per buyer (5)")
    parser.add_argument("--concurrency", type=int, default=50, help="buyers at a time (50)")
    parser.add_argument(
        "--pg", help="PostgreSQL URL instead of SQLite (its schema public is DROPPED)"
    )
    parser.add_argument(
        "--profile", action="store_true", help="cProfile our bot's measured run and print it"
    )
    parser.add_argument(
        "--profile-out", metavar="FILE", help="with --profile: also write the raw pstats file"
    )
    args = parser.parse_args()
    if min(args.buyers, args.rounds, args.concurrency) < 1:
        parser.error("--buyers, --rounds and --concurrency must be at least 1")
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    return asyncio.run(bench(args))


if __name__ == "__main__":
    raise SystemExit(main())
