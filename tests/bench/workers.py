"""Benchmark: 1, 2 and 4 real worker processes on one PostgreSQL (not collected by pytest).

    python tests/bench/workers.py --pg postgresql+asyncpg://postgres@127.0.0.1:5432/bench
    python tests/bench/workers.py --pg URL --workers 1,2 --buyers 50 --claims 20

What is measured
----------------
For each worker count N (--workers), on a fresh database (schema `public` DROPPED and
recreated: point --pg at a scratch database), `python run_bot.py run --workers N` runs
in webhook mode: N processes sharing one port with SO_REUSEPORT (one plain process for
N = 1), worker 0 setting the webhook on a local Bot API emulator (`bot.emulator`).  This
process plays Telegram: the emulator, the scripted users, and the webhook delivery
(`tests.webhook_delivery`), which POSTs each update over a new connection, as many at
once as the bot asked for in `max_connections`, so the kernel spreads them over the
workers.  Two loads run one after the other, as in the single-process benchmarks:

* the status flow (`status_flow.py`): B buyers (--buyers) × R rounds (--rounds) of
  "/orders" → tap the order → the card, C buyers at a time (--concurrency);
* the returns flow (`returns_load.py`): K buyers (--claims) each file a claim with 3
  photos through the chat (13 updates each), C at a time.

Throughput is updates (or claims) divided by the load's wall time.  After each load,
once every update is acknowledged and every stored update handled:

* updates lost: updates the emulator queued that no worker recorded as handled
  (`processed_updates`) or that are still queued; must be 0;
* messages sent twice: bot messages in the buyers' chats that no step of the flow was
  waiting for (each update of these flows gets exactly one message; an edit is not a
  message); must be 0;
* claims filed twice: claims beyond one per order; must be 0 (and K claims with 3K
  photos stored).

The exit status is 1 when any of these is not 0, a flow broke, or the emulator saw a
call Telegram would have refused.  Everything runs on this machine: with 2 cores the
workers share them with PostgreSQL and with this process (the emulator and the users),
so throughput cannot grow much past 2 workers; the zeros must hold at every count.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import socket
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

import returns_load as returns  # noqa: E402
import status_flow as status  # noqa: E402
from sqlalchemy import func, select  # noqa: E402

from bot.clock import SystemClock  # noqa: E402
from bot.emulator import TelegramEmulator  # noqa: E402
from bot.services.links import LinkSigner  # noqa: E402
from bot.services.orders import OrderService  # noqa: E402
from storage.db import create_engine, session_factory  # noqa: E402
from storage.models import (  # noqa: E402
    Claim,
    ClaimPhoto,
    InboxUpdate,
    OrderLink,
    ProcessedUpdate,
    Shop,
)
from storage.uow import make_uow_factory  # noqa: E402
from tests.webhook_delivery import WebhookDelivery  # noqa: E402

TOKEN = "4545454545:workers-bench-token"
BOT_USERNAME = "shop_support_bench_bot"
HOOK_SECRET = "workers-bench-hook-secret"
LINK_SECRET = "workers-bench-link-secret"
SETTLE_SECONDS = 120.0


@dataclass
class Load:
    """One load's figures."""

    updates: int = 0
    claims: int = 0
    seconds: float = 0.0
    p50_ms: float = float("nan")
    p99_ms: float = float("nan")
    lost: int = 0
    twice: int = 0
    claims_twice: int = 0
    photos: int = 0
    driver_cpu: float = 0.0  # CPU seconds of this process (emulator, users, delivery)
    errors: list[str] = field(default_factory=list)

    @property
    def per_second(self) -> float:
        return self.updates / self.seconds if self.seconds else 0.0


@dataclass
class Result:
    workers: int
    status: Load
    returns: Load
    cpu: list[float]  # CPU seconds each worker spent during the two loads
    rejections: int = 0


# --------------------------------------------------------------------------- setup


async def prepare(
    url: str, buyers: int, claims: int
) -> tuple[list[status.Buyer], list[returns.Buyer]]:
    """A fresh schema with the demo shops (status buyers) and a shop of delivered orders
    (return buyers)."""
    status_buyers = await status.prepare_database(url, buyers)  # drops and migrates
    engine = create_engine(url)
    try:
        uow = make_uow_factory(session_factory(engine))
        clock = SystemClock()
        now = clock.now()
        service = OrderService(uow, clock, LinkSigner(LINK_SECRET.encode()))
        identities = [
            (
                await service.identify(
                    "telegram", returns.FIRST_USER_ID + n, f"Buyer{n}", None, "en"
                )
            ).id
            for n in range(claims)
        ]
        async with uow() as write:
            shop = Shop(code=returns.SHOP_CODE, name="Bench Store", currency="USD", created_at=now)
            write.session.add(shop)
            await write.flush()
            orders = [returns.delivered_order(shop.id, n, now) for n in range(claims)]
            write.session.add_all(orders)
            await write.flush()
            for chat_user_id, order in zip(identities, orders, strict=True):
                write.session.add(
                    OrderLink(
                        chat_user_id=chat_user_id, order_id=order.id, method="email", created_at=now
                    )
                )
            return_buyers = [
                returns.Buyer(
                    user_id=returns.FIRST_USER_ID + n,
                    first_name=f"Buyer{n}",
                    order_id=order.id,
                    order_number=order.order_number,
                    item_id=order.items[n % 2].id,
                    quantity=1 if n % 2 == 0 else 2,
                    type=returns.ClaimType.REFUND
                    if n % 2 == 0
                    else returns.ClaimType.RETURN_AND_REFUND,
                )
                for n, order in enumerate(orders)
            ]
            await write.commit()
    finally:
        await engine.dispose()
    return status_buyers, return_buyers


async def build_caches(folder: Path) -> None:
    """The intent model and the policy index, once for every run (N workers building
    them at once would only measure the start)."""
    from bot.services.knowledge import knowledge_root, load_or_index
    from bot.services.understanding import UnderstandingService

    await UnderstandingService.create(folder / "understanding-model.json")
    await asyncio.to_thread(
        load_or_index, knowledge_root(None), folder / "knowledge-index.json", semantic=False
    )


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Workers:
    """`python run_bot.py run --workers N` in webhook mode, on `url`."""

    def __init__(self, count: int, url: str, emu: TelegramEmulator, folder: Path) -> None:
        self.count = count
        self.port = free_port()
        self.log = folder / f"workers-{count}.log"
        self.env = {
            **{
                k: v
                for k, v in os.environ.items()
                if not k.startswith(("BOT_", "WEBHOOK_", "HTTP_"))
            },
            "BOT_TOKEN": TOKEN,
            "BOT_USERNAME": BOT_USERNAME,
            "TELEGRAM_API_URL": emu.base_url,
            "DATABASE_URL": url,
            "WEBHOOK_URL": "https://bench.shop.example/tg-hook",
            "WEBHOOK_SECRET": HOOK_SECRET,
            "HTTP_PORT": str(self.port),
            "MEDIA_DIR": str(folder / f"media-{count}"),
            "KNOWLEDGE_INDEX": str(folder / "knowledge-index.json"),
            "POLICY_EMBEDDINGS": "off",
            "LINK_SECRET": LINK_SECRET,
            "LOG_LEVEL": "WARNING",
            "LOG_FORMAT": "text",
        }
        self.emu = emu
        self.process: asyncio.subprocess.Process | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/tg-hook"

    async def start(self) -> None:
        with self.log.open("ab") as log:
            self.process = await asyncio.create_subprocess_exec(
                sys.executable,
                str(ROOT / "run_bot.py"),
                "run",
                "--workers",
                str(self.count),
                cwd=self.log.parent,
                env=self.env,
                stdout=log,
                stderr=log,
            )
        await self.emu.wait_until(lambda: self.emu.calls("setWebhook") or None, timeout=180)

    async def stop(self) -> None:
        if self.process is None or self.process.returncode is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(self.process.wait(), timeout=30)
        except TimeoutError:
            self.process.kill()
            await self.process.wait()


# ------------------------------------------------------------------------- checks


async def settle(url: str, delivery: WebhookDelivery) -> None:
    """Every queued update acknowledged, and every stored update handled."""
    await delivery.idle(SETTLE_SECONDS)
    engine = create_engine(url)
    try:
        deadline = time.perf_counter() + SETTLE_SECONDS
        while time.perf_counter() < deadline:
            async with engine.connect() as conn:
                stored = await conn.scalar(select(func.count()).select_from(InboxUpdate))
                handled = await conn.scalar(select(func.count()).select_from(ProcessedUpdate))
            if stored == handled:
                return
            await asyncio.sleep(0.2)
    finally:
        await engine.dispose()


async def handled_updates(url: str) -> set[int]:
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            return set(await conn.scalars(select(ProcessedUpdate.update_id)))
    finally:
        await engine.dispose()


async def extra_messages(emu: TelegramEmulator, user_ids: list[int]) -> int:
    """Bot messages no step waited for: each would be a second copy of a reply."""
    extra = 0
    for user_id in user_ids:
        user = emu.user(user_id)
        while True:
            try:
                await user.wait_message(0.001)
            except TimeoutError:
                break
            extra += 1
    return extra


async def claims_stored(url: str) -> tuple[int, int, int]:
    """(claims, claims beyond one per order, photos)."""
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            claims = await conn.scalar(select(func.count()).select_from(Claim)) or 0
            orders = await conn.scalar(select(func.count(func.distinct(Claim.order_id)))) or 0
            photos = await conn.scalar(select(func.count()).select_from(ClaimPhoto)) or 0
        return claims, claims - orders, photos
    finally:
        await engine.dispose()


def worker_cpu(pid: int) -> dict[int, float]:
    """CPU seconds (user + system) of each worker process so far, read from /proc: the
    `run` process's children, or the process itself when it runs alone."""
    ticks = os.sysconf("SC_CLK_TCK")
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return {}
    # The workers are spawned interpreters; multiprocessing's resource tracker is not one.
    workers = [int(c) for c in children if b"spawn_main" in _cmdline(int(c))]
    cpu: dict[int, float] = {}
    for worker in workers or [pid]:
        try:
            fields = Path(f"/proc/{worker}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        cpu[worker] = (int(fields[11]) + int(fields[12])) / ticks  # utime, stime
    return cpu


def _cmdline(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


# --------------------------------------------------------------------------- runs


async def one_count(count: int, args: argparse.Namespace, folder: Path) -> Result:
    url = args.pg
    status_buyers, return_buyers = await prepare(url, args.buyers, args.claims)
    async with TelegramEmulator(token=TOKEN, bot_username=BOT_USERNAME) as emu:
        workers = Workers(count, url, emu, folder)
        await workers.start()
        assert emu.webhook is not None
        connections = int(emu.webhook.get("max_connections") or 40)
        delivery = WebhookDelivery(emu, [workers.url], HOOK_SECRET, connections=connections)
        delivery.start()
        try:
            warm = status.Run("warm-up")
            await status.drive(
                emu, status_buyers[: status.WARMUP_BUYERS], warm, 1, args.concurrency
            )
            await settle(url, delivery)
            await extra_messages(emu, [b.user_id for b in status_buyers])
            first = emu.state.updates.next_id  # updates from here on are measured
            assert workers.process is not None
            cpu_before = worker_cpu(workers.process.pid)

            run = status.Run("status")
            await status.drive(emu, status_buyers, run, args.rounds, args.concurrency)
            await settle(url, delivery)
            status_load = Load(
                updates=run.updates,
                seconds=run.seconds,
                p50_ms=run.p(50),
                p99_ms=run.p(99),
                driver_cpu=run.cpu_seconds,
                errors=run.errors,
            )
            middle = emu.state.updates.next_id
            handled = await handled_updates(url)
            status_load.lost = sum(1 for u in range(first, middle) if u not in handled)
            status_load.twice = await extra_messages(emu, [b.user_id for b in status_buyers])

            claims_run = returns.Run()
            await returns.drive(emu, return_buyers, claims_run, args.concurrency)
            await settle(url, delivery)
            last = emu.state.updates.next_id
            handled = await handled_updates(url)
            claims, twice, photos = await claims_stored(url)
            returns_load = Load(
                updates=last - middle,
                claims=len(claims_run.claims),
                seconds=claims_run.seconds,
                p50_ms=returns.percentile(claims_run.claims, 50),
                p99_ms=returns.percentile(claims_run.claims, 99),
                lost=sum(1 for u in range(middle, last) if u not in handled),
                twice=await extra_messages(emu, [b.user_id for b in return_buyers]),
                claims_twice=twice,
                photos=photos,
                driver_cpu=claims_run.cpu_seconds,
                errors=claims_run.errors,
            )
            if claims != args.claims:
                returns_load.errors.append(f"{claims} claims stored for {args.claims} buyers")
            if photos != returns.PHOTOS * args.claims:
                returns_load.errors.append(f"{photos} photos stored")
            rejections = len(emu.rejections)
            cpu_after = worker_cpu(workers.process.pid)
            cpu = [cpu_after[p] - cpu_before.get(p, 0.0) for p in sorted(cpu_after)]
        finally:
            await delivery.stop()
            await workers.stop()
    return Result(count, status_load, returns_load, cpu, rejections)


def report(results: list[Result], args: argparse.Namespace) -> int:
    print()
    print(
        f"status flow: {args.buyers} buyers x {args.rounds} rounds; returns: {args.claims} "
        f"claims with {returns.PHOTOS} photos; {args.concurrency} buyers at a time; "
        f"PostgreSQL; {os.cpu_count()} cores"
    )
    print(
        "workers | status upd/s | p50 ms | p99 ms | returns claims/s (upd/s) | claim p50 s "
        "| lost | sent twice | claims twice | errors"
    )
    bad = 0
    for r in results:
        s, c = r.status, r.returns
        lost, twice = s.lost + c.lost, s.twice + c.twice
        errors = len(s.errors) + len(c.errors) + r.rejections
        bad += lost + twice + c.claims_twice + errors
        claims_per_second = c.claims / c.seconds if c.seconds else 0.0
        print(
            f"{r.workers:7} | {s.per_second:12.1f} | {s.p50_ms:6.0f} | {s.p99_ms:6.0f} | "
            f"{claims_per_second:8.2f} ({c.per_second:5.1f}) {'':9}| {c.p50_ms / 1000:11.1f} | "
            f"{lost:4} | {twice:10} | {c.claims_twice:12} | {errors}"
        )
    for r in results:
        updates = r.status.updates + r.returns.updates
        shares = ", ".join(f"{c:.1f}" for c in r.cpu)
        per_update = sum(r.cpu) / updates * 1000 if updates else float("nan")
        seconds = r.status.seconds + r.returns.seconds
        driver = (r.status.driver_cpu + r.returns.driver_cpu) / seconds if seconds else 0.0
        print(
            f"workers={r.workers}: CPU s per worker during the loads: {shares} "
            f"({per_update:.1f} ms of worker CPU per update); this process (emulator, "
            f"users, delivery) used {driver:.0%} of a core"
        )
        for error in (r.status.errors + r.returns.errors)[:5]:
            print(f"  error: {error}")
    print()
    for r in results:
        print(f"status_updates_per_second_{r.workers} = {r.status.per_second:.1f}")
        claims = r.returns.claims / r.returns.seconds if r.returns.seconds else 0.0
        print(f"returns_claims_per_second_{r.workers} = {claims:.2f}")
        print(f"updates_lost_{r.workers} = {r.status.lost + r.returns.lost}")
        print(f"messages_sent_twice_{r.workers} = {r.status.twice + r.returns.twice}")
        print(f"claims_filed_twice_{r.workers} = {r.returns.claims_twice}")
    return 1 if bad else 0


async def bench(args: argparse.Namespace) -> int:
    counts = [int(n) for n in args.workers.split(",")]
    with tempfile.TemporaryDirectory(prefix="workers-bench-") as tmp:
        folder = Path(tmp)
        await build_caches(folder)
        results = []
        for count in counts:
            print(f"running {count} worker(s)...", file=sys.stderr, flush=True)
            results.append(await one_count(count, args, folder))
        return report(results, args)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pg", required=True, help="scratch PostgreSQL URL (schema dropped)")
    parser.add_argument("--workers", default="1,2,4", help="worker counts (default 1,2,4)")
    parser.add_argument("--buyers", type=int, default=100, help="status-flow buyers")
    parser.add_argument("--rounds", type=int, default=3, help="status-flow rounds per buyer")
    parser.add_argument("--claims", type=int, default=40, help="return buyers")
    parser.add_argument("--concurrency", type=int, default=25, help="buyers at a time")
    args = parser.parse_args()
    if not args.pg.startswith("postgresql"):
        parser.error("several workers run on PostgreSQL only")
    return asyncio.run(bench(args))


if __name__ == "__main__":
    raise SystemExit(main())
