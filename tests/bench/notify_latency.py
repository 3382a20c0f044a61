"""Benchmark: from a decision's commit to the Telegram call and the refund call, when idle
(not collected by pytest).

    python tests/bench/notify_latency.py                       # SQLite, 40 claims
    python tests/bench/notify_latency.py --claims 20 --pause 0.5
    python tests/bench/notify_latency.py --pg postgresql+asyncpg://postgres@127.0.0.1:5432/bench

What is measured
----------------
The production `BotRunner` (aiogram polling, the outbox worker, the refund settler)
runs against a local Bot API emulator; a buyer and a seller of the shop have written to
the bot once (so Telegram lets it write to them).  Then, one at a time with a pause
between them (--pause, so the workers are idle and asleep each time), the bench
calls the real services:

* the buyer files a refund-only claim (`ReturnService.submit`): its transaction
  queues the seller's "new request" notification;
* the seller approves it (`SellerClaimService.approve`): its transaction records the
  refund and queues the buyer's notification.

Each latency runs from the moment the use case's transaction commits (SQLAlchemy's
"commit" event on the bot's engine, in the task that runs the use case: the COMMIT is
included) to the moment the emulator stored the bot's sendMessage to that person
(`wait_message`), or the shop's refund endpoint (a local HTTP server set as the shop's
`refund_webhook_url`, as `HttpGateway` calls it) received the refund.  Before issue 15
these waited for the workers' next look (every 1 s for the outbox, 5 s for refunds);
now the commit wakes them.

Setup, not measured: a fresh temporary SQLite database (or, with --pg, the PostgreSQL
database whose schema `public` is DROPPED and recreated: point it at a scratch
database), migrated; one shop with the refund endpoint, one seller, one buyer with one
DELIVERED order per claim.  Logging at WARNING.

Output: p50, p90 and max per latency, then a line for the README.  No figure is
asserted; the exit status is 1 when a message or a refund did not arrive within 30 s
or the emulator saw a call Telegram would have refused.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import math
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from aiohttp import web  # noqa: E402
from pydantic import SecretStr  # noqa: E402
from sqlalchemy import event, text  # noqa: E402

from bot.app import App, BotRunner  # noqa: E402
from bot.clock import SystemClock  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.domain.enums import ClaimReason, ClaimType  # noqa: E402
from bot.emulator import TelegramEmulator  # noqa: E402
from bot.services.returns import ClaimDraft, ReturnService, new_token  # noqa: E402
from bot.services.seller_claims import SellerClaimService  # noqa: E402
from storage.db import create_engine, session_factory  # noqa: E402
from storage.media import MediaStore  # noqa: E402
from storage.migrate import upgrade  # noqa: E402
from storage.models import OrderLink, Seller  # noqa: E402
from storage.uow import UnitOfWorkFactory, make_uow_factory  # noqa: E402
from tests.factories import make_order, make_shop  # noqa: E402

TOKEN = "4545454545:notify-latency-bench-token"
BOT_USERNAME = "shop_support_bench_bot"
BUYER, SELLER = 910_001, 910_002
SHOP = "bench"
WAIT = 30.0


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    rank = max(1, min(len(ordered), math.ceil(q / 100 * len(ordered))))
    return ordered[rank - 1] * 1000


class RefundEndpoint:
    """The shop's refund URL: pays everything, and notes when each call arrived."""

    def __init__(self) -> None:
        self.arrived: list[float] = []
        self.news = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self.url = ""

    async def start(self) -> None:
        async def pay(request: web.Request) -> web.Response:
            self.arrived.append(time.perf_counter())
            self.news.set()
            await request.read()
            return web.json_response({"reference": f"pay-{len(self.arrived)}"})

        app = web.Application()
        app.router.add_post("/refunds", pay)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = self._runner.addresses[0][1]
        self.url = f"http://127.0.0.1:{port}/refunds"

    async def next_call(self) -> float:
        await asyncio.wait_for(self.news.wait(), WAIT)
        self.news.clear()
        return self.arrived[-1]

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()


async def prepare(url: str, claims: int, refund_url: str) -> tuple[int, int, list[int]]:
    """The shop (with its refund endpoint), the seller, the buyer and their orders."""
    engine = create_engine(url)
    try:
        if not url.startswith("sqlite"):
            async with engine.begin() as conn:
                await conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
                await conn.execute(text("CREATE SCHEMA public"))
        await upgrade(engine)
        uow = make_uow_factory(session_factory(engine))
        clock: Any = SystemClock()
        shop_id = await make_shop(uow, clock, SHOP)
        async with uow() as write:
            shop = await write.shops.get(shop_id)
            assert shop is not None
            shop.settings = {
                "refund_webhook_url": refund_url,
                "refund_webhook_secret": "bench-refund-secret",
            }
            await write.commit()
        orders = [
            await make_order(
                uow,
                clock,
                number=f"5790000000{n:08d}",
                shop_code=SHOP,
                status="DELIVERED",
                delivered_at=clock.now() - timedelta(days=2),
            )
            for n in range(claims)
        ]
        return await people(uow, clock, shop_id, orders)
    finally:
        await engine.dispose()


async def people(
    uow: UnitOfWorkFactory, clock: Any, shop_id: int, orders: list[int]
) -> tuple[int, int, list[int]]:
    from storage.models import ChatUser

    async with uow() as write:
        buyer = ChatUser(external_id=BUYER, first_name="Jane", created_at=clock.now())
        seller = ChatUser(external_id=SELLER, first_name="Sam", created_at=clock.now())
        write.session.add_all([buyer, seller])
        await write.flush()
        write.session.add(Seller(shop_id=shop_id, chat_user_id=seller.id, created_at=clock.now()))
        for order_id in orders:
            write.session.add(
                OrderLink(
                    chat_user_id=buyer.id, order_id=order_id, method="email", created_at=clock.now()
                )
            )
        await write.commit()
        return buyer.id, seller.id, orders


def commit_stamps(app: App) -> dict[asyncio.Task[Any] | None, float]:
    """The time of the latest COMMIT each task sent on the bot's engine."""
    stamps: dict[asyncio.Task[Any] | None, float] = {}

    def stamp(_connection: Any) -> None:
        stamps[asyncio.current_task()] = time.perf_counter()

    event.listen(app.engine.sync_engine, "commit", stamp)
    return stamps


async def measure(args: argparse.Namespace) -> int:
    logging.basicConfig(level=logging.WARNING)
    endpoint = RefundEndpoint()
    await endpoint.start()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.pg or f"sqlite+aiosqlite:///{tmp}/bench.db"
        buyer_id, seller_id, orders = await prepare(url, args.claims, endpoint.url)
        settings = Settings(
            _env_file=None,  # type: ignore[call-arg]
            database_url=url,
            media_dir=Path(tmp) / "media",
            bot_username=BOT_USERNAME,
            link_secret=SecretStr("notify-latency-bench-link-secret"),
            bot_framework="aiogram",
        )
        app = await App.create(settings, migrate=False)
        stamps = commit_stamps(app)
        me = asyncio.current_task()
        returns = ReturnService(app.uow, app.clock, MediaStore(settings.media_dir))
        sellers = SellerClaimService(app.uow, app.clock, MediaStore(settings.media_dir))
        seller_told: list[float] = []
        buyer_told: list[float] = []
        refunded: list[float] = []
        failures = 0
        try:
            async with TelegramEmulator(token=TOKEN, bot_username=BOT_USERNAME) as emu:
                runner = await BotRunner.create(app, token=TOKEN, api_url=emu.base_url)
                await runner.start()
                try:
                    buyer, seller = emu.user(BUYER, "Jane"), emu.user(SELLER, "Sam")
                    for person in (buyer, seller):  # Telegram: they wrote first
                        await person.send("/start")
                        await person.wait_message(WAIT)
                    for order_id in orders:
                        await asyncio.sleep(args.pause)  # the workers go back to sleep
                        claim = await returns.submit(
                            buyer_id,
                            ClaimDraft(
                                order_id=order_id,
                                items=await first_item(app, order_id),
                                type=ClaimType.REFUND,
                                reason=ClaimReason.NO_LONGER_NEEDED,
                                photos=(),
                                note=None,
                                token=new_token(),
                            ),
                        )
                        committed = stamps[me]
                        try:
                            await seller.wait_message(WAIT)
                            seller_told.append(time.perf_counter() - committed)
                            await asyncio.sleep(args.pause)
                            await sellers.approve(seller_id, claim.id)
                            committed = stamps[me]
                            paid = asyncio.create_task(endpoint.next_call())
                            await buyer.wait_message(WAIT)
                            buyer_told.append(time.perf_counter() - committed)
                            refunded.append(await paid - committed)
                        except TimeoutError:
                            failures += 1
                finally:
                    await runner.stop()
                rejections = len(emu.rejections)
        finally:
            await app.close()
            await endpoint.stop()
    backend = "PostgreSQL" if args.pg else "SQLite"
    print(f"{backend}, {args.claims} claims, {args.pause:g} s apart (idle workers)")
    rows = (
        ("seller_notice", "claim filed → seller's sendMessage", seller_told),
        ("buyer_notice", "claim approved → buyer's sendMessage", buyer_told),
        ("refund_call", "claim approved → refund endpoint called", refunded),
    )
    for key, label, values in rows:
        if values:
            print(
                f"{key}_ms = p50 {percentile(values, 50):.1f}, p90 {percentile(values, 90):.1f}, "
                f"max {max(values) * 1000:.1f}   ({label})"
            )
    print(f"failures = {failures}")
    print(f"rejections = {rejections}")
    if buyer_told and refunded:
        print(
            f"\nREADME: commit → Telegram call, idle, {backend} ({args.claims} claims): "
            f"new request to the seller p50 {percentile(seller_told, 50):.0f} ms, "
            f"decision to the buyer p50 {percentile(buyer_told, 50):.0f} ms "
            f"(p90 {percentile(buyer_told, 90):.0f}), refund call p50 "
            f"{percentile(refunded, 50):.0f} ms"
        )
    return 1 if failures or rejections else 0


async def first_item(app: App, order_id: int) -> dict[int, int]:
    async with app.uow(readonly=True) as uow:
        order = await uow.orders.get(order_id)
        assert order is not None
        return {min(order.items, key=lambda i: i.line_no).id: 1}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--claims", type=int, default=40)
    parser.add_argument("--pause", type=float, default=0.3, help="idle seconds between steps")
    parser.add_argument("--pg", metavar="URL", help="a scratch PostgreSQL database (emptied)")
    args = parser.parse_args()
    sys.exit(asyncio.run(measure(args)))


if __name__ == "__main__":
    main()
