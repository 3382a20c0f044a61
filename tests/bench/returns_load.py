"""Benchmark: buyers filing return claims with photos, all at once (not collected by pytest).

    python tests/bench/returns_load.py                         # SQLite, 200 buyers, 50 at a time
    python tests/bench/returns_load.py --buyers 50 --concurrency 10
    python tests/bench/returns_load.py --pg postgresql+asyncpg://postgres@127.0.0.1:5432/bench
    python tests/bench/returns_load.py --profile               # + where the time goes

What is measured
----------------
N buyers (--buyers), each owning one DELIVERED order inside its return window, file a
claim through the real chat flow, at most C buyers at a time (--concurrency).  Each
buyer does what a person does in the Telegram client, one step after the bot's reply to
the previous one:

    "/orders" → tap the order → tap "↩ Return or refund" on the order card
    → tap the item (odd buyers: a line of 4, then "2" on the how-many step) → "Continue ›"
    → "Refund only" (even buyers) or "Return and refund" (odd) → "Arrived damaged"
    → 3 photos, one at a time, each answered "Got it: n photo(s)" → "Done ›" → "Skip ›"
    → "✅ Confirm" → "Your request R… is filed."

Every button is pressed by its label on the bot message that shows it; a press the bot
answers with an alert (e.g. "button expired") or a reply other than the expected step
fails that buyer's flow.  The photos are distinct JPEGs (a few pixels set per buyer and
photo), so none is flagged as reused evidence.  The flow latency of a claim is the time from
"/orders" to the "is filed" message; throughput is claims divided by the time from the
start of the run to the last claim filed (a broken flow waits 60 s for its reply before
it counts as broken; that wait is left out).

Everything goes over HTTP: the production `BotRunner` (aiogram polling, the chat core,
the services, the database, the media store, the outbox worker) long-polls a local Bot
API emulator (`bot.emulator`), exactly as it would api.telegram.org; each photo is
downloaded by the bot with getFile + a file download, sniffed, hashed and fsync'ed into
the media directory.  Bot, emulator and scripted users share one process and one event
loop, so the figures include the emulator's own work.

Setup, not measured: a fresh temporary SQLite database (or, with --pg, the PostgreSQL
database whose schema `public` is DROPPED and recreated: point it at a scratch
database), migrated; one shop; per buyer one DELIVERED order (delivered 2 days ago, two
lines, a shipment with its tracking), one chat user (`OrderService.identify`) and one
order link, inserted directly; a temporary media directory.  A warm-up of 5 extra buyers
goes as far as the photo step and then taps Cancel, so nothing of theirs is stored.
Logging is at WARNING, so lost updates show as the bot's own error logs on stderr.

Output: per step of the flow, the latency from the user's action to the bot's reply;
then one `name = value` line per figure and a line for the README.  "cpu_ms_per_claim"
is the process's CPU time (bot, emulator, users and database threads alike) per claim,
"sql_per_claim" the statements the bot's engine executed (on SQLite including the
BEGINs), with their count and time by kind.  On SQLite, "write_lock_wait_ms" is how long
BEGIN IMMEDIATE took (the wait for the single write lock; beyond the 10 s busy timeout
it fails) and "write_lock_held_ms" how long a unit of work then held the lock until its
COMMIT/ROLLBACK.  "event_loop_lag_ms" is how late the one event loop wakes a task: high
values mean the process is CPU-bound.  --profile runs cProfile over the measured run.

After the run the database and the media directory are counted: claims, claim photos,
claims flagged as reused evidence, distinct photo hashes and the photo files on disk.
They must be N, 3N, 0, 3N and 3N; no figure is asserted, but the exit status is 1 when a
count differs, a flow broke (no reply in time, an unexpected reply) or the emulator saw
a call Telegram would have refused.
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
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from PIL import Image
from pydantic import SecretStr
from sqlalchemy import event, func, select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.app import App, BotRunner
from bot.channels.telegram import CHANNEL
from bot.clock import SystemClock
from bot.config import Settings
from bot.domain.enums import ClaimReason, ClaimType, OrderStatus
from bot.emulator import ScriptedUser, TelegramEmulator, sample_jpeg
from bot.services.links import LinkSigner
from bot.services.orders import OrderService
from handlers.catalog import Catalog
from storage.db import create_engine, session_factory
from storage.migrate import upgrade
from storage.models import (
    Claim,
    ClaimPhoto,
    Order,
    OrderItem,
    OrderLink,
    Payment,
    Shipment,
    Shop,
    TrackingEvent,
)
from storage.uow import make_uow_factory

TOKEN = "4444444444:returns-load-bench-token"
BOT_USERNAME = "shop_support_bench_bot"
FIRST_USER_ID = 800_000
PHOTOS = 3
WAIT_SECONDS = 60.0  # a reply later than this is a failure (6x the SQLite busy timeout)
WARMUP_BUYERS = 5
SHOP_CODE = "bench"
# (name, quantity, unit price): even buyers return the mug, odd buyers 2 of the napkins.
LINES = (("Ceramic mug", 1, "18.50"), ("Linen napkin", 4, "6.25"))
STEPS = (
    "orders",
    "card",
    "start",
    "item",
    "quantity",
    "continue",
    "type",
    "reason",
    "photo",
    "done",
    "note",
    "confirm",
)

CATALOG = Catalog("en")
LABEL = {
    "return": CATALOG.plain("returns.return_button"),
    "continue": CATALOG.plain("returns.continue"),
    "done": CATALOG.plain("returns.done"),
    "skip": CATALOG.plain("returns.skip"),
    "confirm": CATALOG.plain("returns.confirm"),
    "cancel": CATALOG.plain("common.cancel"),
    "damaged": CATALOG.plain(f"claim_reason.{ClaimReason.DAMAGED.value}"),
    ClaimType.REFUND: CATALOG.plain(f"claim_type.{ClaimType.REFUND.value}"),
    ClaimType.RETURN_AND_REFUND: CATALOG.plain(f"claim_type.{ClaimType.RETURN_AND_REFUND.value}"),
}


@dataclass(frozen=True, slots=True)
class Buyer:
    user_id: int
    first_name: str
    order_id: int
    order_number: str
    item_id: int  # the order item this buyer returns
    quantity: int  # how many of it (1: the button toggles; more: the how-many step)
    type: ClaimType


class FlowBroken(Exception):
    """The bot answered a step with something else than the next step."""


@dataclass
class Run:
    """Latencies and counters of the measured run."""

    claims: list[float] = field(default_factory=list)  # seconds per filed claim
    steps: dict[str, list[float]] = field(default_factory=lambda: {s: [] for s in STEPS})
    seconds: float = 0.0  # from the start to the last claim filed
    total_seconds: float = 0.0  # until every flow ended (a broken one waits WAIT_SECONDS)
    last_filed: float = 0.0  # perf_counter() when the last claim was filed
    cpu_seconds: float = 0.0  # the whole process: bot, emulator, users, driver threads
    errors: list[str] = field(default_factory=list)
    calls: Counter[str] = field(default_factory=Counter)
    sql: SqlWatch | None = None  # the bot's statements during the run
    loop_lags: list[float] = field(default_factory=list)  # event loop wake-up delays, s
    rejections: int = 0

    @property
    def updates(self) -> int:
        return sum(len(v) for v in self.steps.values())

    @property
    def throughput(self) -> float:
        return len(self.claims) / self.seconds if self.seconds else 0.0

    def per_claim(self, total: float) -> float:
        return total / len(self.claims) if self.claims else float("nan")


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (nearest rank) in milliseconds."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    rank = max(1, min(len(ordered), math.ceil(q / 100 * len(ordered))))
    return ordered[rank - 1] * 1000


# --------------------------------------------------------------------------- setup


def delivered_order(shop_id: int, n: int, now: datetime) -> Order:
    """A paid order delivered 2 days ago: inside the 15-day return window."""
    placed, delivered = now - timedelta(days=6), now - timedelta(days=2)
    order = Order(
        shop_id=shop_id,
        order_number=f"579{n:015d}",
        status=OrderStatus.DELIVERED.value,
        buyer_name=f"Bench Buyer {n}",
        buyer_email=f"bench{n}@example.com",
        buyer_phone=f"1555{n:07d}",
        shipping_address=f"{n % 999 + 1} Main St, Springfield, IL 62701, US",
        placed_at=placed,
        paid_at=placed + timedelta(minutes=2),
        delivered_at=delivered,
        updated_at=delivered,
    )
    subtotal = Decimal(0)
    for line, (name, quantity, price) in enumerate(LINES, start=1):
        order.items.append(
            OrderItem(
                line_no=line,
                sku=f"SKU-{line}",
                product_name=name,
                quantity=quantity,
                unit_price=Decimal(price),
            )
        )
        subtotal += Decimal(price) * quantity
    order.payment = Payment(
        currency="USD",
        subtotal=subtotal,
        shipping_fee=Decimal("4.99"),
        discount=Decimal(0),
        tax=Decimal(0),
        total_paid=subtotal + Decimal("4.99"),
    )
    shipped = placed + timedelta(days=1)
    shipment = Shipment(
        carrier="UPS",
        tracking_number=f"1ZBENCH{n:011d}",
        delivery_option="Standard",
        estimated_delivery=delivered,
        shipped_at=shipped,
    )
    for at, tag, message in (
        (shipped, "InfoReceived", "Label created"),
        (shipped + timedelta(hours=8), "InTransit", "Departed facility"),
        (delivered, "Delivered", "Delivered, front door"),
    ):
        shipment.events.append(TrackingEvent(at=at, tag=tag, message=message, location="Memphis"))
    order.shipments.append(shipment)
    return order


async def prepare_database(url: str, count: int) -> list[Buyer]:
    """Migrate a fresh database; one shop, and per buyer a chat user, a DELIVERED order
    and the link between them."""
    engine = create_engine(url)
    try:
        if not url.startswith("sqlite"):
            async with engine.begin() as conn:
                await conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
                await conn.execute(text("CREATE SCHEMA public"))
        await upgrade(engine)
        uow = make_uow_factory(session_factory(engine))
        clock = SystemClock()
        now = clock.now()
        service = OrderService(uow, clock, LinkSigner(b"returns-load-bench"))
        identities = []
        for n in range(count):
            # The same profile the emulator sends (language "en", no username), so
            # identify() finds nothing to refresh during the run.
            identity = await service.identify(CHANNEL, FIRST_USER_ID + n, f"Buyer{n}", None, "en")
            identities.append(identity.id)
        async with uow() as write:
            shop = Shop(code=SHOP_CODE, name="Bench Store", currency="USD", created_at=now)
            write.session.add(shop)
            await write.flush()
            orders = [delivered_order(shop.id, n, now) for n in range(count)]
            write.session.add_all(orders)
            await write.flush()
            for chat_user_id, order in zip(identities, orders, strict=True):
                write.session.add(
                    OrderLink(
                        chat_user_id=chat_user_id, order_id=order.id, method="email", created_at=now
                    )
                )
            buyers = [
                Buyer(
                    user_id=FIRST_USER_ID + n,
                    first_name=f"Buyer{n}",
                    order_id=order.id,
                    order_number=order.order_number,
                    item_id=order.items[n % 2].id,
                    quantity=1 if n % 2 == 0 else 2,
                    type=ClaimType.REFUND if n % 2 == 0 else ClaimType.RETURN_AND_REFUND,
                )
                for n, order in enumerate(orders)
            ]
            await write.commit()
        return buyers
    finally:
        await engine.dispose()


# ------------------------------------------------------------------------ the load


class Flow:
    """One buyer's hands and eyes, with checks that each reply is the expected step."""

    def __init__(self, user: ScriptedUser, buyer: Buyer, run: Run) -> None:
        self.user = user
        self.buyer = buyer
        self.run = run
        self.step = ""

    def expect(self, message: dict[str, Any], fragment: str) -> dict[str, Any]:
        if fragment not in message.get("text", ""):
            raise FlowBroken(
                f"step {self.step}: expected {fragment!r}, got {message.get('text', '')[:120]!r}"
            )
        return message

    async def send(self, step: str, text_: str, fragment: str) -> dict[str, Any]:
        self.step = step
        began = time.perf_counter()
        await self.user.send(text_)
        reply = await self.user.wait_message(WAIT_SECONDS)
        self.run.steps[step].append(time.perf_counter() - began)
        return self.expect(reply, fragment)

    async def photo(self, data: bytes, fragment: str) -> dict[str, Any]:
        self.step = "photo"
        began = time.perf_counter()
        await self.user.send_photo(data)
        reply = await self.user.wait_message(WAIT_SECONDS)
        self.run.steps["photo"].append(time.perf_counter() - began)
        return self.expect(reply, fragment)

    async def press(
        self,
        step: str,
        fragment: str,
        *,
        label: str | None = None,
        data: str | None = None,
        on: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Tap a button shown on `on` (default: the latest bot message that has it); the
        bot answers the query and sends the next step's message."""
        self.step = step
        began = time.perf_counter()
        await self.user.press(label, callback_data=data, message=on)
        # The reply goes out before the query's answer; an alert answer with no reply
        # (a button the bot refused) is reported as such instead of waiting it out.
        alert = await self.user.wait_callback_answer(WAIT_SECONDS)
        if alert is not None:
            raise FlowBroken(f"step {step}: the bot answered the tap with {alert!r}")
        reply = await self.user.wait_message(WAIT_SECONDS)
        self.run.steps[step].append(time.perf_counter() - began)
        return self.expect(reply, fragment)

    async def press_in_place(
        self, step: str, fragment: str, *, data: str, on: dict[str, Any]
    ) -> dict[str, Any]:
        """Tap a button whose answer edits `on` itself (the items step); wait for the
        edit rather than a new message."""
        self.step = step
        began = time.perf_counter()
        before = (on.get("text"), on.get("reply_markup"))
        await self.user.press(callback_data=data, message=on)
        alert = await self.user.wait_callback_answer(WAIT_SECONDS)
        if alert is not None:
            raise FlowBroken(f"step {step}: the bot answered the tap with {alert!r}")
        deadline = time.perf_counter() + WAIT_SECONDS
        while time.perf_counter() < deadline:
            now = next(m for m in self.user.messages if m["message_id"] == on["message_id"])
            if (now.get("text"), now.get("reply_markup")) != before:
                self.run.steps[step].append(time.perf_counter() - began)
                return self.expect(now, fragment)
            await asyncio.sleep(0.005)
        raise FlowBroken(f"step {step}: the message was not changed within {WAIT_SECONDS}s")


def button_data(message: dict[str, Any], prefix: str) -> str:
    for row in (message.get("reply_markup") or {}).get("inline_keyboard") or []:
        for button in row:
            if str(button.get("callback_data", "")).startswith(prefix):
                return str(button["callback_data"])
    raise FlowBroken(f"no {prefix!r} button in {message.get('text', '')[:80]!r}")


async def open_return(flow: Flow) -> dict[str, Any]:
    """/orders → the order → the Return button; returns the items step."""
    buyer = flow.buyer
    listing = await flow.send("orders", "/orders", "Your orders")
    card = await flow.press(
        "card", f"Order {buyer.order_number}", data=button_data(listing, "o:"), on=listing
    )
    return await flow.press("start", "step 1 of 5", label=LABEL["return"], on=card)


async def reach_photos(flow: Flow) -> dict[str, Any]:
    """Items → type → reason; returns the photos step."""
    buyer = flow.buyer
    items = await open_return(flow)
    if buyer.quantity == 1:  # a line of one: the tap chooses it
        items = await flow.press_in_place(
            "item", "step 1 of 5", data=f"ri:{buyer.item_id}", on=items
        )
    else:  # the items step changes its own message: the question, then the list again
        ask = await flow.press_in_place("item", "How many", data=f"ri:{buyer.item_id}", on=items)
        items = await flow.press_in_place(
            "quantity", "step 1 of 5", data=f"rq:{buyer.item_id}:{buyer.quantity}", on=ask
        )
    types = await flow.press("continue", "step 2 of 5", label=LABEL["continue"], on=items)
    reasons = await flow.press("type", "step 3 of 5", label=LABEL[buyer.type], on=types)
    return await flow.press("reason", "step 4 of 5", label=LABEL["damaged"], on=reasons)


def distinct_jpeg(user_id: int, k: int) -> bytes:
    """The sample photo with a few pixels set from (user_id, k): a picture of its own,
    the size and weight of a small phone photo thumbnail."""
    image = Image.open(io.BytesIO(sample_jpeg()))
    for bit in range(32):
        if (user_id * 8 + k) >> bit & 1:
            image.paste((255, 0, 255), (bit * 8, 0, bit * 8 + 8, 8))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=90)
    return out.getvalue()


async def file_claim(flow: Flow) -> None:
    """The whole flow, from /orders to "is filed"."""
    buyer = flow.buyer
    began = time.perf_counter()
    await reach_photos(flow)
    for k in range(1, PHOTOS + 1):
        # Distinct pictures per buyer and photo: no photo counts as reused evidence, and
        # each is stored as its own file (evidence is stored as decoded pixels).
        data = distinct_jpeg(buyer.user_id, k)
        last = await flow.photo(data, f"Got it: {k} photo{'s' if k > 1 else ''}")
    note = await flow.press("done", "step 5 of 5", label=LABEL["done"], on=last)
    summary = await flow.press("note", "Please check your request", label=LABEL["skip"], on=note)
    flow.expect(summary, f"Photos: {PHOTOS}")
    await flow.press("confirm", "is filed", label=LABEL["confirm"], on=summary)
    filed = time.perf_counter()
    flow.run.claims.append(filed - began)
    flow.run.last_filed = max(flow.run.last_filed, filed)


async def warm_up(flow: Flow) -> None:
    """As far as the photo step, then Cancel: nothing is stored."""
    photos = await reach_photos(flow)
    await flow.press("start", "discarded", label=LABEL["cancel"], on=photos)


async def drive(
    emu: TelegramEmulator, buyers: list[Buyer], run: Run, concurrency: int, *, warm: bool = False
) -> None:
    """All buyers, at most `concurrency` at a time; fills `run`."""
    gate = asyncio.Semaphore(concurrency)
    first_call = len(emu.bot_calls)

    async def one(buyer: Buyer) -> None:
        async with gate:
            flow = Flow(emu.user(buyer.user_id, buyer.first_name), buyer, run)
            try:
                await (warm_up(flow) if warm else file_claim(flow))
            except Exception as exc:  # a broken flow is reported, not a crash of the run
                run.errors.append(
                    f"{buyer.first_name} at step {flow.step}: {type(exc).__name__}: {exc}"[:300]
                )

    began, cpu = time.perf_counter(), time.process_time()
    await asyncio.gather(*(one(b) for b in buyers))
    run.total_seconds = time.perf_counter() - began
    run.seconds = run.last_filed - began if run.claims else run.total_seconds
    run.cpu_seconds = time.process_time() - cpu
    run.calls.update(call.method for call in emu.bot_calls[first_call:])


class SqlWatch:
    """Counts and times every statement the bot's engine sends.  On SQLite, the time of
    "BEGIN IMMEDIATE" is the wait for the database's single write lock (plus the event
    loop's delay in resuming the caller); a wait beyond the busy timeout is a failure."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.count: Counter[str] = Counter()
        self.seconds: Counter[str] = Counter()
        self.lock_waits: list[float] = []
        self.lock_holds: list[float] = []  # BEGIN IMMEDIATE done → COMMIT/ROLLBACK issued
        self.failed: Counter[str] = Counter()
        sync = engine.sync_engine
        event.listen(sync, "before_cursor_execute", self._before)
        event.listen(sync, "after_cursor_execute", self._after)
        event.listen(sync, "handle_error", self._error)
        event.listen(sync, "commit", self._end)
        event.listen(sync, "rollback", self._end)

    def reset(self) -> None:
        for counter in (self.count, self.seconds, self.failed):
            counter.clear()
        self.lock_waits.clear()
        self.lock_holds.clear()

    @staticmethod
    def kind(statement: str) -> str:
        words = statement.lstrip().split(None, 2)
        if not words:
            return "?"
        if words[0].upper() == "BEGIN" and len(words) > 1:
            return f"BEGIN {words[1].upper()}"
        return words[0].upper()

    def _before(self, conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        conn.info["bench_sql_began"] = time.perf_counter()

    def _after(self, conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        took = time.perf_counter() - conn.info.pop("bench_sql_began", time.perf_counter())
        kind = self.kind(statement)
        self.count[kind] += 1
        self.seconds[kind] += took
        if kind == "BEGIN IMMEDIATE":
            self.lock_waits.append(took)
            conn.info["bench_lock_at"] = time.perf_counter()

    def _end(self, conn: Any) -> None:
        locked_at = conn.info.pop("bench_lock_at", None)
        if locked_at is not None:
            self.lock_holds.append(time.perf_counter() - locked_at)

    def _error(self, context: Any) -> None:
        if context.connection is not None:
            context.connection.info.pop("bench_sql_began", None)
        self.failed[f"{self.kind(context.statement or '')}: {context.original_exception}"] += 1

    @property
    def statements(self) -> int:
        return sum(self.count.values())


async def watch_loop_lag(lags: list[float], period: float = 0.1) -> None:
    """How late the event loop wakes a task that asked to sleep `period` seconds: the
    time every ready callback (bot, emulator, users) waits for the single thread."""
    while True:
        began = time.perf_counter()
        await asyncio.sleep(period)
        lags.append(time.perf_counter() - began - period)


async def run_bot(
    url: str, buyers: list[Buyer], warm: list[Buyer], args: argparse.Namespace, media: Path
) -> tuple[Run, str | None]:
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        database_url=url,
        media_dir=media,
        bot_username=BOT_USERNAME,
        link_secret=SecretStr("returns-load-bench-link-secret"),
        bot_framework="aiogram",
    )
    app = await App.create(settings, migrate=False)
    sql = SqlWatch(app.engine)
    run = Run()
    profile_text: str | None = None
    try:
        async with TelegramEmulator(token=TOKEN, bot_username=BOT_USERNAME) as emu:
            runner = await BotRunner.create(app, token=TOKEN, api_url=emu.base_url)
            await runner.start()
            try:
                warm_run = Run()
                await drive(emu, warm, warm_run, args.concurrency, warm=True)
                run.errors += [f"warm-up {e}" for e in warm_run.errors]
                profiler = cProfile.Profile() if args.profile else None
                if profiler is not None:
                    profiler.enable()
                sql.reset()
                lag = asyncio.create_task(watch_loop_lag(run.loop_lags))
                try:
                    await drive(emu, buyers, run, args.concurrency)
                finally:
                    lag.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await lag
                run.sql = sql
                if profiler is not None:
                    profiler.disable()
                    profile_text = format_profile(profiler)
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


# ------------------------------------------------------------------------- counting


@dataclass(frozen=True)
class Stored:
    claims: int
    photos: int
    reused: int  # claims flagged as reused evidence
    hashes: int  # distinct photo hashes
    orders: int  # distinct orders with a claim
    files: int  # photo files in the media directory


async def count_stored(url: str, media: Path) -> Stored:
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            claims = await conn.scalar(select(func.count()).select_from(Claim))
            photos = await conn.scalar(select(func.count()).select_from(ClaimPhoto))
            reused = await conn.scalar(
                select(func.count()).select_from(Claim).where(Claim.reused_evidence.is_(True))
            )
            hashes = await conn.scalar(select(func.count(func.distinct(ClaimPhoto.sha256))))
            orders = await conn.scalar(select(func.count(func.distinct(Claim.order_id))))
    finally:
        await engine.dispose()
    files = count_files(media)
    return Stored(claims or 0, photos or 0, reused or 0, hashes or 0, orders or 0, files)


def count_files(media: Path) -> int:
    """Photo files in the media directory (not the temporary names of a write)."""
    return sum(1 for p in media.rglob("*") if p.is_file() and not p.name.startswith(".incoming-"))


# -------------------------------------------------------------------------- report


def report(run: Run, stored: Stored, args: argparse.Namespace, backend: str) -> list[str]:
    """Print the figures; return the counts that are wrong."""
    claims = len(run.claims)
    calls = sum(n for m, n in run.calls.items() if m != "getUpdates")
    p50, p99 = percentile(run.claims, 50), percentile(run.claims, 99)
    print()
    print(f"{'step':8} {'updates':>7} {'p50 ms':>7} {'p99 ms':>7} {'max ms':>7}")
    for step, values in run.steps.items():
        print(
            f"{step:8} {len(values):>7} {percentile(values, 50):>7.1f}"
            f" {percentile(values, 99):>7.1f} {percentile(values, 100):>7.1f}"
        )
    print()
    print(f"claims = {claims}")
    print(f"seconds = {run.seconds:.2f}")
    print(f"run_seconds = {run.total_seconds:.2f}")
    print(f"claims_per_s = {run.throughput:.2f}")
    print(f"updates = {run.updates}")
    print(f"updates_per_s = {run.updates / run.seconds if run.seconds else 0:.1f}")
    print(f"flow_p50_ms = {p50:.0f}")
    print(f"flow_p99_ms = {p99:.0f}")
    print(f"flow_max_ms = {percentile(run.claims, 100):.0f}")
    print(f"cpu_ms_per_claim = {run.per_claim(run.cpu_seconds) * 1000:.1f}")
    sql = run.sql
    if sql is not None:
        print(f"sql_per_claim = {run.per_claim(sql.statements):.1f}")
        for kind, n in sql.count.most_common():
            print(
                f"sql.{kind.replace(' ', '_').lower()} = {n} statements,"
                f" {sql.seconds[kind]:.1f} s in all, {sql.seconds[kind] / n * 1000:.1f} ms each"
            )
        if sql.lock_waits:
            waits = sql.lock_waits
            print(
                f"write_lock_wait_ms = p50 {percentile(waits, 50):.0f}, p99"
                f" {percentile(waits, 99):.0f}, max {percentile(waits, 100):.0f}"
                f" ({sum(waits):.0f} s summed over {len(waits)} write transactions)"
            )
        if sql.lock_holds:
            holds = sql.lock_holds
            print(
                f"write_lock_held_ms = p50 {percentile(holds, 50):.0f}, p99"
                f" {percentile(holds, 99):.0f}, max {percentile(holds, 100):.0f}"
                f" ({sum(holds):.1f} s in all: the lock was busy"
                f" {100 * sum(holds) / run.seconds if run.seconds else 0:.0f}% of the run)"
            )
        for failure, n in sql.failed.most_common(5):
            print(f"sql.failed = {n} x {failure[:160]}")
    lags = run.loop_lags
    print(
        f"event_loop_lag_ms = p50 {percentile(lags, 50):.0f}, p99 {percentile(lags, 99):.0f},"
        f" max {percentile(lags, 100):.0f}"
    )
    print(f"api_calls_per_claim = {run.per_claim(calls):.1f}")
    print(f"api_calls = {dict(sorted(run.calls.items()))}")
    print(f"rejections = {run.rejections}")
    print(f"errors = {len(run.errors)}")
    expected = {
        "claims": args.buyers,
        "photos": args.buyers * PHOTOS,
        "reused": 0,
        "hashes": args.buyers * PHOTOS,
        "orders": args.buyers,
        "files": args.buyers * PHOTOS,
    }
    wrong = []
    for name, want in expected.items():
        got = getattr(stored, name)
        mark = "" if got == want else f"   <-- expected {want}"
        print(f"stored.{name} = {got}{mark}")
        if got != want:
            wrong.append(f"stored.{name} = {got}, expected {want}")
    print()
    print(
        f"README: return claims on {backend} ({args.buyers} buyers at once, {args.concurrency}"
        f" at a time, each going /orders → order card → Return → item → type → reason → 3"
        f" photos → Done → Skip note → Confirm, real aiogram over HTTP to the local emulator"
        f" in the same process, {os.cpu_count()} CPUs): {run.throughput:.1f} claims/s"
        f" ({run.updates / run.seconds if run.seconds else 0:.0f} updates/s), flow p50"
        f" {p50 / 1000:.1f} s, p99 {p99 / 1000:.1f} s, {run.per_claim(run.cpu_seconds) * 1000:.0f}"
        f" ms CPU per claim; stored {stored.claims} claims, {stored.photos} photos,"
        f" {stored.files} files."
    )
    return wrong


# ---------------------------------------------------------------------------- main


async def bench(args: argparse.Namespace) -> int:
    with tempfile.TemporaryDirectory(prefix="returns-load-bench-") as tmp:
        folder = Path(tmp)
        media = folder / "media"
        url = args.pg or f"sqlite+aiosqlite:///{folder / 'bench.db'}"
        backend = "PostgreSQL" if args.pg else "SQLite"
        began = time.perf_counter()
        everyone = await prepare_database(url, args.buyers + WARMUP_BUYERS)
        warm, buyers = everyone[:WARMUP_BUYERS], everyone[WARMUP_BUYERS:]
        print(
            f"setup: {backend}, {len(buyers)} buyers with a delivered order each,"
            f" {time.perf_counter() - began:.1f} s ({datetime.now(UTC):%Y-%m-%d %H:%M} UTC,"
            f" Python {sys.version.split()[0]}, load average {os.getloadavg()[0]:.1f} on"
            f" {os.cpu_count()} CPUs)",
            flush=True,
        )
        run, profile_text = await run_bot(url, buyers, warm, args, media)
        print(
            f"run: {len(run.claims)} claims filed in {run.seconds:.1f} s"
            f" (all flows ended after {run.total_seconds:.1f} s)",
            flush=True,
        )
        stored = await count_stored(url, media)
    wrong = report(run, stored, args, backend)
    for error in run.errors[:10]:
        print(f"error: {error}")
    for problem in wrong:
        print(f"wrong count: {problem}")
    if profile_text:
        print("\ncProfile of the measured run (whole event loop):")
        print(profile_text)
    return 1 if run.errors or run.rejections or wrong else 0


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--buyers", type=int, default=200, help="simulated buyers (200)")
    parser.add_argument("--concurrency", type=int, default=50, help="buyers at a time (50)")
    parser.add_argument(
        "--pg", help="PostgreSQL URL instead of SQLite (its schema public is DROPPED)"
    )
    parser.add_argument(
        "--profile", action="store_true", help="cProfile the measured run and print it"
    )
    args = parser.parse_args()
    if min(args.buyers, args.concurrency) < 1:
        parser.error("--buyers and --concurrency must be at least 1")
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    return asyncio.run(bench(args))


if __name__ == "__main__":
    raise SystemExit(main())
