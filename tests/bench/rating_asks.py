"""What the rating job costs (`bot/services/order_ratings.py`): one shop with ratings on,
`--orders` delivered orders each linked to its own buyer, of which `--due` were
delivered inside the asking window (the others long before it), plus a rated and an
opted-out share.  Prints the time of the first run (it queues one request per due
order, each in its own transaction) and of the runs after it (nothing due: the
once-a-minute cost of a quiet shop), and checks that each due order was asked once.

    python tests/bench/rating_asks.py [--orders 20000] [--due 2000] [--pg URL]
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import tempfile
import time
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

from sqlalchemy import func, select, text

from bot.clock import FakeClock
from bot.services.order_ratings import RatingAskJob
from storage.db import create_engine, session_factory
from storage.migrate import upgrade
from storage.models import (
    ChatUser,
    Order,
    OrderItem,
    OrderLink,
    OutboxMessage,
    Payment,
    Shop,
)
from storage.uow import make_uow_factory

BATCH = 1000


async def bench(args: argparse.Namespace) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        url = args.pg or f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}"
        engine = create_engine(url)
        if args.pg:
            async with engine.begin() as conn:
                await conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
                await conn.execute(text("CREATE SCHEMA public"))
        await upgrade(engine)
        uow = make_uow_factory(session_factory(engine))
        clock = FakeClock()
        now = clock.now()
        async with uow() as w:
            shop = Shop(
                code="bench",
                name="Bench",
                currency="USD",
                created_at=now,
                settings={"ratings": True, "rating_after_days": 3},
            )
            w.shops.add(shop)
            await w.commit()
            shop_id = shop.id
        started = time.perf_counter()
        for first in range(0, args.orders, BATCH):
            async with uow() as w:
                for i in range(first, min(first + BATCH, args.orders)):
                    due = i < args.due
                    delivered = now - timedelta(days=4 if due else 40 + i % 300)
                    order = Order(
                        shop_id=shop_id,
                        order_number=f"B{i:09d}",
                        status="DELIVERED",
                        buyer_name="Bench Buyer",
                        placed_at=delivered - timedelta(days=3),
                        paid_at=delivered - timedelta(days=3),
                        delivered_at=delivered,
                        updated_at=delivered,
                    )
                    order.items.append(
                        OrderItem(
                            line_no=1,
                            sku="SKU",
                            product_name="Mug",
                            quantity=1,
                            unit_price=Decimal(10),
                        )
                    )
                    order.payment = Payment(
                        currency="USD",
                        subtotal=Decimal(10),
                        shipping_fee=Decimal(0),
                        discount=Decimal(0),
                        tax=Decimal(0),
                        total_paid=Decimal(10),
                    )
                    buyer = ChatUser(
                        external_id=10_000_000 + i,
                        first_name="B",
                        created_at=now,
                        proactive_off=i % 10 == 9,  # a tenth turned it off
                    )
                    w.session.add_all([order, buyer])
                    await w.session.flush()
                    w.session.add(
                        OrderLink(
                            chat_user_id=buyer.id, order_id=order.id, method="email", created_at=now
                        )
                    )
                await w.commit()
        took = time.perf_counter() - started
        print(f"data: {args.orders} orders, {args.due} in the window ({took:.1f} s)")
        job = RatingAskJob(uow, clock)
        t0 = time.perf_counter()
        first_run = await job.run_once()
        t1 = time.perf_counter()
        print(
            f"first run: asked {first_run.asked} in {(t1 - t0) * 1000:.0f} ms "
            f"({(t1 - t0) * 1000 / max(first_run.asked, 1):.2f} ms per request)"
        )
        quiet = []
        for _ in range(5):
            t0 = time.perf_counter()
            again = await job.run_once()
            quiet.append((time.perf_counter() - t0) * 1000)
            assert again.asked == 0 and not again.errors
        print(f"quiet runs (nothing due): {min(quiet):.1f}-{max(quiet):.1f} ms")
        async with uow(readonly=True) as r:
            asks = await r.session.scalar(
                select(func.count())
                .select_from(OutboxMessage)
                .where(OutboxMessage.dedupe_key.like("rating:ask:%"))
            )
        expected = sum(1 for i in range(args.due) if i % 10 != 9)
        print(f"requests stored: {asks} (expected {expected})")
        await engine.dispose()
        return 0 if asks == expected and not first_run.errors else 1


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--orders", type=int, default=20000)
    parser.add_argument("--due", type=int, default=2000)
    parser.add_argument("--pg", help="PostgreSQL URL instead of SQLite (schema public is DROPPED)")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    return asyncio.run(bench(args))


if __name__ == "__main__":
    raise SystemExit(main())
